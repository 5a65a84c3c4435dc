// The elementwise family: add (also in place), axpy, scale (also in place), mul and sumSquares over
// vectors of awkward lengths. Their gradients are other kernels of the contract (add: copy; axpy and
// scale: scale; mul: mul by the other factor), checked by finite differences as the nn layers use them.
import { Gen, VECTOR_LENGTHS, caseLists, withBufs } from './lib/harness.js';
import type { Family, KernelCase } from './lib/harness.js';
import type { GradCheckSpec } from './lib/gradcheck.js';

function elementwiseCases(lengths: number[], seed: number): KernelCase[] {
  return lengths.flatMap((n, i): KernelCase[] => {
    const g = new Gen(seed + i);
    const a = g.normal(n), bb = g.normal(n), y0 = g.normal(n);
    return [
      { kernel: 'add', name: `n${n}`, bufs: { a, b: bb, y: n }, outputs: ['y'], call: (b, B) => b.add(n, B.a, B.b, B.y) },
      { kernel: 'add', name: `n${n} in place (y = a)`, bufs: { a, b: bb }, outputs: ['a'], call: (b, B) => b.add(n, B.a, B.b, B.a) },
      { kernel: 'axpy', name: `n${n}`, bufs: { x: a, y: y0 }, outputs: ['y'], call: (b, B) => b.axpy(n, -0.75, B.x, B.y) },
      { kernel: 'scale', name: `n${n}`, bufs: { x: a, y: n }, outputs: ['y'], call: (b, B) => b.scale(n, 1.5, B.x, B.y) },
      { kernel: 'scale', name: `n${n} in place`, bufs: { x: a }, outputs: ['x'], call: (b, B) => b.scale(n, -0.3, B.x, B.x) },
      { kernel: 'mul', name: `n${n}`, bufs: { a, b: bb, y: n }, outputs: ['y'], call: (b, B) => b.mul(n, B.a, B.b, B.y) },
      { kernel: 'sumSquares', name: `n${n}`, bufs: { x: a, out: 1 }, outputs: ['out'], call: (b, B) => b.sumSquares(n, B.x, B.out) },
    ];
  });
}

function specs(): GradCheckSpec[] {
  const n = 101, g = new Gen(1100);
  const a = g.normal(n), bb = g.normal(n);
  return [
    {
      name: 'add', forwardKernel: 'add', backwardKernels: [], inputs: { a, b: bb }, wrt: ['a', 'b'], outLen: n,
      forward: (b, B, y) => b.add(n, B.a, B.b, y),
      backward: (b, _B, dy, G) => { b.copy(dy, G.a); b.copy(dy, G.b); },
    },
    {
      name: 'axpy', forwardKernel: 'axpy', backwardKernels: [], inputs: { x: a, y0: bb }, wrt: ['x', 'y0'], outLen: n,
      forward: (b, B, y) => { b.copy(B.y0, y); b.axpy(n, -0.7, B.x, y); },
      backward: (b, _B, dy, G) => { b.scale(n, -0.7, dy, G.x); b.copy(dy, G.y0); },
    },
    {
      name: 'scale', forwardKernel: 'scale', backwardKernels: [], inputs: { x: a }, wrt: ['x'], outLen: n,
      forward: (b, B, y) => b.scale(n, 1.7, B.x, y),
      backward: (b, _B, dy, G) => b.scale(n, 1.7, dy, G.x),
    },
    {
      name: 'mul', forwardKernel: 'mul', backwardKernels: [], inputs: { a, b: bb }, wrt: ['a', 'b'], outLen: n,
      forward: (b, B, y) => b.mul(n, B.a, B.b, y),
      backward: (b, B, dy, G) => { b.mul(n, dy, B.b, G.a); b.mul(n, dy, B.a, G.b); },
    },
  ];
}

export const elementwise: Family = {
  name: 'elementwise',
  coverage: {
    add: {
      values: [{
        what: 'hand: [1,2] + [3,4], and in place',
        run: (b) => {
          const [y] = withBufs(b, [[1, 2], [3, 4]], [2], ([a, c], [yb]) => b.add(2, a, c, yb));
          const [a2] = withBufs(b, [[1, 2], [3, 4]], [], ([a, c]) => b.add(2, a, c, a));
          return { got: [...y, ...a2], want: [4, 6, 4, 6] };
        },
      }],
    },
    axpy: {
      values: [{
        what: 'hand: y = [1,1] + 2 [1,2]',
        run: (b) => {
          const [, y] = withBufs(b, [[1, 2], [1, 1]], [], ([x, yb]) => b.axpy(2, 2, x, yb));
          return { got: y, want: [3, 5] };
        },
      }],
    },
    scale: {
      values: [{
        what: 'hand: 3 [1,-2]',
        run: (b) => {
          const [y] = withBufs(b, [[1, -2]], [2], ([x], [yb]) => b.scale(2, 3, x, yb));
          return { got: y, want: [3, -6] };
        },
      }],
    },
    mul: {
      values: [{
        what: 'hand: [2,3] * [4,5]',
        run: (b) => {
          const [y] = withBufs(b, [[2, 3], [4, 5]], [2], ([a, c], [yb]) => b.mul(2, a, c, yb));
          return { got: y, want: [8, 15] };
        },
      }],
    },
    sumSquares: {
      exempt: 'used only to measure the global gradient norm for clipping; it is never part of a differentiated graph',
      values: [{
        what: 'hand: 3^2 + 4^2 = 25; 1..100 squared = 338350',
        run: (b) => {
          const [a] = withBufs(b, [[3, 4]], [1], ([x], [o]) => b.sumSquares(2, x, o));
          const [c] = withBufs(b, [Array.from({ length: 100 }, (_, i) => i + 1)], [1], ([x], [o]) => b.sumSquares(100, x, o));
          return { got: [...a, ...c], want: [25, 338350] };
        },
      }],
    },
  },
  cases: caseLists(() => elementwiseCases(VECTOR_LENGTHS.small, 10000), () => elementwiseCases(VECTOR_LENGTHS.full, 10500)),
  gradchecks: specs,
};
