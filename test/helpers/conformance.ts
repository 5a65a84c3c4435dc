// Conformance harness: every kernel of the contract, run on a backend under test and on the js reference
// in float64 with the same seeded inputs, on awkward shapes (odd H/W, batch 3, stride 2, dilation 2,
// groups 2, depthwise multiplier 1 and 2, asymmetric padding, ceil-mode pooling, 1x7/7x1, ...).
//
// Error metric (per output buffer): rel = max_i |got_i - want_i| / max(1, max_i |want_i|), i.e. absolute
// error for values of order <= 1 and relative to the largest reference value otherwise. NaN anywhere
// fails. Inputs are rounded to float32 before use, so both sides see identical inputs; pure outputs are
// pre-filled with NaN, so a kernel that accumulates into (or skips part of) its output fails.
import type { Test } from 'tap';
import { KERNEL_NAMES } from '../../src/ts/core/backend.js';
import type {
  ActivationKind, Backend, BatchNormParams, Buf, Conv2dParams, KernelName, Pool2dParams,
} from '../../src/ts/core/backend.js';
import { ACTIVATIONS } from '../../src/ts/core/backend.js';
import { conv2dParams, pool2dParams } from '../../src/ts/core/shape.js';
import type { Conv2dOptions, Pool2dOptions } from '../../src/ts/core/shape.js';
import { Rng } from '../../src/ts/core/random.js';
import { JsBackend } from '../../src/ts/backends/js/index.js';

// ---- the case table (shapes only; other suites reuse it) -------------------------------------------

export interface ConvCase { name: string; x: number[]; w: number[]; opts: Conv2dOptions; bias: boolean; activation?: ActivationKind; }
export interface PoolCase { name: string; x: number[]; opts: Pool2dOptions; }
export interface BnCase { name: string; rows: number; c: number; eps: number; momentum: number; }
export interface NhcCase { name: string; n: number; hw: number; c: number; }
export interface DenseCase { name: string; n: number; inF: number; outF: number; bias: boolean; }
export interface ConcatCase { name: string; rows: number; channels: number[]; }
export interface XentCase { name: string; n: number; classes: number; smoothing: number; logitScale: number; }
export interface SgdCase { name: string; length: number; lr: number; momentum: number; weightDecay: number; nesterov: boolean; }
export interface AdamWCase { name: string; length: number; lr: number; beta1: number; beta2: number; eps: number; weightDecay: number; step: number; }
export interface DropoutCase { name: string; length: number; rate: number; seed: number; }

/** torch AdaptiveAvgPool2d: input [n, h, w, c] to outH x outW (uneven, overlapping and upsampling windows). */
export interface AdaptivePoolCase { name: string; x: number[]; outH: number; outW: number; }

export interface ConformanceCases {
  conv: ConvCase[]; dwconv: ConvCase[]; pwconv: ConvCase[];
  maxPool: PoolCase[]; avgPool: PoolCase[]; adaptivePool: AdaptivePoolCase[];
  batchNorm: BnCase[]; globalPool: NhcCase[]; channelScale: NhcCase[];
  dense: DenseCase[]; lengths: number[]; concat: ConcatCase[];
  softmaxXent: XentCase[]; sgd: SgdCase[]; adamw: AdamWCase[]; dropout: DropoutCase[];
}

