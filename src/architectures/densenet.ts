// DenseNet 121/161/169/201 as torchvision (memory-naive concat; bn_size 4; compression 0.5).
import type { Named } from './blocks.js';
import { Conv2d, DenseBlock, familyInit, Flatten, GlobalAvgPool2d, Linear, MaxPool2d, Sequential, Transition, act, bn } from './blocks.js';
import { ConvNet, common } from './model.js';
import type { ModelOptions } from './model.js';

/** growth rate, block sizes, initial features. */
export const DENSENET_CFGS: Record<string, [number, [number, number, number, number], number]> = {
  densenet121: [32, [6, 12, 24, 16], 64],
  densenet161: [48, [6, 12, 36, 24], 96],
  densenet169: [32, [6, 12, 32, 32], 64],
  densenet201: [32, [6, 12, 48, 32], 64],
};

/**
 * Names: features.{conv0,norm0,relu0,pool0,denseblockN.denselayerM.*,transitionN.*,norm5}, classifier.
 * smallInput: conv0 is 3x3 stride 1 and pool0 is left out.
 */
export function densenet(name: string, o: ModelOptions = {}): ConvNet {
  const [growth, blocks, init] = DENSENET_CFGS[name];
  const c = common(name, o, { inputSize: 224, dropout: 0, smallInputOk: true });
  const f: Named[] = [
    ['conv0', c.smallInput ? new Conv2d(c.inputChannels, init, 3, { padding: 1, bias: false })
      : new Conv2d(c.inputChannels, init, 7, { stride: 2, padding: 3, bias: false })],
    ['norm0', bn(init)], ['relu0', act('relu')],
  ];
  if (!c.smallInput) f.push(['pool0', new MaxPool2d(3, { stride: 2, padding: 1 })]);
  let ch = init;
  blocks.forEach((n, i) => {
    f.push([`denseblock${i + 1}`, DenseBlock(n, ch, growth, 4, c.dropout)]);
    ch += n * growth;
    if (i < blocks.length - 1) {
      f.push([`transition${i + 1}`, Transition(ch, Math.floor(ch / 2))]);
      ch = Math.floor(ch / 2);
    }
  });
  f.push(['norm5', bn(ch)]);
  const model = new ConvNet({ name, family: 'densenet', defaultInputSize: c.inputSize, inputChannels: c.inputChannels, numClasses: c.numClasses }, [
    ['features', Sequential.named(f)], ['relu', act('relu')], ['avgpool', new GlobalAvgPool2d()], ['flatten', new Flatten()],
    ['classifier', new Linear(ch, c.numClasses)],
  ]);
  familyInit(model, 'densenet');
  return model;
}

export const densenet121 = (o?: ModelOptions): ConvNet => densenet('densenet121', o);
export const densenet161 = (o?: ModelOptions): ConvNet => densenet('densenet161', o);
export const densenet169 = (o?: ModelOptions): ConvNet => densenet('densenet169', o);
export const densenet201 = (o?: ModelOptions): ConvNet => densenet('densenet201', o);
