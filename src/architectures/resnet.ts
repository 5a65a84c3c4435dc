// ResNet 18/34/50/101/152 as torchvision (v1.5: stride on the 3x3), ResNeXt / wide variants, and the
// pre-activation ResNet v2 50/101/152 laid out as Keras Applications' ResNet50V2 family.
import type { Module } from '../ts/nn/module.js';
import {
  BasicBlock, Bottleneck, Conv2d, Flatten, GlobalAvgPool2d, Linear, MaxPool2d, PreActBottleneck, Sequential, act, bn,
} from './blocks.js';
import type { Named } from './blocks.js';
import { ConvNet, common } from './model.js';
import type { ModelOptions } from './model.js';

export interface ResNetCfg {
  block: 'basic' | 'bottleneck';
  layers: [number, number, number, number];
  groups?: number;
  baseWidth?: number;
}

export const RESNET_CFGS: Record<string, ResNetCfg> = {
  resnet18: { block: 'basic', layers: [2, 2, 2, 2] },
  resnet34: { block: 'basic', layers: [3, 4, 6, 3] },
  resnet50: { block: 'bottleneck', layers: [3, 4, 6, 3] },
  resnet101: { block: 'bottleneck', layers: [3, 4, 23, 3] },
  resnet152: { block: 'bottleneck', layers: [3, 8, 36, 3] },
  resnext50_32x4d: { block: 'bottleneck', layers: [3, 4, 6, 3], groups: 32, baseWidth: 4 },
  wide_resnet50_2: { block: 'bottleneck', layers: [3, 4, 6, 3], baseWidth: 128 },
};

/** Stem: 7x7/2 conv + max pool, or (smallInput) a 3x3/1 conv and no pool. */
function stem(inC: number, small: boolean, bias: boolean, withBn: boolean): Named[] {
  const out: Named[] = [['conv1', small
    ? new Conv2d(inC, 64, 3, { stride: 1, padding: 1, bias })
    : new Conv2d(inC, 64, 7, { stride: 2, padding: 3, bias })]];
  if (withBn) out.push(['bn1', bn(64)], ['relu', act('relu')]);
  if (!small) out.push(['maxpool', new MaxPool2d(3, { stride: 2, padding: 1 })]);
  return out;
}

export function resnet(name: string, o: ModelOptions = {}): ConvNet {
  const cfg = RESNET_CFGS[name];
  const c = common(name, o, { inputSize: 224, dropout: 0, smallInputOk: true });
  const named = stem(c.inputChannels, c.smallInput, false, true);
  const expansion = cfg.block === 'basic' ? 1 : 4;
  let inC = 64;
  cfg.layers.forEach((n, i) => {
    const planes = 64 * 2 ** i;
    const blocks: Module[] = [];
    for (let j = 0; j < n; j++) {
      const stride = j === 0 && i > 0 ? 2 : 1;
      blocks.push(cfg.block === 'basic' ? BasicBlock(inC, planes, stride)
        : Bottleneck(inC, planes, stride, { groups: cfg.groups, baseWidth: cfg.baseWidth }));
      inC = planes * expansion;
    }
    named.push([`layer${i + 1}`, new Sequential(...blocks)]);
  });
  named.push(['avgpool', new GlobalAvgPool2d()], ['flatten', new Flatten()], ['fc', new Linear(inC, c.numClasses)]);
  return new ConvNet({ name, family: 'resnet', defaultInputSize: c.inputSize, inputChannels: c.inputChannels, numClasses: c.numClasses }, named);
}

export const RESNET_V2_LAYERS: Record<string, [number, number, number, number]> = {
  resnet50_v2: [3, 4, 6, 3], resnet101_v2: [3, 4, 23, 3], resnet152_v2: [3, 8, 36, 3],
};

/**
 * Pre-activation ResNet (He et al. 2016) as Keras' ResNet50V2/101V2/152V2: stem conv with bias (no BN),
 * max pool; each stage's first block has a 1x1 conv shortcut, its LAST block carries the stride (1x1
 * max-pool shortcut), the last stage has stride 1; a final norm + relu before pooling.
 * Names: conv1, layerN.i.{norm1,conv1,norm2,conv2,norm3,conv3,downsample}, norm, fc.
 */
export function resnetV2(name: string, o: ModelOptions = {}): ConvNet {
  const layers = RESNET_V2_LAYERS[name];
  const c = common(name, o, { inputSize: 224, dropout: 0, smallInputOk: true });
  const named = stem(c.inputChannels, c.smallInput, true, false);
  let inC = 64;
  layers.forEach((n, i) => {
    const planes = 64 * 2 ** i;
    const stride = i < 3 ? 2 : 1;
    const blocks: Module[] = [PreActBottleneck(inC, planes, n === 1 ? stride : 1, true)];
    inC = planes * 4;
    for (let j = 1; j < n; j++) blocks.push(PreActBottleneck(inC, planes, j === n - 1 ? stride : 1, false));
    named.push([`layer${i + 1}`, new Sequential(...blocks)]);
  });
  named.push(['norm', bn(inC)], ['relu', act('relu')], ['avgpool', new GlobalAvgPool2d()], ['flatten', new Flatten()],
    ['fc', new Linear(inC, c.numClasses)]);
  return new ConvNet({ name, family: 'resnet_v2', defaultInputSize: c.inputSize, inputChannels: c.inputChannels, numClasses: c.numClasses }, named);
}

export const resnet18 = (o?: ModelOptions): ConvNet => resnet('resnet18', o);
export const resnet34 = (o?: ModelOptions): ConvNet => resnet('resnet34', o);
export const resnet50 = (o?: ModelOptions): ConvNet => resnet('resnet50', o);
export const resnet101 = (o?: ModelOptions): ConvNet => resnet('resnet101', o);
export const resnet152 = (o?: ModelOptions): ConvNet => resnet('resnet152', o);
export const resnext50_32x4d = (o?: ModelOptions): ConvNet => resnet('resnext50_32x4d', o);
export const wide_resnet50_2 = (o?: ModelOptions): ConvNet => resnet('wide_resnet50_2', o);
export const resnet50_v2 = (o?: ModelOptions): ConvNet => resnetV2('resnet50_v2', o);
export const resnet101_v2 = (o?: ModelOptions): ConvNet => resnetV2('resnet101_v2', o);
export const resnet152_v2 = (o?: ModelOptions): ConvNet => resnetV2('resnet152_v2', o);