/** The awkward shapes; 'full' adds larger, real-layer-like ones (slower on the js reference). */
export function conformanceCases(mode: 'small' | 'full' = 'small'): ConformanceCases {
  const c: ConformanceCases = {
    conv: [
      { name: '3x3 s1 p1 b3 7x9', x: [3, 7, 9, 5], w: [4, 3, 3, 5], opts: { padding: 1 }, bias: true },
      { name: '3x3 s2 p1', x: [3, 7, 9, 3], w: [6, 3, 3, 3], opts: { stride: 2, padding: 1 }, bias: false },
      { name: '3x3 dilation 2 p2', x: [2, 9, 7, 3], w: [4, 3, 3, 3], opts: { dilation: 2, padding: 2 }, bias: true },
      { name: '3x3 groups 2', x: [2, 7, 9, 4], w: [6, 3, 3, 2], opts: { groups: 2, padding: 1 }, bias: true },
      { name: 'asymmetric pad [0,1,1,2] s2', x: [2, 7, 9, 3], w: [5, 3, 3, 3], opts: { stride: 2, padding: [0, 1, 1, 2] }, bias: true },
      { name: '1x7 p[0,3]', x: [2, 7, 9, 4], w: [3, 1, 7, 4], opts: { padding: [0, 3] }, bias: true },
      { name: '7x1 p[3,0]', x: [2, 7, 9, 4], w: [3, 7, 1, 4], opts: { padding: [3, 0] }, bias: false },
      { name: '5x5 same s2', x: [1, 9, 7, 3], w: [4, 5, 5, 3], opts: { stride: 2, padding: 'same' }, bias: true },
      { name: '1x1 s2 (strided projection)', x: [3, 7, 9, 6], w: [5, 1, 1, 6], opts: { stride: 2 }, bias: false },
      { name: '3x3 s2 valid, stride [2,1]', x: [2, 8, 9, 3], w: [4, 3, 3, 3], opts: { stride: [2, 1] }, bias: true },
      { name: 'fused relu6', x: [2, 7, 9, 3], w: [4, 3, 3, 3], opts: { padding: 1 }, bias: true, activation: 'relu6' },
      { name: 'fused hardswish s2', x: [1, 7, 9, 3], w: [5, 3, 3, 3], opts: { stride: 2, padding: 1 }, bias: true, activation: 'hardswish' },
      { name: 'channels 17 -> 19 (SIMD remainders)', x: [1, 5, 6, 17], w: [19, 3, 3, 17], opts: { padding: 1 }, bias: true },
      { name: 'stride 2 + dilation 2, groups 3', x: [2, 9, 11, 6], w: [9, 3, 3, 2], opts: { stride: 2, dilation: 2, padding: 2, groups: 3 }, bias: true },
    ],
    dwconv: [
      { name: 'mult 1 3x3 s1 p1 b3 7x9', x: [3, 7, 9, 6], w: [6, 3, 3, 1], opts: { groups: 6, padding: 1 }, bias: true },
      { name: 'mult 2 3x3 s2 p1', x: [2, 7, 9, 4], w: [8, 3, 3, 1], opts: { groups: 4, stride: 2, padding: 1 }, bias: true },
      { name: '5x5 s2 p2', x: [2, 9, 7, 5], w: [5, 5, 5, 1], opts: { groups: 5, stride: 2, padding: 2 }, bias: false },
      { name: 'dilation 2', x: [1, 9, 9, 3], w: [3, 3, 3, 1], opts: { groups: 3, dilation: 2, padding: 2 }, bias: true },
      { name: 'same s2 even input (asymmetric pad)', x: [2, 8, 8, 4], w: [4, 3, 3, 1], opts: { groups: 4, stride: 2, padding: 'same' }, bias: false },
      { name: 'fused relu6 mult 2', x: [1, 7, 9, 3], w: [6, 3, 3, 1], opts: { groups: 3, padding: 1 }, bias: true, activation: 'relu6' },
      { name: '19 channels (SIMD remainders)', x: [2, 5, 7, 19], w: [19, 3, 3, 1], opts: { groups: 19, padding: 1 }, bias: true },
    ],
    pwconv: [
      { name: 'b3 7x9 5->7', x: [3, 7, 9, 5], w: [7, 1, 1, 5], opts: {}, bias: true },
      { name: '16->9 no bias', x: [2, 3, 5, 16], w: [9, 1, 1, 16], opts: {}, bias: false },
      { name: '1 channel in', x: [1, 5, 3, 1], w: [4, 1, 1, 1], opts: {}, bias: true },
      { name: '35 -> 19 (SIMD remainders)', x: [1, 3, 7, 35], w: [19, 1, 1, 35], opts: {}, bias: true },
      { name: 'fused silu', x: [2, 3, 5, 6], w: [5, 1, 1, 6], opts: {}, bias: true, activation: 'silu' },
    ],
    maxPool: [
      { name: '3x3 s2 p1 b3 7x9', x: [3, 7, 9, 4], opts: { kernel: 3, stride: 2, padding: 1 } },
      { name: '3x3 s2 ceil 8x8', x: [2, 8, 8, 3], opts: { kernel: 3, stride: 2, ceilMode: true } },
      { name: '2x2 s2 floor 7x9', x: [2, 7, 9, 3], opts: { kernel: 2, stride: 2 } },
      { name: '3x3 s1 p1', x: [1, 7, 9, 2], opts: { kernel: 3, stride: 1, padding: 1 } },
      { name: '2x3 window s[2,1]', x: [2, 7, 9, 2], opts: { kernel: [2, 3], stride: [2, 1] } },
      { name: '3x3 s2 p1 19 channels', x: [1, 7, 9, 19], opts: { kernel: 3, stride: 2, padding: 1 } },
    ],
    avgPool: [
      { name: '3x3 s2 p1 incl pad', x: [3, 7, 9, 4], opts: { kernel: 3, stride: 2, padding: 1, countIncludePad: true } },
      { name: '3x3 s2 p1 excl pad', x: [3, 7, 9, 4], opts: { kernel: 3, stride: 2, padding: 1, countIncludePad: false } },
      { name: '3x3 s2 ceil 8x8 incl pad', x: [2, 8, 8, 3], opts: { kernel: 3, stride: 2, ceilMode: true, countIncludePad: true } },
      { name: '3x3 s2 ceil 8x8 excl pad', x: [2, 8, 8, 3], opts: { kernel: 3, stride: 2, ceilMode: true, countIncludePad: false } },
      { name: '3x3 s2 p1 ceil 6x6 overhang incl pad', x: [2, 6, 6, 3], opts: { kernel: 3, stride: 2, padding: 1, ceilMode: true, countIncludePad: true } },
      { name: '3x3 s2 p1 ceil 6x6 overhang excl pad', x: [2, 6, 6, 3], opts: { kernel: 3, stride: 2, padding: 1, ceilMode: true, countIncludePad: false } },
      { name: '3x3 s1 p1 excl pad (inception)', x: [2, 7, 9, 3], opts: { kernel: 3, stride: 1, padding: 1, countIncludePad: false } },
      { name: '2x2 s2 7x9', x: [2, 7, 9, 3], opts: { kernel: 2, stride: 2 } },
      { name: '3x3 s2 p1 ceil 19 channels', x: [1, 7, 9, 19], opts: { kernel: 3, stride: 2, padding: 1, ceilMode: true, countIncludePad: true } },
      { name: '3x3 s2 same (asymmetric) incl pad', x: [2, 8, 7, 3], opts: { kernel: 3, stride: 2, padding: 'same', countIncludePad: true } },
      { name: '3x3 s2 pads [0,1,1,0] incl pad', x: [2, 7, 8, 5], opts: { kernel: 3, stride: 2, padding: [0, 1, 1, 0], countIncludePad: true } },
      { name: '3x3 s2 pads [0,1,1,0] excl pad', x: [2, 7, 8, 5], opts: { kernel: 3, stride: 2, padding: [0, 1, 1, 0], countIncludePad: false } },
    ],
    batchNorm: [
      { name: 'rows 189 c 5', rows: 189, c: 5, eps: 1e-5, momentum: 0.1 },
      { name: 'rows 2 c 3', rows: 2, c: 3, eps: 1e-5, momentum: 0.1 },
      { name: 'rows 63 c 7 eps 1e-3 momentum 0.01', rows: 63, c: 7, eps: 1e-3, momentum: 0.01 },
      { name: 'rows 35 c 19', rows: 35, c: 19, eps: 1e-5, momentum: 0.1 },
    ],
    adaptivePool: [
      { name: '14x14 -> 4x4 (GoogLeNet aux) c5', x: [2, 14, 14, 5], outH: 4, outW: 4 },
      { name: '5x7 -> 3x4 overlapping b3 c9', x: [3, 5, 7, 9], outH: 3, outW: 4 },
      { name: '1x1 -> 7x7 (VGG head from a 1x1 map)', x: [2, 1, 1, 6], outH: 7, outW: 7 },
      { name: '9x4 -> 2x7 mixed down/up c3', x: [1, 9, 4, 3], outH: 2, outW: 7 },
    ],
    globalPool: [
      { name: 'b3 7x9 c5', n: 3, hw: 63, c: 5 },
      { name: 'hw 1', n: 2, hw: 1, c: 7 },
    ],
    channelScale: [
      { name: 'b3 7x9 c5', n: 3, hw: 63, c: 5 },
      { name: 'hw 1 c 9', n: 2, hw: 1, c: 9 },
    ],
    dense: [
      { name: '3x17 -> 11', n: 3, inF: 17, outF: 11, bias: true },
      { name: '1x1 -> 5', n: 1, inF: 1, outF: 5, bias: true },
      { name: '5x33 -> 10 no bias', n: 5, inF: 33, outF: 10, bias: false },
      { name: '2x37 -> 19', n: 2, inF: 37, outF: 19, bias: true },
    ],
    lengths: [1, 7, 1001],
    concat: [
      { name: '3 parts [3,1,5]', rows: 189, channels: [3, 1, 5] },
      { name: '2 parts [8,16]', rows: 6, channels: [8, 16] },
      { name: '1 part', rows: 5, channels: [4] },
    ],
    softmaxXent: [
      { name: 'n3 c10', n: 3, classes: 10, smoothing: 0, logitScale: 2 },
      { name: 'n3 c10 smoothing 0.1', n: 3, classes: 10, smoothing: 0.1, logitScale: 2 },
      { name: 'large logits (stability)', n: 4, classes: 7, smoothing: 0.1, logitScale: 60 },
      { name: 'n1 c1', n: 1, classes: 1, smoothing: 0, logitScale: 1 },
    ],
    sgd: [
      { name: 'momentum 0.9 wd', length: 1001, lr: 0.1, momentum: 0.9, weightDecay: 1e-4, nesterov: false },
      { name: 'nesterov', length: 1001, lr: 0.05, momentum: 0.9, weightDecay: 5e-4, nesterov: true },
      { name: 'plain sgd', length: 7, lr: 0.5, momentum: 0, weightDecay: 0, nesterov: false },
    ],
    adamw: [
      { name: 'step 1', length: 1001, lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01, step: 1 },
      { name: 'step 7', length: 1001, lr: 3e-3, beta1: 0.8, beta2: 0.99, eps: 1e-6, weightDecay: 0.05, step: 7 },
      { name: 'no decay', length: 7, lr: 1e-2, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, step: 3 },
    ],
    dropout: [
      { name: 'rate 0.2', length: 1001, rate: 0.2, seed: 7 },
      { name: 'rate 0.5 big seed', length: 1001, rate: 0.5, seed: 123456789 },
      { name: 'rate 0', length: 33, rate: 0, seed: 1 },
      { name: 'rate 0.3 (keep scale not a float32)', length: 257, rate: 0.3, seed: -5 },
    ],
  };
  if (mode === 'full') {
    c.conv.push(
      { name: 'resnet 3x3 64ch 14x14', x: [2, 14, 14, 32], w: [64, 3, 3, 32], opts: { padding: 1 }, bias: false },
      { name: 'stem 7x7 s2 p3', x: [1, 33, 31, 3], w: [16, 7, 7, 3], opts: { stride: 2, padding: 3 }, bias: false },
    );
    c.dwconv.push({ name: 'mobilenet 3x3 s2 96ch', x: [2, 15, 15, 96], w: [96, 3, 3, 1], opts: { groups: 96, stride: 2, padding: 1 }, bias: false });
    c.pwconv.push({ name: 'mobilenet 96->24 14x14', x: [2, 14, 14, 96], w: [24, 1, 1, 96], opts: {}, bias: false });
    c.dense.push({ name: '4x512 -> 100', n: 4, inF: 512, outF: 100, bias: true });
    c.batchNorm.push({ name: 'rows 2*14*14 c 64', rows: 392, c: 64, eps: 1e-5, momentum: 0.1 });
    c.lengths.push(65537);
  }
  return c;
}

