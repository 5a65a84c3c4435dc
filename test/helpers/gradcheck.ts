// Central finite-difference gradient checks on the js backend in float64.
// For a forward kernel f and random r, L(inputs) = sum_i r_i f(inputs)_i; the backward kernel(s) given
// dy = r must return dL/dinput, which is compared with (L(x + h e_k) - L(x - h e_k)) / 2h, h = 1e-6.
// Error metric: max_k |analytic_k - numeric_k| / max(1, max_k |numeric_k|) (as the conformance harness).
import type { Backend, Buf, KernelName, Conv2dParams, Pool2dParams } from '../../src/ts/core/backend.js';
import { ACTIVATIONS } from '../../src/ts/core/backend.js';
import { pool2dParams } from '../../src/ts/core/shape.js';
import { JsBackend } from '../../src/ts/backends/js/index.js';
import { Rng } from '../../src/ts/core/random.js';
import { Gen, conformanceCases, convParamsOf, relError } from './conformance.js';

export interface GradCheckSpec {
  name: string;
  /** The kernel being differentiated. */
  forwardKernel: KernelName;
  /** The kernels that compute its gradient (checked by this spec). */
  backwardKernels: KernelName[];
  inputs: Record<string, Float64Array>;
  /** Inputs differentiated (the others are constants). */
  wrt: string[];
  outLen: number;
  forward(b: Backend, B: Record<string, Buf>, y: Buf): void;
  /** Writes dL/d(wrt) for upstream gradient dy into grads (pre-filled with NaN). */
  backward(b: Backend, B: Record<string, Buf>, dy: Buf, grads: Record<string, Buf>): void;
}

export interface GradCheckResult { errors: Record<string, number>; checked: Record<string, number>; }

/**
 * Runs one spec. At most `maxPerInput` elements of each input get a numeric derivative (a seeded random
 * subset; the whole analytic gradient is still computed), to keep the suite within its time budget.
 */
export function checkGradient(spec: GradCheckSpec,
  opts: { step?: number; maxPerInput?: number; seed?: number; backend?: Backend } = {}): GradCheckResult {
  const h = opts.step ?? 1e-6, maxPer = opts.maxPerInput ?? 200;
  // Another float64 backend may be passed (the contract test checks that a wrong gradient is caught).
  const b = opts.backend ?? new JsBackend({ dtype: 'float64' });
  const rng = new Rng(opts.seed ?? 12345);
  const B: Record<string, Buf> = {};
  for (const [k, v] of Object.entries(spec.inputs)) { B[k] = b.alloc(v.length); b.write(B[k], v); }
  const y = b.alloc(spec.outLen);
  const r = new Float64Array(spec.outLen);
  for (let i = 0; i < r.length; i++) r[i] = rng.normal();
  const dy = b.alloc(spec.outLen);
  b.write(dy, r);
  const loss = (): number => {
    b.fill(y, NaN);
    spec.forward(b, B, y);
    const out = b.read(y);
    let s = 0;
    for (let i = 0; i < out.length; i++) s += r[i] * out[i];
    return s;
  };
  const grads: Record<string, Buf> = {};
  for (const k of spec.wrt) { grads[k] = b.alloc(spec.inputs[k].length); b.fill(grads[k], NaN); }
  spec.backward(b, B, dy, grads);
  const res: GradCheckResult = { errors: {}, checked: {} };
  for (const k of spec.wrt) {
    const x = spec.inputs[k];
    const analytic = b.read(grads[k]);
    let idx = Array.from({ length: x.length }, (_, i) => i);
    if (idx.length > maxPer) { rng.shuffle(idx); idx = idx.slice(0, maxPer); }
    const num = new Float64Array(idx.length), ana = new Float64Array(idx.length);
    for (const [j, i] of idx.entries()) {
      b.write(B[k], [x[i] + h], i);
      const lp = loss();
      b.write(B[k], [x[i] - h], i);
      const lm = loss();
      b.write(B[k], [x[i]], i);
      num[j] = (lp - lm) / (2 * h);
      ana[j] = analytic[i];
    }
    // NaN anywhere in the analytic gradient (an element the kernel never wrote) is an error too.
    res.errors[k] = analytic.some((v) => Number.isNaN(v)) ? NaN : relError(ana, num);
    res.checked[k] = idx.length;
  }
  for (const buf of [...Object.values(B), ...Object.values(grads), y, dy]) b.free(buf);
  return res;
}

/** Values away from activation kinks by more than the finite-difference step. */
function awayFromKinks(x: Float64Array): Float64Array {
  for (let i = 0; i < x.length; i++) {
    for (const k of [-3, 0, 3, 6]) if (Math.abs(x[i] - k) < 1e-3) x[i] = k + 2e-3;
  }
  return x;
}

