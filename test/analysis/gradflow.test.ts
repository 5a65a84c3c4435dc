// Gradient flow on tiny nets, seeded, js backend: the chapter's ordering (a plain deep net's early-layer
// gradients are far smaller than a residual net's of the same depth and width) measured, not assumed.
import t from 'tap';
import { initBackend } from '../../src/ts/core/registry.js';
import {
  gradflowBatch, measureGradFlow, summarize, softmaxXent, measuredWeights, seedModels,
} from '../../src/ts/analysis/gradflow.js';
import { plainNet, residualNet, denseNet, gradflowNet } from '../../src/architectures/gradflow.js';
import type { Batch } from '../../src/ts/analysis/gradflow.js';
import { ConvnetsError } from '../../src/ts/core/backend.js';

let batch: Batch;
t.before(async () => {
  await initBackend('js');
  batch = await gradflowBatch(8, 12);
});
t.teardown(() => batch.x.dispose());

t.test('softmax cross-entropy gradient matches central differences', async (t) => {
  const logits = [0.3, -1.2, 2.0, 0.1, 0.5, -0.7], labels = [2, 0];
  const { loss, dlogits } = softmaxXent(logits, labels, 2, 3);
  for (let i = 0; i < logits.length; i++) {
    const h = 1e-5;
    const up = [...logits]; up[i] += h;
    const dn = [...logits]; dn[i] -= h;
    const fd = (softmaxXent(up, labels, 2, 3).loss - softmaxXent(dn, labels, 2, 3).loss) / (2 * h);
    t.ok(Math.abs(fd - dlogits[i]) < 1e-4, `d/dlogit ${i}: ${dlogits[i]} vs ${fd}`);
  }
  t.ok(loss > 0);
});

t.test('nets: conv layer counts, names', async (t) => {
  seedModels(1);
  const p = plainNet(8, { width: 4 }), r = residualNet(9, { width: 4 }), d = denseNet(7, { width: 4, growth: 2 });
  try {
    t.equal(measuredWeights(p).filter(([, w]) => w.shape.length === 4).length, 8);
    t.equal(measuredWeights(r).filter(([, w]) => w.shape.length === 4).length, 9);
    t.ok(measuredWeights(r).some(([n]) => n === 'block1.conv2.weight'));
    // dense: stem + 6 layers + 2 transitions
    t.equal(measuredWeights(d).filter(([, w]) => w.shape.length === 4).length, 9);
  } finally { p.dispose(); r.dispose(); d.dispose(); }
  t.throws(() => residualNet(8), ConvnetsError);
  t.throws(() => plainNet(1), ConvnetsError);
  t.equal(gradflowNet('resnet50'), null);
});

t.test('plain 21-layer net vs residual 21-layer net (no BN, width 8)', async (t) => {
  const run = (name: string, init: 'kaiming' | 'torch-default') => {
    seedModels(3);
    const m = gradflowNet(name, { width: 8 })!;
    try { return measureGradFlow(name, m, batch, { steps: 1, lr: 0.01, init, seed: 5 }); } finally { m.dispose(); }
  };
  for (const init of ['kaiming', 'torch-default'] as const) {
    const p = run('plain21', init), r = run('residual21', init);
    t.equal(p.layers.length, 22, 'every conv + the classifier measured');
    for (const l of [...p.layers, ...r.layers]) t.ok(Number.isFinite(l.init) && l.init > 0, `${init} ${l.name} has a finite nonzero gradient`);
    const ps = summarize(p), rs = summarize(r);
    const factor = ps.first / rs.first;
    t.comment(`${init}: plain21 first ${ps.first.toExponential(2)} (first/last ${ps.ratio.toExponential(2)}), residual21 first ${rs.first.toExponential(2)} (first/last ${rs.ratio.toExponential(2)}); plain/residual ${factor.toExponential(2)}`);
    // Measured margins (seeded): kaiming ~1e-3 and torch-default ~1e-9; asserted with slack.
    t.ok(factor < (init === 'kaiming' ? 0.05 : 1e-4), `${init}: plain first-layer gradient ${factor.toExponential(2)} x residual's`);
  }
});