// ---- kernel cases: inputs + a call, for every kernel name ---------------------------------------------

/** A buffer spec: initial contents (in/out or input), or a length (pure output, pre-filled with NaN). */
export type BufSpec = Float64Array | number;

export interface KernelCase {
  kernel: KernelName;
  name: string;
  bufs: Record<string, BufSpec>;
  /** Buffers compared after the call. */
  outputs: string[];
  call: (b: Backend, bufs: Record<string, Buf>) => void;
  /** Zero pattern compared exactly (dropout masks: all backends must drop the same elements). */
  exact?: boolean;
}

/** Seeded generator of float32-representable inputs. */
export class Gen {
  private r: Rng;
  constructor(seed: number) { this.r = new Rng(seed); }
  normal(n: number, std = 1, mean = 0): Float64Array {
    const a = new Float64Array(n);
    for (let i = 0; i < n; i++) a[i] = Math.fround(mean + std * this.r.normal());
    return a;
  }
  uniform(n: number, lo: number, hi: number): Float64Array {
    const a = new Float64Array(n);
    for (let i = 0; i < n; i++) a[i] = Math.fround(lo + (hi - lo) * this.r.uniform());
    return a;
  }
  labels(n: number, classes: number): Float64Array {
    const a = new Float64Array(n);
    for (let i = 0; i < n; i++) a[i] = this.r.int(classes);
    return a;
  }
  /** A random permutation of distinct values (no ties, e.g. for max pool), spaced >= step apart. */
  distinct(n: number, step = 0.01): Float64Array {
    const idx = Array.from({ length: n }, (_, i) => i);
    this.r.shuffle(idx);
    return Float64Array.from(idx, (i) => Math.fround((i - n / 2) * step));
  }
}

