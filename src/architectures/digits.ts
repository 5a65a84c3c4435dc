// The default model of `convnets train`, registered as resnet_digits: a narrow ResNet for 28x28
// digits. torchvision's BasicBlock, a 3x3 stride-1 stem (the architectures' smallInput stem) and
// three stages of one block each at widths 16/32/64 (28 -> 14 -> 7), then global pooling and a linear classifier: about 78k
// parameters and 9.4 M MACs per image, so a few epochs fit in the 2-core budget.
import { BasicBlock, Conv2d, Flatten, GlobalAvgPool2d, Linear, Sequential, act, bn } from './blocks.js';
import type { Named } from './blocks.js';
import { ConvNet } from './model.js';
import { ConvnetsError } from '../ts/core/backend.js';

export const DEFAULT_MODEL = 'resnet_digits';

export interface DigitsResNetOptions {
  numClasses?: number;
  inputChannels?: number;
  /** Channels of the three stages. */
  widths?: [number, number, number];
  /** Basic blocks per stage. */
  blocks?: [number, number, number];
}

export function resnetDigits(o: DigitsResNetOptions = {}): ConvNet {
  const widths = o.widths ?? [16, 32, 64];
  const blocks = o.blocks ?? [1, 1, 1];
  const numClasses = o.numClasses ?? 10, inC = o.inputChannels ?? 1;
  for (const v of [...widths, ...blocks, numClasses, inC]) {
    if (!Number.isInteger(v) || v <= 0) throw new ConvnetsError(`${DEFAULT_MODEL}: sizes must be positive integers, got widths ${widths}, blocks ${blocks}, classes ${numClasses}, channels ${inC}`);
  }
  const named: Named[] = [
    ['conv1', new Conv2d(inC, widths[0], 3, { padding: 1, bias: false })], ['bn1', bn(widths[0])], ['relu', act('relu')],
  ];
  let c = widths[0];
  widths.forEach((w, i) => {
    const stage = [];
    for (let j = 0; j < blocks[i]; j++) { stage.push(BasicBlock(c, w, j === 0 && i > 0 ? 2 : 1)); c = w; }
    named.push([`layer${i + 1}`, new Sequential(...stage)]);
  });
  named.push(['avgpool', new GlobalAvgPool2d()], ['flatten', new Flatten()], ['fc', new Linear(c, numClasses)]);
  return new ConvNet({ name: DEFAULT_MODEL, family: 'resnet', defaultInputSize: 28, inputChannels: inC, numClasses }, named);
}
