// VGG 11/13/16/19 with and without batch norm, as torchvision (configs A, B, D, E).
import type { Module } from '../ts/nn/module.js';
import { AdaptiveAvgPool2d, Conv2d, Dropout, Flatten, GlobalAvgPool2d, Linear, MaxPool2d, Sequential, act, bn } from './blocks.js';
import { ConvNet, common } from './model.js';
import type { ModelOptions } from './model.js';

type Cfg = (number | 'M')[];
export const VGG_CFGS: Record<'vgg11' | 'vgg13' | 'vgg16' | 'vgg19', Cfg> = {
  vgg11: [64, 'M', 128, 'M', 256, 256, 'M', 512, 512, 'M', 512, 512, 'M'],
  vgg13: [64, 64, 'M', 128, 128, 'M', 256, 256, 'M', 512, 512, 'M', 512, 512, 'M'],
  vgg16: [64, 64, 'M', 128, 128, 'M', 256, 256, 256, 'M', 512, 512, 512, 'M', 512, 512, 512, 'M'],
  vgg19: [64, 64, 'M', 128, 128, 'M', 256, 256, 256, 256, 'M', 512, 512, 512, 512, 'M', 512, 512, 512, 512, 'M'],
};

/** features: conv3x3(+BN)+ReLU and 2x2 max pools, indexed like torchvision's Sequential. */
function features(cfg: Cfg, inC: number, batchNorm: boolean): Sequential {
  const mods: Module[] = [];
  let c = inC;
  for (const v of cfg) {
    if (v === 'M') { mods.push(new MaxPool2d(2, { stride: 2 })); continue; }
    mods.push(new Conv2d(c, v, 3, { padding: 1 }));
    if (batchNorm) mods.push(bn(v));
    mods.push(act('relu'));
    c = v;
  }
  return new Sequential(...mods);
}

/**
 * torchvision VGG: features, avgpool (adaptive 7x7), classifier 25088-4096-4096-classes with dropout.
 * smallInput: the last max pool is dropped, global average pooling, classifier 512-512-512-classes.
 */
export function vgg(name: keyof typeof VGG_CFGS, batchNorm: boolean, o: ModelOptions = {}): ConvNet {
  const full = batchNorm ? `${name}_bn` : name;
  const c = common(full, o, { inputSize: 224, dropout: 0.5, smallInputOk: true });
  const cfg = [...VGG_CFGS[name]];
  if (c.smallInput) cfg.pop();
  const hidden = c.smallInput ? 512 : 4096;
  const flat = c.smallInput ? 512 : 512 * 7 * 7;
  const classifier = new Sequential(
    new Linear(flat, hidden), act('relu'), new Dropout(c.dropout),
    new Linear(hidden, hidden), act('relu'), new Dropout(c.dropout),
    new Linear(hidden, c.numClasses),
  );
  return new ConvNet({
    name: full, family: 'vgg', defaultInputSize: c.inputSize, inputChannels: c.inputChannels, numClasses: c.numClasses,
  }, [
    ['features', features(cfg, c.inputChannels, batchNorm)],
    ['avgpool', c.smallInput ? new GlobalAvgPool2d() : new AdaptiveAvgPool2d(7)],
    ['flatten', new Flatten()],
    ['classifier', classifier],
  ]);
}

export const vgg11 = (o?: ModelOptions): ConvNet => vgg('vgg11', false, o);
export const vgg11_bn = (o?: ModelOptions): ConvNet => vgg('vgg11', true, o);
export const vgg13 = (o?: ModelOptions): ConvNet => vgg('vgg13', false, o);
export const vgg13_bn = (o?: ModelOptions): ConvNet => vgg('vgg13', true, o);
export const vgg16 = (o?: ModelOptions): ConvNet => vgg('vgg16', false, o);
export const vgg16_bn = (o?: ModelOptions): ConvNet => vgg('vgg16', true, o);
export const vgg19 = (o?: ModelOptions): ConvNet => vgg('vgg19', false, o);
export const vgg19_bn = (o?: ModelOptions): ConvNet => vgg('vgg19', true, o);