const prod = (s: number[]) => s.reduce((a, b) => a * b, 1);

type ConvFamily = 'conv2d' | 'dwconv2d' | 'pwconv2d';

export function convParamsOf(c: ConvCase): Conv2dParams {
  const p = conv2dParams(c.x, c.w, c.opts);
  return c.activation ? { ...p, activation: c.activation } : p;
}

function convKernelCases(fam: ConvFamily, cases: ConvCase[], seed: number): KernelCase[] {
  const out: KernelCase[] = [];
  for (const [i, c] of cases.entries()) {
    const p = convParamsOf(c);
    const g = new Gen(seed + i);
    const nx = prod(c.x), nw = prod(c.w), ny = p.n * p.outH * p.outW * p.outC;
    const fan = nw / p.outC;
    const x = g.normal(nx), w = g.normal(nw, 1 / Math.sqrt(fan)), bias = g.normal(p.outC, 0.5), dy = g.normal(ny);
    const bwd = fam === 'conv2d' ? 'conv2dBackward' : fam === 'dwconv2d' ? 'dwconv2dBackward' : 'pwconv2dBackward';
    out.push({
      kernel: fam, name: c.name, bufs: c.bias ? { x, w, bias, y: ny } : { x, w, y: ny }, outputs: ['y'],
      call: (b, B) => b[fam](p, B.x, B.w, B.bias ?? null, B.y),
    });
    out.push({
      kernel: `${bwd}Data` as KernelName, name: c.name, bufs: { dy, w, dx: nx }, outputs: ['dx'],
      call: (b, B) => b[`${fam}BackwardData` as const](p, B.dy, B.w, B.dx),
    });
    out.push({
      kernel: `${bwd}Filter` as KernelName, name: c.name,
      bufs: c.bias ? { x, dy, dw: nw, dbias: p.outC } : { x, dy, dw: nw }, outputs: c.bias ? ['dw', 'dbias'] : ['dw'],
      call: (b, B) => b[`${fam}BackwardFilter` as const](p, B.x, B.dy, B.dw, B.dbias ?? null),
    });
  }
  return out;
}