function convSpecs(fam: 'conv2d' | 'dwconv2d' | 'pwconv2d', seed: number): GradCheckSpec[] {
  const T = conformanceCases('small');
  const cases = fam === 'conv2d' ? T.conv : fam === 'dwconv2d' ? T.dwconv : T.pwconv;
  return cases.filter((c) => !c.activation).map((c, i) => {
    const p: Conv2dParams = convParamsOf(c);
    const g = new Gen(seed + i);
    const nw = c.w.reduce((a, v) => a * v, 1);
    const inputs: Record<string, Float64Array> = { x: g.normal(c.x.reduce((a, v) => a * v, 1)), w: g.normal(nw, 0.5) };
    if (c.bias) inputs.bias = g.normal(p.outC);
    return {
      name: `${fam} ${c.name}`, forwardKernel: fam,
      backwardKernels: [`${fam}BackwardData`, `${fam}BackwardFilter`] as KernelName[],
      inputs, wrt: Object.keys(inputs), outLen: p.n * p.outH * p.outW * p.outC,
      forward: (b, B, y) => b[fam](p, B.x, B.w, B.bias ?? null, y),
      backward: (b, B, dy, G) => {
        b[`${fam}BackwardData`](p, dy, B.w, G.x);
        b[`${fam}BackwardFilter`](p, B.x, dy, G.w, G.bias ?? null);
      },
    };
  });
}

