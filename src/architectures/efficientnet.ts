// EfficientNet B0-B7 exactly as torchvision, plus the chapter's compound-scaled family for any phi.
import { ConvnetsError } from '../ts/core/backend.js';
import type { Module } from '../ts/nn/module.js';
import { BN_DEFAULT, BN_TF, ConvBnAct, familyInit, Dropout, Flatten, GlobalAvgPool2d, InvertedResidual, Linear, Sequential, makeDivisible } from './blocks.js';
import type { NormCfg } from './blocks.js';
import { ConvNet, common, positive, rate } from './model.js';
import type { ModelOptions } from './model.js';

/** B0 stages: (expand, kernel, stride, in, out, repeats); SE squeeze = in/4. */
export const EFFICIENTNET_B0_STAGES: [number, number, number, number, number, number][] = [
  [1, 3, 1, 32, 16, 1], [6, 3, 2, 16, 24, 2], [6, 5, 2, 24, 40, 2], [6, 3, 2, 40, 80, 3],
  [6, 5, 1, 80, 112, 3], [6, 5, 2, 112, 192, 4], [6, 3, 1, 192, 320, 1],
];

/**
 * (width, depth, resolution, dropout) per variant. Resolution is torchvision's evaluation crop, the size
 * its published top-1 and GMACs (which `select` and `scale` print) were measured at: the paper's for every
 * variant but B2, which torchvision evaluates at 288 (the paper trains it at 260).
 */
export const EFFICIENTNET_SCALES: Record<string, [number, number, number, number]> = {
  efficientnet_b0: [1.0, 1.0, 224, 0.2], efficientnet_b1: [1.0, 1.1, 240, 0.2],
  efficientnet_b2: [1.1, 1.2, 288, 0.3], efficientnet_b3: [1.2, 1.4, 300, 0.3],
  efficientnet_b4: [1.4, 1.8, 380, 0.4], efficientnet_b5: [1.6, 2.2, 456, 0.4],
  efficientnet_b6: [1.8, 2.6, 528, 0.5], efficientnet_b7: [2.0, 3.1, 600, 0.5],
};

export interface EfficientNetScale {
  name: string;
  width: number;
  depth: number;
  inputSize: number;
  dropout: number;
  norm: NormCfg;
}

/** The generic builder: B0's stages scaled by width/depth (channels to multiples of 8, repeats ceil(d*n)). */
export function efficientnetScaled(s: EfficientNetScale, o: ModelOptions = {}): ConvNet {
  const c = common(s.name, o, { inputSize: s.inputSize, dropout: s.dropout, smallInputOk: true });
  const sd = rate(s.name, 'stochasticDepth', o.stochasticDepth, 0.2);
  const adj = (v: number): number => makeDivisible(v * s.width, 8);
  const reps = EFFICIENTNET_B0_STAGES.map((r) => Math.ceil(r[5] * s.depth));
  const total = reps.reduce((a, b) => a + b, 0);
  const first = adj(32);
  const feats: Module[] = [ConvBnAct(c.inputChannels, first, 3, { stride: c.smallInput ? 1 : 2, act: 'silu', norm: s.norm })];
  let id = 0;
  let inC = first;
  EFFICIENTNET_B0_STAGES.forEach(([t, k, stride, , out], si) => {
    const outC = adj(out);
    const stage: Module[] = [];
    for (let i = 0; i < reps[si]; i++) {
      stage.push(InvertedResidual({
        inC, outC, expandC: makeDivisible(inC * t, 8), kernel: k, stride: i === 0 ? stride : 1, act: 'silu', norm: s.norm,
        se: { squeezeC: Math.max(1, Math.floor(inC / 4)), act: 'silu', gate: 'sigmoid' },
        dropPath: (sd * id) / total, layout: 'v3',
      }));
      inC = outC;
      id++;
    }
    feats.push(new Sequential(...stage));
  });
  const last = 4 * inC;
  feats.push(ConvBnAct(inC, last, 1, { act: 'silu', norm: s.norm }));
  const model = new ConvNet({ name: s.name, family: 'efficientnet', defaultInputSize: c.inputSize, inputChannels: c.inputChannels, numClasses: c.numClasses }, [
    ['features', new Sequential(...feats)], ['avgpool', new GlobalAvgPool2d()], ['flatten', new Flatten()],
    ['classifier', new Sequential(new Dropout(c.dropout), new Linear(last, c.numClasses))],
  ]);
  familyInit(model, 'efficientnet');
  return model;
}

/** torchvision efficientnet_bN: B5-B7 use BN eps 1e-3, momentum 0.01 (their TF-ported weights). */
export function efficientnetB(n: number, o: ModelOptions = {}): ConvNet {
  const name = `efficientnet_b${n}`;
  const [width, depth, inputSize, dropout] = EFFICIENTNET_SCALES[name];
  return efficientnetScaled({ name, width, depth, inputSize, dropout, norm: n >= 5 ? BN_TF : BN_DEFAULT }, o);
}

export interface CompoundScaling {
  phi: number;
  /** Depth base (d = alpha^phi). */
  alpha?: number;
  /** Width base (w = beta^phi). */
  beta?: number;
  /** Resolution base (r = gamma^phi). */
  gamma?: number;
}

/** The compound scaling of the chapter: depth alpha^phi, width beta^phi, resolution 224 gamma^phi. */
export function compoundScale(cs: CompoundScaling): { depth: number; width: number; inputSize: number } {
  const phi = cs.phi;
  const depth = (cs.alpha ?? 1.2) ** phi;
  const width = (cs.beta ?? 1.1) ** phi;
  const inputSize = Math.round(224 * (cs.gamma ?? 1.15) ** phi);
  return { depth, width, inputSize };
}

/** EfficientNet for any phi (alpha=1.2, beta=1.1, gamma=1.15 by default); dropout 0.2 unless given. */
export function efficientnet(cs: CompoundScaling, o: ModelOptions = {}): ConvNet {
  const name = 'efficientnet';
  if (typeof cs.phi !== 'number' || !Number.isFinite(cs.phi) || cs.phi < 0) {
    throw new ConvnetsError(`${name}: phi must be a number >= 0, got ${JSON.stringify(cs.phi)}`);
  }
  for (const k of ['alpha', 'beta', 'gamma'] as const) if (cs[k] !== undefined) positive(name, k, cs[k], 1);
  const { depth, width, inputSize } = compoundScale(cs);
  return efficientnetScaled({ name, width, depth, inputSize, dropout: 0.2, norm: BN_DEFAULT }, o);
}

export const efficientnet_b0 = (o?: ModelOptions): ConvNet => efficientnetB(0, o);
export const efficientnet_b1 = (o?: ModelOptions): ConvNet => efficientnetB(1, o);
export const efficientnet_b2 = (o?: ModelOptions): ConvNet => efficientnetB(2, o);
export const efficientnet_b3 = (o?: ModelOptions): ConvNet => efficientnetB(3, o);
export const efficientnet_b4 = (o?: ModelOptions): ConvNet => efficientnetB(4, o);
export const efficientnet_b5 = (o?: ModelOptions): ConvNet => efficientnetB(5, o);
export const efficientnet_b6 = (o?: ModelOptions): ConvNet => efficientnetB(6, o);
export const efficientnet_b7 = (o?: ModelOptions): ConvNet => efficientnetB(7, o);
