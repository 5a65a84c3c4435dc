// The dense (fully connected) family: y = x w^T + bias over [n, inF] x [outF, inF], and its backwards.
import { Gen, caseLists, withBufs } from './lib/harness.js';
import type { Family, KernelCase } from './lib/harness.js';
import type { GradCheckSpec } from './lib/gradcheck.js';

interface DenseCase { name: string; n: number; inF: number; outF: number; bias: boolean; }

const small: DenseCase[] = [
  { name: '3x17 -> 11', n: 3, inF: 17, outF: 11, bias: true },
  { name: '1x1 -> 5', n: 1, inF: 1, outF: 5, bias: true },
  { name: '5x33 -> 10 no bias', n: 5, inF: 33, outF: 10, bias: false },
  { name: '2x37 -> 19', n: 2, inF: 37, outF: 19, bias: true },
];
const full: DenseCase[] = [{ name: '4x512 -> 100', n: 4, inF: 512, outF: 100, bias: true }];
// GPU-sized (issue 13): forward K = inF = 8192 over a few output tiles takes the native GEMM's split-K
// path; backward filter then has K = n (small) and backward data K = outF.
const large: DenseCase[] = [{ name: 'GPU: 6x8192 -> 40, K = 8192 (split-K)', n: 6, inF: 8192, outF: 40, bias: true }];

function denseCases(cases: DenseCase[], seed: number): KernelCase[] {
  return cases.flatMap((c, i): KernelCase[] => {
    const g = new Gen(seed + i);
    const p = { n: c.n, inF: c.inF, outF: c.outF };
    const x = g.normal(c.n * c.inF), w = g.normal(c.outF * c.inF, 1 / Math.sqrt(c.inF)), bias = g.normal(c.outF), dy = g.normal(c.n * c.outF);
    return [
      {
        kernel: 'dense', name: c.name, bufs: c.bias ? { x, w, bias, y: dy.length } : { x, w, y: dy.length }, outputs: ['y'],
        call: (b, B) => b.dense(p, B.x, B.w, B.bias ?? null, B.y),
      },
      {
        kernel: 'denseBackwardData', name: c.name, bufs: { dy, w, dx: x.length }, outputs: ['dx'],
        call: (b, B) => b.denseBackwardData(p, B.dy, B.w, B.dx),
      },
      {
        kernel: 'denseBackwardFilter', name: c.name,
        bufs: c.bias ? { x, dy, dw: w.length, dbias: c.outF } : { x, dy, dw: w.length }, outputs: c.bias ? ['dw', 'dbias'] : ['dw'],
        call: (b, B) => b.denseBackwardFilter(p, B.x, B.dy, B.dw, B.dbias ?? null),
      },
    ];
  });
}

function specs(): GradCheckSpec[] {
  return small.map((c, i) => {
    const p = { n: c.n, inF: c.inF, outF: c.outF };
    const g = new Gen(800 + i);
    const inputs: Record<string, Float64Array> = { x: g.normal(c.n * c.inF), w: g.normal(c.outF * c.inF) };
    if (c.bias) inputs.bias = g.normal(c.outF);
    return {
      name: `dense ${c.name}`, forwardKernel: 'dense', backwardKernels: ['denseBackwardData', 'denseBackwardFilter'],
      inputs, wrt: Object.keys(inputs), outLen: c.n * c.outF,
      forward: (b, B, y) => b.dense(p, B.x, B.w, B.bias ?? null, y),
      backward: (b, B, dy, G) => { b.denseBackwardData(p, dy, B.w, G.x); b.denseBackwardFilter(p, B.x, dy, G.w, G.bias ?? null); },
    };
  });
}

export const dense: Family = {
  name: 'dense',
  coverage: {
    dense: {
      values: [{
        what: 'hand: [[1,2],[3,4]] x w[out,in]^T + bias',
        run: (b) => {
          const [y] = withBufs(b, [[1, 2, 3, 4], [1, 0, 0, 1, 1, 1], [0, 0, 1]], [6],
            ([x, w, bias], [yb]) => b.dense({ n: 2, inF: 2, outF: 3 }, x, w, bias, yb));
          return { got: y, want: [1, 2, 4, 3, 4, 8] };
        },
      }],
    },
    denseBackwardData: { values: [] },
    denseBackwardFilter: { values: [] },
  },
  cases: caseLists(() => denseCases(small, 8000), () => denseCases(full, 8000 + small.length)),
  large: () => denseCases(large, 8500),
  gradchecks: specs,
};
