// The global-average-pool family: per-sample, per-channel means over h*w, and the spread-back gradient.
import { Gen, caseLists, withBufs } from './lib/harness.js';
import type { Family, KernelCase, NhcCase } from './lib/harness.js';
import type { GradCheckSpec } from './lib/gradcheck.js';

const small: NhcCase[] = [
  { name: 'b3 7x9 c5', n: 3, hw: 63, c: 5 },
  { name: 'hw 1', n: 2, hw: 1, c: 7 },
];

function cases(): KernelCase[] {
  return small.flatMap((c, i): KernelCase[] => {
    const g = new Gen(6000 + i);
    const p = { n: c.n, hw: c.hw, c: c.c };
    const x = g.normal(c.n * c.hw * c.c), dy = g.normal(c.n * c.c);
    return [
      { kernel: 'globalAvgPool', name: c.name, bufs: { x, y: c.n * c.c }, outputs: ['y'], call: (b, B) => b.globalAvgPool(p, B.x, B.y) },
      {
        kernel: 'globalAvgPoolBackward', name: c.name, bufs: { dy, dx: x.length }, outputs: ['dx'],
        call: (b, B) => b.globalAvgPoolBackward(p, B.dy, B.dx),
      },
    ];
  });
}

function specs(): GradCheckSpec[] {
  return small.map((c, i) => {
    const p = { n: c.n, hw: c.hw, c: c.c };
    return {
      name: `globalAvgPool ${c.name}`, forwardKernel: 'globalAvgPool', backwardKernels: ['globalAvgPoolBackward'],
      inputs: { x: new Gen(600 + i).normal(c.n * c.hw * c.c) }, wrt: ['x'], outLen: c.n * c.c,
      forward: (b, B, y) => b.globalAvgPool(p, B.x, y),
      backward: (b, _B, dy, G) => b.globalAvgPoolBackward(p, dy, G.x),
    };
  });
}

export const globalpool: Family = {
  name: 'globalpool',
  coverage: {
    globalAvgPool: {
      values: [{
        what: 'hand: per-channel means of a 2x2 two-channel image',
        run: (b) => {
          const [y] = withBufs(b, [[1, 10, 2, 20, 3, 30, 4, 40]], [2], ([x], [yb]) => b.globalAvgPool({ n: 1, hw: 4, c: 2 }, x, yb));
          return { got: y, want: [2.5, 25] };
        },
      }],
    },
    globalAvgPoolBackward: {
      values: [{
        what: 'hand: dy / hw spread over the positions',
        run: (b) => {
          const [dx] = withBufs(b, [[4, 8]], [8], ([dy], [dxb]) => b.globalAvgPoolBackward({ n: 1, hw: 4, c: 2 }, dy, dxb));
          return { got: dx, want: [1, 2, 1, 2, 1, 2, 1, 2] };
        },
      }],
    },
  },
  cases: caseLists(cases, () => []),
  gradchecks: specs,
};