/** Every gradient check, over the conformance table's awkward shapes. */
export function gradcheckSpecs(): GradCheckSpec[] {
  const T = conformanceCases('small');
  const specs: GradCheckSpec[] = [...convSpecs('conv2d', 100), ...convSpecs('dwconv2d', 200), ...convSpecs('pwconv2d', 300)];
  let seed = 400;
  for (const c of T.batchNorm) {
    const g = new Gen(seed++);
    const p = { rows: c.rows, c: c.c, eps: c.eps, momentum: c.momentum };
    const n = c.rows * c.c;
    // With rows = 2 a channel's normalised values are +-1 whatever x is: a degenerate but valid case.
    const inputs = { x: g.normal(n, 2, 3), gamma: g.normal(c.c, 0.5, 1), beta: g.normal(c.c) };
    const consts = { rm: new Float64Array(c.c), rv: new Float64Array(c.c).fill(1), sm: new Float64Array(c.c), si: new Float64Array(c.c),
      mean: g.normal(c.c, 1, 3), variance: g.uniform(c.c, 0.5, 5) };
    specs.push({
      name: `batchNormTrain ${c.name}`, forwardKernel: 'batchNormTrain', backwardKernels: ['batchNormTrainBackward'],
      inputs: { ...inputs, ...consts }, wrt: ['x', 'gamma', 'beta'], outLen: n,
      forward: (b, B, y) => b.batchNormTrain(p, B.x, B.gamma, B.beta, y, B.rm, B.rv, B.sm, B.si),
      backward: (b, B, dy, G) => {
        const y = b.alloc(n);
        b.batchNormTrain(p, B.x, B.gamma, B.beta, y, B.rm, B.rv, B.sm, B.si);
        b.free(y);
        b.batchNormTrainBackward(p, B.x, dy, B.gamma, B.sm, B.si, G.x, G.gamma, G.beta);
      },
    });
    specs.push({
      name: `batchNormInference ${c.name}`, forwardKernel: 'batchNormInference', backwardKernels: ['batchNormInferenceBackward'],
      inputs: { ...inputs, ...consts }, wrt: ['x', 'gamma', 'beta'], outLen: n,
      forward: (b, B, y) => b.batchNormInference(p, B.x, B.gamma, B.beta, B.mean, B.variance, y),
      backward: (b, B, dy, G) => b.batchNormInferenceBackward(p, B.x, dy, B.gamma, B.mean, B.variance, G.x, G.gamma, G.beta),
    });
  }
  for (const c of T.maxPool) {
    const p: Pool2dParams = pool2dParams(c.x, c.opts);
    const n = c.x.reduce((a, v) => a * v, 1);
    // Distinct values 0.01 apart: no ties, so the max is differentiable at the check point.
    specs.push({
      name: `maxPool2d ${c.name}`, forwardKernel: 'maxPool2d', backwardKernels: ['maxPool2dBackward'],
      inputs: { x: new Gen(seed++).distinct(n) }, wrt: ['x'], outLen: p.n * p.outH * p.outW * p.c,
      forward: (b, B, y) => b.maxPool2d(p, B.x, y),
      backward: (b, B, dy, G) => b.maxPool2dBackward(p, B.x, dy, G.x),
    });
  }
  for (const c of T.avgPool) {
    const p: Pool2dParams = pool2dParams(c.x, c.opts);
    const n = c.x.reduce((a, v) => a * v, 1);
    specs.push({
      name: `avgPool2d ${c.name}`, forwardKernel: 'avgPool2d', backwardKernels: ['avgPool2dBackward'],
      inputs: { x: new Gen(seed++).normal(n) }, wrt: ['x'], outLen: p.n * p.outH * p.outW * p.c,
      forward: (b, B, y) => b.avgPool2d(p, B.x, y),
      backward: (b, _B, dy, G) => b.avgPool2dBackward(p, dy, G.x),
    });
  }
  for (const c of T.adaptivePool) {
    const [n, inH, inW, ch] = c.x;
    const p = { n, inH, inW, c: ch, outH: c.outH, outW: c.outW };
    specs.push({
      name: `adaptiveAvgPool2d ${c.name}`, forwardKernel: 'adaptiveAvgPool2d', backwardKernels: ['adaptiveAvgPool2dBackward'],
      inputs: { x: new Gen(seed++).normal(n * inH * inW * ch) }, wrt: ['x'], outLen: n * c.outH * c.outW * ch,
      forward: (b, B, y) => b.adaptiveAvgPool2d(p, B.x, y),
      backward: (b, _B, dy, G) => b.adaptiveAvgPool2dBackward(p, dy, G.x),
    });
  }
  for (const c of T.globalPool) {
    const p = { n: c.n, hw: c.hw, c: c.c };
    specs.push({
      name: `globalAvgPool ${c.name}`, forwardKernel: 'globalAvgPool', backwardKernels: ['globalAvgPoolBackward'],
      inputs: { x: new Gen(seed++).normal(c.n * c.hw * c.c) }, wrt: ['x'], outLen: c.n * c.c,
      forward: (b, B, y) => b.globalAvgPool(p, B.x, y),
      backward: (b, _B, dy, G) => b.globalAvgPoolBackward(p, dy, G.x),
    });
  }
  for (const c of T.dense) {
    const p = { n: c.n, inF: c.inF, outF: c.outF };
    const g = new Gen(seed++);
    const inputs: Record<string, Float64Array> = { x: g.normal(c.n * c.inF), w: g.normal(c.outF * c.inF) };
    if (c.bias) inputs.bias = g.normal(c.outF);
    specs.push({
      name: `dense ${c.name}`, forwardKernel: 'dense', backwardKernels: ['denseBackwardData', 'denseBackwardFilter'],
      inputs, wrt: Object.keys(inputs), outLen: c.n * c.outF,
      forward: (b, B, y) => b.dense(p, B.x, B.w, B.bias ?? null, y),
      backward: (b, B, dy, G) => { b.denseBackwardData(p, dy, B.w, G.x); b.denseBackwardFilter(p, B.x, dy, G.w, G.bias ?? null); },
    });
  }
  for (const kind of ACTIVATIONS) {
    const n = 301;
    specs.push({
      name: `activation ${kind}`, forwardKernel: 'activation', backwardKernels: ['activationBackward'],
      inputs: { x: awayFromKinks(new Gen(seed++).uniform(n, -8, 8)) }, wrt: ['x'], outLen: n,
      forward: (b, B, y) => b.activation(kind, n, B.x, y),
      backward: (b, B, dy, G) => {
        const y = b.alloc(n);
        b.activation(kind, n, B.x, y);
        b.activationBackward(kind, n, B.x, y, dy, G.x);
        b.free(y);
      },
    });
  }
  // Linear/bilinear elementwise kernels: their gradients are other kernels of the contract (add: identity,
  // i.e. copy; axpy and scale: scale; mul: mul by the other factor), checked here as the nn layer uses them.
  {
    const n = 101, g = new Gen(seed++);
    const a = g.normal(n), bb = g.normal(n);
    specs.push({
      name: 'add', forwardKernel: 'add', backwardKernels: [], inputs: { a, b: bb }, wrt: ['a', 'b'], outLen: n,
      forward: (b, B, y) => b.add(n, B.a, B.b, y),
      backward: (b, _B, dy, G) => { b.copy(dy, G.a); b.copy(dy, G.b); },
    });
    specs.push({
      name: 'axpy', forwardKernel: 'axpy', backwardKernels: [], inputs: { x: a, y0: bb }, wrt: ['x', 'y0'], outLen: n,
      forward: (b, B, y) => { b.copy(B.y0, y); b.axpy(n, -0.7, B.x, y); },
      backward: (b, _B, dy, G) => { b.scale(n, -0.7, dy, G.x); b.copy(dy, G.y0); },
    });
    specs.push({
      name: 'scale', forwardKernel: 'scale', backwardKernels: [], inputs: { x: a }, wrt: ['x'], outLen: n,
      forward: (b, B, y) => b.scale(n, 1.7, B.x, y),
      backward: (b, _B, dy, G) => b.scale(n, 1.7, dy, G.x),
    });
    specs.push({
      name: 'mul', forwardKernel: 'mul', backwardKernels: [], inputs: { a, b: bb }, wrt: ['a', 'b'], outLen: n,
      forward: (b, B, y) => b.mul(n, B.a, B.b, y),
      backward: (b, B, dy, G) => { b.mul(n, dy, B.b, G.a); b.mul(n, dy, B.a, G.b); },
    });
  }
  for (const c of T.channelScale) {
    const p = { n: c.n, hw: c.hw, c: c.c };
    const g = new Gen(seed++);
    specs.push({
      name: `channelScale ${c.name}`, forwardKernel: 'channelScale', backwardKernels: ['channelScaleBackward'],
      inputs: { x: g.normal(c.n * c.hw * c.c), s: g.uniform(c.n * c.c, 0, 1) }, wrt: ['x', 's'], outLen: c.n * c.hw * c.c,
      forward: (b, B, y) => b.channelScale(p, B.x, B.s, y),
      backward: (b, B, dy, G) => b.channelScaleBackward(p, B.x, B.s, dy, G.x, G.s),
    });
  }
  for (const c of T.concat) {
    const p = { rows: c.rows, channels: c.channels };
    const g = new Gen(seed++);
    const total = c.channels.reduce((a, v) => a + v, 0);
    const inputs: Record<string, Float64Array> = {};
    c.channels.forEach((ch, j) => { inputs[`in${j}`] = g.normal(c.rows * ch); });
    const names = Object.keys(inputs);
    // split is concat's backward ...
    specs.push({
      name: `concat ${c.name}`, forwardKernel: 'concat', backwardKernels: ['split'], inputs, wrt: names, outLen: c.rows * total,
      forward: (b, B, y) => b.concat(p, names.map((k) => B[k]), y),
      backward: (b, _B, dy, G) => b.split(p, dy, names.map((k) => G[k])),
    });
    // ... and concat is split's: L = sum_j <r_j, split(y)_j>, outputs laid out as one concatenated vector.
    specs.push({
      name: `split ${c.name}`, forwardKernel: 'split', backwardKernels: ['concat'], inputs: { y: g.normal(c.rows * total) }, wrt: ['y'],
      outLen: c.rows * total,
      forward: (b, B, out) => {
        const parts = c.channels.map((ch) => b.alloc(c.rows * ch));
        b.split(p, B.y, parts);
        let off = 0;
        for (const part of parts) { b.write(out, b.read(part), off); off += part.length; b.free(part); }
      },
      backward: (b, _B, dy, G) => {
        const all = b.read(dy);
        let off = 0;
        const parts = c.channels.map((ch) => {
          const part = b.alloc(c.rows * ch);
          b.write(part, all.subarray(off, off + c.rows * ch));
          off += c.rows * ch;
          return part;
        });
        b.concat(p, parts, G.y);
        for (const part of parts) b.free(part);
      },
    });
  }
  for (const c of T.softmaxXent) {
    const p = { n: c.n, classes: c.classes, smoothing: c.smoothing };
    const g = new Gen(seed++);
    const gradScale = 1 / c.n;
    // Moderate logits: the check needs small third derivatives; stability is tested in the forward tests.
    const inputs = { logits: g.normal(c.n * c.classes, 2), labels: g.labels(c.n, c.classes) };
    specs.push({
      name: `softmaxCrossEntropy ${c.name}`, forwardKernel: 'softmaxCrossEntropy', backwardKernels: ['softmaxCrossEntropyBackward'],
      inputs, wrt: ['logits'], outLen: 1,
      // The loss the backward kernel differentiates: gradScale * sum_i loss_i.
      forward: (b, B, y) => {
        const probs = b.alloc(c.n * c.classes), loss = b.alloc(c.n);
        b.softmaxCrossEntropy(p, B.logits, B.labels, probs, loss);
        b.write(y, [gradScale * Array.from(b.read(loss)).reduce((s, v) => s + v, 0)]);
        b.free(probs); b.free(loss);
      },
      backward: (b, B, dy, G) => {
        const probs = b.alloc(c.n * c.classes), loss = b.alloc(c.n);
        b.softmaxCrossEntropy(p, B.logits, B.labels, probs, loss);
        b.softmaxCrossEntropyBackward(p, probs, B.labels, gradScale * b.read(dy)[0], G.logits);
        b.free(probs); b.free(loss);
      },
    });
  }
  return specs;
}
