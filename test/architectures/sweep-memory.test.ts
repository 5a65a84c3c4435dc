// Registry sweep of the memory planner: for every registered model (sweep-config sizes), one training
// step gives the same loss and the same bits in every parameter gradient and in the input gradient
//   (a) unplanned, without in-place paths (a tracer installed turns them off: the behaviour before),
//   (b) planned (nn/memory.ts: one arena, in-place ReLU / residual sums),
//   (c) planned with recomputation (checkpoint segments of one block in every stage),
// and the planned arena is smaller than one buffer per tensor.
import t from 'tap';
import { sweepBackend } from './sweep-run.js';
import { sweepSettings } from './sweep-config.js';
import { createModel, listModels } from '../../src/architectures/index.js';
import * as ops from '../../src/ts/core/ops.js';
import { Tensor } from '../../src/ts/core/tensor.js';
import type { Backend } from '../../src/ts/core/backend.js';
import { manualSeed } from '../../src/ts/nn/init.js';
import { MemoryPlanner } from '../../src/ts/nn/memory.js';
import { setRecompute } from '../../src/ts/nn/recompute.js';
import type { Module } from '../../src/ts/nn/module.js';

const be: Backend = await sweepBackend();
const only = process.env.CONVNETS_SWEEP_ONLY ? new RegExp(process.env.CONVNETS_SWEEP_ONLY) : null;
const names = listModels().filter((n) => !only || only.test(n));
t.comment(`memory sweep on ${be.name}: ${names.length} models`);

interface Step { loss: number[]; grads: Float32Array[]; dx: Float32Array; }

function step(m: Module, x: Tensor, labels: Tensor, planner: MemoryPlanner | null): Step {
  const n = x.shape[0];
  const probs = new Tensor(be, [n, 3]), loss = new Tensor(be, [n]), dl = new Tensor(be, [n, 3]);
  let dx: Float32Array = new Float32Array(0);
  const body = (): void => {
    const y = m.forward(x, { training: true, seed: 3 });
    ops.softmaxCrossEntropy(y, labels, 0, { probs, loss });
    ops.softmaxCrossEntropyBackward(probs, labels, 0, 1 / n, dl);
    dx = m.backward(dl).toFloat32();
  };
  if (planner) planner.run('train', be, body); else body();
  const out = { loss: [...loss.toFloat32()], grads: [...m.namedParameters()].map(([, p]) => p.gradTensor().toFloat32()), dx };
  probs.dispose(); loss.dispose(); dl.dispose();
  return out;
}

function differing(a: Step, b: Step): number {
  let d = 0;
  const cmp = (u: Float32Array, v: Float32Array): void => { for (let i = 0; i < u.length; i++) if (!Object.is(u[i], v[i])) d++; };
  a.grads.forEach((g, i) => cmp(g, b.grads[i]));
  cmp(a.dx, b.dx);
  return d;
}

for (const name of names) {
  t.test(name, async (t) => {
    manualSeed(11);
    const { opts, size } = sweepSettings(name);
    const m = createModel(name, { ...opts, numClasses: 3 });
    const x = Tensor.randn([2, size, size, m.inputChannels], 5, 1, 0, be);
    const labels = Tensor.from([0, 2], [2], be);
    const planner = new MemoryPlanner();
    try {
      const prev = ops.setTracer({ record: () => undefined });
      let a: Step;
      try { a = step(m, x, labels, null); } finally { ops.setTracer(prev); }
      const b = step(m, x, labels, planner);
      t.same(b.loss, a.loss, 'planned: same loss');
      t.equal(differing(a, b), 0, 'planned: every gradient bit the same');
      const s = planner.schedule(`${be.name}:train`)!;
      t.ok(s.peak < s.unplanned, `arena ${s.peak} < ${s.unplanned} scalars of one buffer per tensor`);
      const stages = setRecompute(m, 1);
      if (stages > 0) {
        const pr = new MemoryPlanner();
        try {
          const c = step(m, x, labels, pr);
          t.same(c.loss, a.loss, `recomputed (${stages} stages): same loss`);
          t.equal(differing(a, c), 0, 'recomputed: every gradient bit the same');
        } finally { pr.dispose(); }
      }
    } finally {
      planner.dispose(); m.dispose(); x.dispose(); labels.dispose();
    }
  });
}
