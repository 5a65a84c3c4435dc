// explain's numbers, from real modules, equal the closed forms.
import t from 'tap';
import '../../src/ts/backends/js/index.js';
import { initBackend } from '../../src/ts/core/registry.js';
import { stackedVsLarge, depthwiseSeparable, inceptionBottleneck, explainTopic } from '../../src/ts/analysis/explain.js';
import { ConvnetsError } from '../../src/ts/core/backend.js';

t.before(async () => { await initBackend('js'); });

t.test('stacked 3x3 vs large kernels: receptive fields and parameters', async (t) => {
  const rows = stackedVsLarge(12, 15);
  t.same(rows.map((r) => r.receptiveField), [5, 5, 7, 7]);
  for (const r of rows) t.equal(r.params, r.formulaParams, r.design);
  t.same(rows.map((r) => r.perC2), [18, 25, 27, 49]);
});

t.test('depthwise separable ratio = 1/N + 1/k^2 on awkward shapes', async (t) => {
  for (const [m, n, k, s] of [[24, 40, 5, 13], [7, 3, 3, 9], [96, 320, 7, 11]]) {
    const r = depthwiseSeparable(m, n, k, s);
    t.ok(Math.abs(r.measuredRatio - (1 / n + 1 / (k * k))) < 1e-12, `${m}->${n} k${k}: ${r.measuredRatio}`);
    t.equal(r.standardMacs, s * s * m * n * k * k);
    t.equal(r.separableParams, m * k * k + m * n);
  }
  t.throws(() => depthwiseSeparable(8, 8, 4), ConvnetsError);
});

t.test('inception bottleneck MACs equal the formula; saving ~61%', async (t) => {
  const r = inceptionBottleneck();
  for (const p of [...r.without, ...r.with]) t.equal(p.macs, p.formula, p.path);
  t.equal(r.totalWithout, 28 * 28 * 192 * (128 * 9 + 32 * 25));
  t.ok(r.saving > 0.6 && r.saving < 0.62, `saving ${r.saving}`);
  t.match(explainTopic('bottleneck'), /61% fewer MACs/);
  t.throws(() => explainTopic('nope'), /unknown topic/);
});