/** Mean and 1/sqrt(biased var + eps) per channel, as batchNormTrain saves them (float32-rounded). */
export function bnStats(x: Float64Array, rows: number, c: number, eps: number): { mean: Float64Array; invStd: Float64Array } {
  const mean = new Float64Array(c), invStd = new Float64Array(c);
  for (let ch = 0; ch < c; ch++) {
    let s = 0;
    for (let r = 0; r < rows; r++) s += x[r * c + ch];
    const m = s / rows;
    let q = 0;
    for (let r = 0; r < rows; r++) q += (x[r * c + ch] - m) ** 2;
    mean[ch] = Math.fround(m);
    invStd[ch] = Math.fround(1 / Math.sqrt(q / rows + eps));
  }
  return { mean, invStd };
}

/** Every kernel case of the table, for every kernel name. */
export function kernelCases(mode: 'small' | 'full' = 'small'): KernelCase[] {
  const T = conformanceCases(mode);
  const out: KernelCase[] = [
    ...convKernelCases('conv2d', T.conv, 1000),
    ...convKernelCases('dwconv2d', T.dwconv, 2000),
    ...convKernelCases('pwconv2d', T.pwconv, 3000),
  ];
  let seed = 4000;
  for (const c of T.batchNorm) {
    const g = new Gen(seed++);
    const p: BatchNormParams = { rows: c.rows, c: c.c, eps: c.eps, momentum: c.momentum };
    const n = c.rows * c.c;
    // Offset mean and scale so variance formulas are exercised away from 0/1.
    const x = g.normal(n, 2, 3), dy = g.normal(n), gamma = g.normal(c.c, 0.5, 1), beta = g.normal(c.c);
    const rm = g.normal(c.c), rv = g.uniform(c.c, 0.5, 2), mean = g.normal(c.c, 1, 3), variance = g.uniform(c.c, 0.5, 5);
    const st = bnStats(x, c.rows, c.c, c.eps);
    out.push({
      kernel: 'batchNormTrain', name: c.name,
      bufs: { x, gamma, beta, y: n, rm, rv, sm: c.c, si: c.c }, outputs: ['y', 'rm', 'rv', 'sm', 'si'],
      call: (b, B) => b.batchNormTrain(p, B.x, B.gamma, B.beta, B.y, B.rm, B.rv, B.sm, B.si),
    });
    out.push({
      kernel: 'batchNormInference', name: c.name, bufs: { x, gamma, beta, mean, variance, y: n }, outputs: ['y'],
      call: (b, B) => b.batchNormInference(p, B.x, B.gamma, B.beta, B.mean, B.variance, B.y),
    });
    out.push({
      kernel: 'batchNormTrainBackward', name: c.name,
      bufs: { x, dy, gamma, sm: st.mean, si: st.invStd, dx: n, dgamma: c.c, dbeta: c.c }, outputs: ['dx', 'dgamma', 'dbeta'],
      call: (b, B) => b.batchNormTrainBackward(p, B.x, B.dy, B.gamma, B.sm, B.si, B.dx, B.dgamma, B.dbeta),
    });
    out.push({
      kernel: 'batchNormInferenceBackward', name: c.name,
      bufs: { x, dy, gamma, mean, variance, dx: n, dgamma: c.c, dbeta: c.c }, outputs: ['dx', 'dgamma', 'dbeta'],
      call: (b, B) => b.batchNormInferenceBackward(p, B.x, B.dy, B.gamma, B.mean, B.variance, B.dx, B.dgamma, B.dbeta),
    });
  }
  for (const [kind, cases] of [['max', T.maxPool], ['avg', T.avgPool]] as const) {
    for (const c of cases) {
      const g = new Gen(seed++);
      const p: Pool2dParams = pool2dParams(c.x, c.opts, `${kind}Pool2d`);
      const nx = prod(c.x), ny = p.n * p.outH * p.outW * p.c;
      const x = kind === 'max' ? g.distinct(nx) : g.normal(nx), dy = g.normal(ny);
      if (kind === 'max') {
        out.push({ kernel: 'maxPool2d', name: c.name, bufs: { x, y: ny }, outputs: ['y'], call: (b, B) => b.maxPool2d(p, B.x, B.y) });
        out.push({
          kernel: 'maxPool2dBackward', name: c.name, bufs: { x, dy, dx: nx }, outputs: ['dx'],
          call: (b, B) => b.maxPool2dBackward(p, B.x, B.dy, B.dx),
        });
      } else {
        out.push({ kernel: 'avgPool2d', name: c.name, bufs: { x, y: ny }, outputs: ['y'], call: (b, B) => b.avgPool2d(p, B.x, B.y) });
        out.push({
          kernel: 'avgPool2dBackward', name: c.name, bufs: { dy, dx: nx }, outputs: ['dx'],
          call: (b, B) => b.avgPool2dBackward(p, B.dy, B.dx),
        });
      }
    }
  }
  // Max pool with ties: the gradient must go to the FIRST maximal element (contract), so plateaus are a case too.
  {
    const p = pool2dParams([1, 5, 5, 2], { kernel: 3, stride: 2, padding: 1 }, 'maxPool2d');
    const x = Float64Array.from({ length: 50 }, (_, i) => Math.floor(i / 7));
    const dy = new Gen(seed++).normal(p.outH * p.outW * 2);
    out.push({ kernel: 'maxPool2d', name: 'ties', bufs: { x, y: dy.length }, outputs: ['y'], call: (b, B) => b.maxPool2d(p, B.x, B.y) });
    out.push({
      kernel: 'maxPool2dBackward', name: 'ties (first maximum wins)', bufs: { x, dy, dx: 50 }, outputs: ['dx'],
      call: (b, B) => b.maxPool2dBackward(p, B.x, B.dy, B.dx),
    });
  }
  for (const c of T.adaptivePool) {
    const g = new Gen(seed++);
    const [n, inH, inW, ch] = c.x;
    const p = { n, inH, inW, c: ch, outH: c.outH, outW: c.outW };
    const nx = prod(c.x), ny = n * c.outH * c.outW * ch;
    const x = g.normal(nx), dy = g.normal(ny);
    out.push({ kernel: 'adaptiveAvgPool2d', name: c.name, bufs: { x, y: ny }, outputs: ['y'], call: (b, B) => b.adaptiveAvgPool2d(p, B.x, B.y) });
    out.push({
      kernel: 'adaptiveAvgPool2dBackward', name: c.name, bufs: { dy, dx: nx }, outputs: ['dx'],
      call: (b, B) => b.adaptiveAvgPool2dBackward(p, B.dy, B.dx),
    });
  }
  for (const c of T.globalPool) {
    const g = new Gen(seed++);
    const p = { n: c.n, hw: c.hw, c: c.c };
    const x = g.normal(c.n * c.hw * c.c), dy = g.normal(c.n * c.c);
    out.push({ kernel: 'globalAvgPool', name: c.name, bufs: { x, y: c.n * c.c }, outputs: ['y'], call: (b, B) => b.globalAvgPool(p, B.x, B.y) });
    out.push({
      kernel: 'globalAvgPoolBackward', name: c.name, bufs: { dy, dx: x.length }, outputs: ['dx'],
      call: (b, B) => b.globalAvgPoolBackward(p, B.dy, B.dx),
    });
  }
  for (const c of T.dense) {
    const g = new Gen(seed++);
    const p = { n: c.n, inF: c.inF, outF: c.outF };
    const x = g.normal(c.n * c.inF), w = g.normal(c.outF * c.inF, 1 / Math.sqrt(c.inF)), bias = g.normal(c.outF), dy = g.normal(c.n * c.outF);
    out.push({
      kernel: 'dense', name: c.name, bufs: c.bias ? { x, w, bias, y: dy.length } : { x, w, y: dy.length }, outputs: ['y'],
      call: (b, B) => b.dense(p, B.x, B.w, B.bias ?? null, B.y),
    });
    out.push({
      kernel: 'denseBackwardData', name: c.name, bufs: { dy, w, dx: x.length }, outputs: ['dx'],
      call: (b, B) => b.denseBackwardData(p, B.dy, B.w, B.dx),
    });
    out.push({
      kernel: 'denseBackwardFilter', name: c.name,
      bufs: c.bias ? { x, dy, dw: w.length, dbias: c.outF } : { x, dy, dw: w.length }, outputs: c.bias ? ['dw', 'dbias'] : ['dw'],
      call: (b, B) => b.denseBackwardFilter(p, B.x, B.dy, B.dw, B.dbias ?? null),
    });
  }
  for (const kind of ACTIVATIONS) {
    for (const n of T.lengths) {
      const g = new Gen(seed++);
      const x = g.uniform(n, -8, 8);
      // The kinks, where backends most easily disagree with torch's rules.
      const kinks = [-3, 0, 3, 6, -6, 1e-3, -1e-3];
      for (let i = 0; i < Math.min(n, kinks.length); i++) x[i] = kinks[i];
      const y = new Float64Array(n);
      const ref = new JsBackend({ dtype: 'float64' });
      { const xb = ref.alloc(n), yb = ref.alloc(n); ref.write(xb, x); ref.activation(kind, n, xb, yb); y.set(ref.read(yb)); }
      for (let i = 0; i < n; i++) y[i] = Math.fround(y[i]);
      const dy = g.normal(n);
      out.push({
        kernel: 'activation', name: `${kind} n${n}`, bufs: { x, y: n }, outputs: ['y'],
        call: (b, B) => b.activation(kind, n, B.x, B.y),
      });
      out.push({
        kernel: 'activationBackward', name: `${kind} n${n}`, bufs: { x, y, dy, dx: n }, outputs: ['dx'],
        call: (b, B) => b.activationBackward(kind, n, B.x, B.y, B.dy, B.dx),
      });
    }
  }
  for (const n of T.lengths) {
    const g = new Gen(seed++);
    const a = g.normal(n), bb = g.normal(n), y0 = g.normal(n);
    out.push({ kernel: 'add', name: `n${n}`, bufs: { a, b: bb, y: n }, outputs: ['y'], call: (b, B) => b.add(n, B.a, B.b, B.y) });
    out.push({ kernel: 'add', name: `n${n} in place (y = a)`, bufs: { a, b: bb }, outputs: ['a'], call: (b, B) => b.add(n, B.a, B.b, B.a) });
    out.push({ kernel: 'axpy', name: `n${n}`, bufs: { x: a, y: y0 }, outputs: ['y'], call: (b, B) => b.axpy(n, -0.75, B.x, B.y) });
    out.push({ kernel: 'scale', name: `n${n}`, bufs: { x: a, y: n }, outputs: ['y'], call: (b, B) => b.scale(n, 1.5, B.x, B.y) });
    out.push({ kernel: 'scale', name: `n${n} in place`, bufs: { x: a }, outputs: ['x'], call: (b, B) => b.scale(n, -0.3, B.x, B.x) });
    out.push({ kernel: 'mul', name: `n${n}`, bufs: { a, b: bb, y: n }, outputs: ['y'], call: (b, B) => b.mul(n, B.a, B.b, B.y) });
    out.push({ kernel: 'sumSquares', name: `n${n}`, bufs: { x: a, out: 1 }, outputs: ['out'], call: (b, B) => b.sumSquares(n, B.x, B.out) });
  }
  for (const c of T.channelScale) {
    const g = new Gen(seed++);
    const p = { n: c.n, hw: c.hw, c: c.c };
    const len = c.n * c.hw * c.c;
    const x = g.normal(len), s = g.uniform(c.n * c.c, 0, 1), dy = g.normal(len);
    out.push({ kernel: 'channelScale', name: c.name, bufs: { x, s, y: len }, outputs: ['y'], call: (b, B) => b.channelScale(p, B.x, B.s, B.y) });
    out.push({
      kernel: 'channelScaleBackward', name: c.name, bufs: { x, s, dy, dx: len, ds: s.length }, outputs: ['dx', 'ds'],
      call: (b, B) => b.channelScaleBackward(p, B.x, B.s, B.dy, B.dx, B.ds),
    });
  }
  for (const c of T.concat) {
    const g = new Gen(seed++);
    const p = { rows: c.rows, channels: c.channels };
    const total = c.channels.reduce((a, b) => a + b, 0);
    const parts: Record<string, BufSpec> = {};
    const outs: Record<string, BufSpec> = {};
    c.channels.forEach((ch, j) => { parts[`in${j}`] = g.normal(c.rows * ch); outs[`out${j}`] = c.rows * ch; });
    const keys = c.channels.map((_, j) => j);
    out.push({
      kernel: 'concat', name: c.name, bufs: { ...parts, y: c.rows * total }, outputs: ['y'],
      call: (b, B) => b.concat(p, keys.map((j) => B[`in${j}`]), B.y),
    });
    out.push({
      kernel: 'split', name: c.name, bufs: { y: g.normal(c.rows * total), ...outs }, outputs: keys.map((j) => `out${j}`),
      call: (b, B) => b.split(p, B.y, keys.map((j) => B[`out${j}`])),
    });
  }
  for (const c of T.dropout) {
    out.push({
      kernel: 'dropoutMask', name: c.name, bufs: { mask: c.length }, outputs: ['mask'], exact: true,
      call: (b, B) => b.dropoutMask(c.length, c.rate, c.seed, B.mask),
    });
  }
  for (const c of T.softmaxXent) {
    const g = new Gen(seed++);
    const p = { n: c.n, classes: c.classes, smoothing: c.smoothing };
    const logits = g.normal(c.n * c.classes, c.logitScale), labels = g.labels(c.n, c.classes);
    const probs = g.uniform(c.n * c.classes, 0, 1);
    for (let i = 0; i < c.n; i++) {
      let s = 0;
      for (let k = 0; k < c.classes; k++) s += probs[i * c.classes + k];
      for (let k = 0; k < c.classes; k++) probs[i * c.classes + k] = Math.fround(probs[i * c.classes + k] / s);
    }
    out.push({
      kernel: 'softmaxCrossEntropy', name: c.name, bufs: { logits, labels, probs: logits.length, loss: c.n }, outputs: ['probs', 'loss'],
      call: (b, B) => b.softmaxCrossEntropy(p, B.logits, B.labels, B.probs, B.loss),
    });
    out.push({
      kernel: 'softmaxCrossEntropyBackward', name: c.name, bufs: { probs, labels, dl: logits.length }, outputs: ['dl'],
      call: (b, B) => b.softmaxCrossEntropyBackward(p, B.probs, B.labels, 1 / c.n, B.dl),
    });
  }
  for (const c of T.sgd) {
    const g = new Gen(seed++);
    const p = { length: c.length, lr: c.lr, momentum: c.momentum, weightDecay: c.weightDecay, nesterov: c.nesterov };
    out.push({
      kernel: 'sgdUpdate', name: c.name, bufs: { param: g.normal(c.length), grad: g.normal(c.length), vel: g.normal(c.length) },
      outputs: ['param', 'vel'], call: (b, B) => b.sgdUpdate(p, B.param, B.grad, B.vel),
    });
  }
  for (const c of T.adamw) {
    const g = new Gen(seed++);
    const { name: _n, ...p } = c;
    out.push({
      kernel: 'adamwUpdate', name: c.name,
      bufs: { param: g.normal(c.length), grad: g.normal(c.length), m: g.normal(c.length, 0.1), v: g.uniform(c.length, 0, 0.1) },
      outputs: ['param', 'm', 'v'], call: (b, B) => b.adamwUpdate(p, B.param, B.grad, B.m, B.v),
    });
  }
  return out;
}

