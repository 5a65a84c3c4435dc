// The batch-norm family: training (batch statistics, running-stat update, saved mean / inverse std),
// inference with running statistics, and both backwards, over rows = n*h*w and channels (NHWC).
import type { BatchNormParams } from '../../src/ts/core/backend.js';
import { Gen, caseLists, withBufs } from './lib/harness.js';
import type { Family, KernelCase } from './lib/harness.js';
import type { GradCheckSpec } from './lib/gradcheck.js';

interface BnCase { name: string; rows: number; c: number; eps: number; momentum: number; }

const small: BnCase[] = [
  { name: 'rows 189 c 5', rows: 189, c: 5, eps: 1e-5, momentum: 0.1 },
  { name: 'rows 2 c 3', rows: 2, c: 3, eps: 1e-5, momentum: 0.1 },
  { name: 'rows 63 c 7 eps 1e-3 momentum 0.01', rows: 63, c: 7, eps: 1e-3, momentum: 0.01 },
  { name: 'rows 35 c 19', rows: 35, c: 19, eps: 1e-5, momentum: 0.1 },
];
const full: BnCase[] = [{ name: 'rows 2*14*14 c 64', rows: 392, c: 64, eps: 1e-5, momentum: 0.1 }];
// GPU-sized (issue 13): > 512 rows takes the multi-chunk column reductions of the native kernels, and
// cuDNN batch norm sees a large N; eps 1e-3 shows whether the backward is given the forward's epsilon.
const large: BnCase[] = [
  { name: 'GPU: rows 5000 c 64 (multi-chunk reductions)', rows: 5000, c: 64, eps: 1e-5, momentum: 0.1 },
  { name: 'GPU: rows 5000 c 64 eps 1e-3', rows: 5000, c: 64, eps: 1e-3, momentum: 0.1 },
];

/** Mean and 1/sqrt(biased var + eps) per channel, as batchNormTrain saves them (float32-rounded). */
function bnStats(x: Float64Array, rows: number, c: number, eps: number): { mean: Float64Array; invStd: Float64Array } {
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

function bnCases(cases: BnCase[], seed: number): KernelCase[] {
  const out: KernelCase[] = [];
  for (const [i, c] of cases.entries()) {
    const g = new Gen(seed + i);
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
  return out;
}

function bnSpecs(): GradCheckSpec[] {
  const specs: GradCheckSpec[] = [];
  for (const [i, c] of small.entries()) {
    const g = new Gen(400 + i);
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
  return specs;
}

export const batchnorm: Family = {
  name: 'batchnorm',
  coverage: {
    batchNormTrain: {
      values: [
        {
          what: 'hand: x = 1,2,3,4 (one channel): mean 2.5, biased var 1.25; running var uses unbiased 5/3',
          run: (b) => {
            const p = { rows: 4, c: 1, eps: 1e-5, momentum: 0.1 };
            const [y, sm, si, , , , rm, rv] = withBufs(b, [[1, 2, 3, 4], [2], [1], [0], [1]], [4, 1, 1],
              ([x, g, be, rm, rv], [yb, sm, si]) => b.batchNormTrain(p, x, g, be, yb, rm, rv, sm, si));
            const inv = 1 / Math.sqrt(1.25 + 1e-5);
            return {
              got: [...y, ...sm, ...si, ...rm, ...rv],
              want: [1 - 3 * inv, 1 - inv, 1 + inv, 1 + 3 * inv, 2.5, inv, 0.25, 0.9 + 0.1 * (5 / 3)],
            };
          },
        },
        {
          what: 'hand: two interleaved channels (NHWC layout), rows 2',
          run: (b) => {
            const p = { rows: 2, c: 2, eps: 1e-5, momentum: 0.5 };
            const [y, sm, , , , , rm, rv] = withBufs(b, [[1, 10, 3, 30], [1, 1], [0, 0], [0, 0], [0, 0]], [4, 2, 2],
              ([x, g, be, rm, rv], [yb, sm, si]) => b.batchNormTrain(p, x, g, be, yb, rm, rv, sm, si));
            const i0 = 1 / Math.sqrt(1 + 1e-5), i1 = 1 / Math.sqrt(100 + 1e-5);
            return { got: [...y, ...sm, ...rm, ...rv], want: [-i0, -10 * i1, i0, 10 * i1, 2, 20, 1, 10, 1, 100] };
          },
        },
      ],
    },
    batchNormInference: {
      values: [{
        what: 'hand: y = gamma (x - mean) / sqrt(var + eps) + beta with running statistics',
        run: (b) => {
          const p = { rows: 1, c: 2, eps: 1e-3, momentum: 0.1 };
          const [y] = withBufs(b, [[1, 4], [2, -1], [0.5, 0], [0, 2], [4, 0.25]], [2],
            ([x, g, be, m, v], [yb]) => b.batchNormInference(p, x, g, be, m, v, yb));
          return { got: y, want: [2 * 1 / Math.sqrt(4.001) + 0.5, -1 * 2 / Math.sqrt(0.251)] };
        },
      }],
    },
    batchNormTrainBackward: { values: [] },
    batchNormInferenceBackward: { values: [] },
  },
  cases: caseLists(() => bnCases(small, 4000), () => bnCases(full, 4000 + small.length)),
  large: () => bnCases(large, 4500),
  gradchecks: bnSpecs,
};
