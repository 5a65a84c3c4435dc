// MobileNet v1 (Keras Applications layout; torchvision has none), v2 and v3 large/small (torchvision).
import type { ActivationKind } from '../ts/core/backend.js';
import {
  BN_TF, ConvBnAct, DepthwiseSeparable, Dropout, Flatten, GlobalAvgPool2d, InvertedResidual, Linear, Sequential,
  act, makeDivisible,
} from './blocks.js';
import type { Named } from './blocks.js';
import type { Module } from '../ts/nn/module.js';
import { ConvNet, common, positive } from './model.js';
import type { ModelOptions } from './model.js';

// ---- v1 ------------------------------------------------------------------------------------------------

/** (output channels, stride) of the 13 depthwise-separable blocks. */
export const MOBILENET_V1_BLOCKS: [number, number][] = [
  [64, 1], [128, 2], [128, 1], [256, 2], [256, 1], [512, 2],
  [512, 1], [512, 1], [512, 1], [512, 1], [512, 1], [1024, 2], [1024, 1],
];

/**
 * MobileNet v1 (Howard et al. 2017) as Keras: channels int(c * alpha) (option width), ReLU6, dropout
 * 1e-3, a classifier with bias. Resolution multiplier = option inputSize (224 * rho).
 * Names: features.0 (stem ConvBnAct), features.1-13 ('0' depthwise, '1' pointwise), classifier.1.
 */
export function mobilenet_v1(o: ModelOptions = {}): ConvNet {
  const name = 'mobilenet_v1';
  const c = common(name, o, { inputSize: 224, dropout: 1e-3, smallInputOk: true });
  const alpha = positive(name, 'width', o.width, 1);
  const ch = (v: number): number => Math.max(1, Math.floor(v * alpha));
  const mods: Module[] = [ConvBnAct(c.inputChannels, ch(32), 3, { stride: c.smallInput ? 1 : 2, act: 'relu6' })];
  let inC = ch(32);
  for (const [out, s] of MOBILENET_V1_BLOCKS) { mods.push(DepthwiseSeparable(inC, ch(out), s)); inC = ch(out); }
  return new ConvNet({ name, family: 'mobilenet', defaultInputSize: c.inputSize, inputChannels: c.inputChannels, numClasses: c.numClasses }, [
    ['features', new Sequential(...mods)], ['avgpool', new GlobalAvgPool2d()], ['flatten', new Flatten()],
    ['classifier', new Sequential(new Dropout(c.dropout), new Linear(inC, c.numClasses))],
  ]);
}

// ---- v2 ------------------------------------------------------------------------------------------------

/** (expand t, channels c, repeats n, stride s) as torchvision. */
export const MOBILENET_V2_CFG: [number, number, number, number][] = [
  [1, 16, 1, 1], [6, 24, 2, 2], [6, 32, 3, 2], [6, 64, 4, 2], [6, 96, 3, 1], [6, 160, 3, 2], [6, 320, 1, 1],
];

export function mobilenet_v2(o: ModelOptions = {}): ConvNet {
  const name = 'mobilenet_v2';
  const c = common(name, o, { inputSize: 224, dropout: 0.2, smallInputOk: true });
  const width = positive(name, 'width', o.width, 1);
  let inC = makeDivisible(32 * width, 8);
  const last = makeDivisible(1280 * Math.max(1, width), 8);
  const mods: Module[] = [ConvBnAct(c.inputChannels, inC, 3, { stride: c.smallInput ? 1 : 2, act: 'relu6' })];
  for (const [t, ch, n, s] of MOBILENET_V2_CFG) {
    const out = makeDivisible(ch * width, 8);
    for (let i = 0; i < n; i++) {
      mods.push(InvertedResidual({ inC, outC: out, expandC: Math.round(inC * t), kernel: 3, stride: i === 0 ? s : 1,
        act: 'relu6', layout: 'v2' }));
      inC = out;
    }
  }
  mods.push(ConvBnAct(inC, last, 1, { act: 'relu6' }));
  return new ConvNet({ name, family: 'mobilenet', defaultInputSize: c.inputSize, inputChannels: c.inputChannels, numClasses: c.numClasses }, [
    ['features', new Sequential(...mods)], ['avgpool', new GlobalAvgPool2d()], ['flatten', new Flatten()],
    ['classifier', new Sequential(new Dropout(c.dropout), new Linear(last, c.numClasses))],
  ]);
}