/** Runs one case on a backend: allocates, writes, calls, reads the outputs back, frees everything. */
export function runKernelCase(b: Backend, kc: KernelCase): Record<string, Float64Array> {
  const bufs: Record<string, Buf> = {};
  try {
    for (const [k, spec] of Object.entries(kc.bufs)) {
      const len = typeof spec === 'number' ? spec : spec.length;
      bufs[k] = b.alloc(len);
      if (typeof spec === 'number') b.fill(bufs[k], NaN);
      else b.write(bufs[k], spec);
    }
    kc.call(b, bufs);
    const res: Record<string, Float64Array> = {};
    for (const o of kc.outputs) res[o] = Float64Array.from(b.read(bufs[o]));
    return res;
  } finally {
    for (const buf of Object.values(bufs)) b.free(buf);
  }
}

/** max |a - b| / max(1, max |b|); Infinity on length mismatch, NaN if anything is NaN. */
export function relError(got: ArrayLike<number>, want: ArrayLike<number>): number {
  if (got.length !== want.length) return Infinity;
  let diff = 0, scale = 1;
  for (let i = 0; i < want.length; i++) {
    const d = Math.abs(got[i] - want[i]);
    if (Number.isNaN(d)) return NaN;
    diff = Math.max(diff, d);
    scale = Math.max(scale, Math.abs(want[i]));
  }
  return diff / scale;
}

