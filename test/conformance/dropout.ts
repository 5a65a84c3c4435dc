// The dropout family: a mask drawn from (seed, index), the same on every backend, element for element.
import { hash32 } from '../../src/ts/core/random.js';
import { caseLists, withBufs } from './lib/harness.js';
import type { Family, KernelCase } from './lib/harness.js';

const small = [
  { name: 'rate 0.2', length: 1001, rate: 0.2, seed: 7 },
  { name: 'rate 0.5 big seed', length: 1001, rate: 0.5, seed: 123456789 },
  { name: 'rate 0', length: 33, rate: 0, seed: 1 },
  { name: 'rate 0.3 (keep scale not a float32)', length: 257, rate: 0.3, seed: -5 },
];

const cases = (): KernelCase[] => small.map((c) => ({
  kernel: 'dropoutMask', name: c.name, bufs: { mask: c.length }, outputs: ['mask'], exact: true,
  call: (b, B) => b.dropoutMask(c.length, c.rate, c.seed, B.mask),
}));

export const dropout: Family = {
  name: 'dropout',
  coverage: {
    dropoutMask: {
      exempt: 'draws a random mask from (seed, index); it has no differentiable input (the mask is applied with mul, which is checked)',
      values: [
        {
          what: 'mask[i] = 1/(1-rate) iff (hash32(seed, i) >>> 8) >= floor(rate * 2^24), else 0 (written out here)',
          run: (b) => {
            const n = 2000, rate = 0.3, seed = 42;
            const [m] = withBufs(b, [], [n], (_, [mb]) => b.dropoutMask(n, rate, seed, mb));
            const want = Array.from({ length: n }, (_, i) => ((hash32(seed, i) >>> 8) >= Math.floor(rate * 16777216) ? 1 / 0.7 : 0));
            return { got: m, want };
          },
        },
        {
          what: 'keep fraction within 0.03 of 1 - rate; rate 0 keeps all with scale 1; masks differ across seeds',
          run: (b) => {
            const n = 4000;
            const [m] = withBufs(b, [], [n], (_, [mb]) => b.dropoutMask(n, 0.5, 7, mb));
            const [m2] = withBufs(b, [], [n], (_, [mb]) => b.dropoutMask(n, 0.5, 8, mb));
            const [z] = withBufs(b, [], [5], (_, [mb]) => b.dropoutMask(5, 0, 7, mb));
            const kept = m.filter((v) => v !== 0).length / n;
            const same = m.every((v, i) => v === m2[i]);
            return { got: [Math.abs(kept - 0.5) < 0.03 ? 1 : 0, same ? 1 : 0, ...z], want: [1, 0, 1, 1, 1, 1, 1] };
          },
        },
      ],
    },
  },
  cases: caseLists(cases, () => []),
  gradchecks: () => [],
};
