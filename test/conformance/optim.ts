// The optimiser family: SGD (momentum, Nesterov, weight decay) and AdamW steps as kernels, so
// parameters never leave the device during training.
import { Gen, caseLists, withBufs } from './lib/harness.js';
import type { Family, KernelCase } from './lib/harness.js';

const sgd = [
  { name: 'momentum 0.9 wd', length: 1001, lr: 0.1, momentum: 0.9, weightDecay: 1e-4, nesterov: false },
  { name: 'nesterov', length: 1001, lr: 0.05, momentum: 0.9, weightDecay: 5e-4, nesterov: true },
  { name: 'plain sgd', length: 7, lr: 0.5, momentum: 0, weightDecay: 0, nesterov: false },
];
const adamw = [
  { name: 'step 1', length: 1001, lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01, step: 1 },
  { name: 'step 7', length: 1001, lr: 3e-3, beta1: 0.8, beta2: 0.99, eps: 1e-6, weightDecay: 0.05, step: 7 },
  { name: 'no decay', length: 7, lr: 1e-2, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, step: 3 },
];

function cases(): KernelCase[] {
  let seed = 14000;
  const out: KernelCase[] = [];
  for (const { name, ...p } of sgd) {
    const g = new Gen(seed++);
    out.push({
      kernel: 'sgdUpdate', name, bufs: { param: g.normal(p.length), grad: g.normal(p.length), vel: g.normal(p.length) },
      outputs: ['param', 'vel'], call: (b, B) => b.sgdUpdate(p, B.param, B.grad, B.vel),
    });
  }
  for (const { name, ...p } of adamw) {
    const g = new Gen(seed++);
    out.push({
      kernel: 'adamwUpdate', name,
      bufs: { param: g.normal(p.length), grad: g.normal(p.length), m: g.normal(p.length, 0.1), v: g.uniform(p.length, 0, 0.1) },
      outputs: ['param', 'm', 'v'], call: (b, B) => b.adamwUpdate(p, B.param, B.grad, B.m, B.v),
    });
  }
  return out;
}

const NOT_DIFFERENTIATED = 'an optimiser step, applied after backward; it is not part of the differentiated graph';

export const optim: Family = {
  name: 'optim',
  coverage: {
    sgdUpdate: {
      exempt: NOT_DIFFERENTIATED,
      values: [
        {
          what: 'two SGD steps by hand: lr 0.1, momentum 0.9, weight decay 0.1, p = 1, grad = 0.5',
          run: (b) => {
            const p = { length: 1, lr: 0.1, momentum: 0.9, weightDecay: 0.1, nesterov: false };
            const [p1, , v1] = withBufs(b, [[1], [0.5], [0]], [], ([pb, g, v]) => { b.sgdUpdate(p, pb, g, v); });
            const [p2, , v2] = withBufs(b, [[1], [0.5], [0]], [], ([pb, g, v]) => { b.sgdUpdate(p, pb, g, v); b.sgdUpdate(p, pb, g, v); });
            // step 1: g = 0.5 + 0.1*1 = 0.6, v = 0.6, p = 0.94; step 2: g = 0.5 + 0.094 = 0.594, v = 0.54 + 0.594, p = 0.94 - 0.1134
            return { got: [...p1, ...v1, ...p2, ...v2], want: [0.94, 0.6, 0.8266, 1.134] };
          },
        },
        {
          what: 'two Nesterov steps by hand (p -= lr (g + m v))',
          run: (b) => {
            const p = { length: 1, lr: 0.1, momentum: 0.9, weightDecay: 0.1, nesterov: true };
            const [p2, , v2] = withBufs(b, [[1], [0.5], [0]], [], ([pb, g, v]) => { b.sgdUpdate(p, pb, g, v); b.sgdUpdate(p, pb, g, v); });
            // step 1: g = 0.6, v = 0.6, p = 1 - 0.1 (0.6 + 0.54) = 0.886
            // step 2: g = 0.5 + 0.0886 = 0.5886, v = 0.54 + 0.5886 = 1.1286, p = 0.886 - 0.1 (0.5886 + 1.01574) = 0.725566
            return { got: [...p2, ...v2], want: [0.725566, 1.1286] };
          },
        },
      ],
    },
    adamwUpdate: {
      exempt: NOT_DIFFERENTIATED,
      values: [{
        what: 'two AdamW steps by hand: lr 0.1, betas (0.9, 0.999), eps 1e-8, wd 0.1, p = 1, grad = 0.5 (bias correction makes m^ = 0.5, v^ = 0.25 at both steps)',
        run: (b) => {
          const base = { length: 1, lr: 0.1, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.1 };
          const [p2, , m2, v2] = withBufs(b, [[1], [0.5], [0], [0]], [], ([pb, g, m, v]) => {
            b.adamwUpdate({ ...base, step: 1 }, pb, g, m, v);
            b.adamwUpdate({ ...base, step: 2 }, pb, g, m, v);
          });
          // step 1: p = 0.99 - 0.05 / (0.5 + 1e-8) = 0.890000002; step 2: p = 0.99 * 0.890000002 - 0.099999998
          return { got: [...p2, ...m2, ...v2], want: [0.99 * 0.890000002 - 0.099999998, 0.095, 0.00049975] };
        },
      }],
    },
  },
  cases: caseLists(cases, () => []),
  gradchecks: () => [],
};