const isBackwardKernel = (k: KernelName) => k.includes('Backward');

export interface ConformanceOptions { fwdTol?: number; bwdTol?: number; cases?: 'small' | 'full'; }

/**
 * For every kernel in KERNEL_NAMES, a sub-test comparing `make()`'s backend with the js float64
 * reference on every case. A missing kernel, a throw (e.g. 'not implemented') or a leak fails.
 */
export async function runConformance(t: Test, name: string, make: () => Promise<Backend>, opts: ConformanceOptions = {}): Promise<void> {
  const fwdTol = opts.fwdTol ?? 1e-4, bwdTol = opts.bwdTol ?? 1e-3;
  const ref = new JsBackend({ dtype: 'float64' });
  const backend = await make();
  const all = kernelCases(opts.cases ?? 'small');
  const before = backend.allocated();
  try {
    for (const kernel of KERNEL_NAMES) {
      await t.test(`${name}: ${kernel}`, async (tt) => {
        const fn = (backend as unknown as Record<string, unknown>)[kernel];
        if (typeof fn !== 'function') {
          tt.fail(`${name} lacks kernel ${kernel}`);
          return;
        }
        const cases = all.filter((c) => c.kernel === kernel);
        if (cases.length === 0) tt.fail(`conformance table has no case for ${kernel}`);
        const tol = isBackwardKernel(kernel) ? bwdTol : fwdTol;
        for (const kc of cases) {
          let got: Record<string, Float64Array>;
          try {
            got = runKernelCase(backend, kc);
          } catch (e) {
            tt.fail(`${kernel} [${kc.name}] threw: ${(e as Error).message}`);
            continue;
          }
          const want = runKernelCase(ref, kc);
          for (const o of kc.outputs) {
            if (kc.exact) {
              // The same elements dropped (bit for bit: same hash); kept values 1/(1-rate) within tolerance.
              const same = got[o].length === want[o].length && got[o].every((v, i) => (v === 0) === (want[o][i] === 0));
              tt.ok(same, `${kernel} [${kc.name}] ${o}: drops exactly the reference's elements`);
              const err = relError(got[o], want[o]);
              tt.ok(err <= tol, `${kernel} [${kc.name}] ${o}: rel error ${err.toExponential(2)} <= ${tol}`);
            } else {
              const err = relError(got[o], want[o]);
              tt.ok(err <= tol, `${kernel} [${kc.name}] ${o}: rel error ${err.toExponential(2)} <= ${tol}`);
            }
          }
        }
      });
    }
    t.equal(backend.allocated(), before, `${name}: every buffer the suite allocated was freed (allocated() back to ${before})`);
  } finally {
    backend.dispose();
  }
}