// ---- v3 ------------------------------------------------------------------------------------------------

/** (input, kernel, expanded, output, SE, activation, stride) as torchvision's InvertedResidualConfig. */
type V3Row = [number, number, number, number, boolean, 'RE' | 'HS', number];
export const MOBILENET_V3_CFGS: Record<'large' | 'small', { rows: V3Row[]; lastChannel: number }> = {
  large: {
    rows: [
      [16, 3, 16, 16, false, 'RE', 1], [16, 3, 64, 24, false, 'RE', 2], [24, 3, 72, 24, false, 'RE', 1],
      [24, 5, 72, 40, true, 'RE', 2], [40, 5, 120, 40, true, 'RE', 1], [40, 5, 120, 40, true, 'RE', 1],
      [40, 3, 240, 80, false, 'HS', 2], [80, 3, 200, 80, false, 'HS', 1], [80, 3, 184, 80, false, 'HS', 1],
      [80, 3, 184, 80, false, 'HS', 1], [80, 3, 480, 112, true, 'HS', 1], [112, 3, 672, 112, true, 'HS', 1],
      [112, 5, 672, 160, true, 'HS', 2], [160, 5, 960, 160, true, 'HS', 1], [160, 5, 960, 160, true, 'HS', 1],
    ],
    lastChannel: 1280,
  },
  small: {
    rows: [
      [16, 3, 16, 16, true, 'RE', 2], [16, 3, 72, 24, false, 'RE', 2], [24, 3, 88, 24, false, 'RE', 1],
      [24, 5, 96, 40, true, 'HS', 2], [40, 5, 240, 40, true, 'HS', 1], [40, 5, 240, 40, true, 'HS', 1],
      [40, 5, 120, 48, true, 'HS', 1], [48, 5, 144, 48, true, 'HS', 1], [48, 5, 288, 96, true, 'HS', 2],
      [96, 5, 576, 96, true, 'HS', 1], [96, 5, 576, 96, true, 'HS', 1],
    ],
    lastChannel: 1024,
  },
};

function mobilenetV3(kind: 'large' | 'small', o: ModelOptions): ConvNet {
  const name = `mobilenet_v3_${kind}`;
  const c = common(name, o, { inputSize: 224, dropout: 0.2, smallInputOk: true });
  const width = positive(name, 'width', o.width, 1);
  const adj = (v: number): number => makeDivisible(v * width, 8);
  const cfg = MOBILENET_V3_CFGS[kind];
  const first = adj(cfg.rows[0][0]);
  const mods: Module[] = [ConvBnAct(c.inputChannels, first, 3, { stride: c.smallInput ? 1 : 2, act: 'hardswish', norm: BN_TF })];
  for (const [inC, k, exp, out, se, a, s] of cfg.rows) {
    const e = adj(exp);
    const kind: ActivationKind = a === 'RE' ? 'relu' : 'hardswish';
    mods.push(InvertedResidual({
      inC: adj(inC), outC: adj(out), expandC: e, kernel: k, stride: s, act: kind, norm: BN_TF, layout: 'v3',
      se: se ? { squeezeC: makeDivisible(Math.floor(e / 4), 8), act: 'relu', gate: 'hardsigmoid' } : null,
    }));
  }
  const lastIn = adj(cfg.rows[cfg.rows.length - 1][3]);
  const lastConv = 6 * lastIn;
  const lastChannel = adj(cfg.lastChannel);
  mods.push(ConvBnAct(lastIn, lastConv, 1, { act: 'hardswish', norm: BN_TF }));
  const named: Named[] = [
    ['features', new Sequential(...mods)], ['avgpool', new GlobalAvgPool2d()], ['flatten', new Flatten()],
    ['classifier', new Sequential(new Linear(lastConv, lastChannel), act('hardswish'), new Dropout(c.dropout),
      new Linear(lastChannel, c.numClasses))],
  ];
  return new ConvNet({ name, family: 'mobilenet', defaultInputSize: c.inputSize, inputChannels: c.inputChannels, numClasses: c.numClasses }, named);
}

export const mobilenet_v3_large = (o: ModelOptions = {}): ConvNet => mobilenetV3('large', o);
export const mobilenet_v3_small = (o: ModelOptions = {}): ConvNet => mobilenetV3('small', o);
