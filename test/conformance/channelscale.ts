// The channel-scale family (squeeze-excite multiply): y = x * s[n, c], and its gradients for x and s.
import { Gen, caseLists, withBufs } from './lib/harness.js';
import type { Family, KernelCase, NhcCase } from './lib/harness.js';
import type { GradCheckSpec } from './lib/gradcheck.js';

const small: NhcCase[] = [
  { name: 'b3 7x9 c5', n: 3, hw: 63, c: 5 },
  { name: 'hw 1 c 9', n: 2, hw: 1, c: 9 },
];

function cases(): KernelCase[] {
  return small.flatMap((c, i): KernelCase[] => {
    const g = new Gen(7000 + i);
    const p = { n: c.n, hw: c.hw, c: c.c };
    const len = c.n * c.hw * c.c;
    const x = g.normal(len), s = g.uniform(c.n * c.c, 0, 1), dy = g.normal(len);
    return [
      { kernel: 'channelScale', name: c.name, bufs: { x, s, y: len }, outputs: ['y'], call: (b, B) => b.channelScale(p, B.x, B.s, B.y) },
      {
        kernel: 'channelScaleBackward', name: c.name, bufs: { x, s, dy, dx: len, ds: s.length }, outputs: ['dx', 'ds'],
        call: (b, B) => b.channelScaleBackward(p, B.x, B.s, B.dy, B.dx, B.ds),
      },
    ];
  });
}

function specs(): GradCheckSpec[] {
  return small.map((c, i) => {
    const p = { n: c.n, hw: c.hw, c: c.c };
    const g = new Gen(700 + i);
    return {
      name: `channelScale ${c.name}`, forwardKernel: 'channelScale', backwardKernels: ['channelScaleBackward'],
      inputs: { x: g.normal(c.n * c.hw * c.c), s: g.uniform(c.n * c.c, 0, 1) }, wrt: ['x', 's'], outLen: c.n * c.hw * c.c,
      forward: (b, B, y) => b.channelScale(p, B.x, B.s, y),
      backward: (b, B, dy, G) => b.channelScaleBackward(p, B.x, B.s, dy, G.x, G.s),
    };
  });
}

export const channelscale: Family = {
  name: 'channelscale',
  coverage: {
    channelScale: {
      values: [{
        what: 'hand: per-sample, per-channel scaling',
        run: (b) => {
          const [y] = withBufs(b, [[1, 2, 3, 4, 5, 6, 7, 8], [10, 100, -1, 0]], [8],
            ([x, s], [yb]) => b.channelScale({ n: 2, hw: 2, c: 2 }, x, s, yb));
          return { got: y, want: [10, 200, 30, 400, -5, 0, -7, 0] };
        },
      }],
    },
    channelScaleBackward: {
      values: [{
        what: 'hand: dx = dy s, ds = sum over positions of dy x',
        run: (b) => {
          const [dx, ds] = withBufs(b, [[1, 2, 3, 4], [10, 100], [1, 1, 1, 1]], [4, 2],
            ([x, s, dy], [dxb, dsb]) => b.channelScaleBackward({ n: 1, hw: 2, c: 2 }, x, s, dy, dxb, dsb));
          return { got: [...dx, ...ds], want: [10, 100, 10, 100, 4, 6] };
        },
      }],
    },
  },
  cases: caseLists(cases, () => []),
  gradchecks: specs,
};
