// Compound scaling: multipliers, and the closed-form cost model against torchvision's B0-B7 counts.
import t from 'tap';
import { compoundMultipliers, efficientNetCost, publishedRows, phiVariant, equivalentPhi, makeDivisible, EFFICIENTNET_VARIANTS } from '../../src/ts/analysis/scale.js';
import { ConvnetsError } from '../../src/ts/core/backend.js';
import { createModel } from '../../src/architectures/index.js';

t.test('multipliers are alpha^phi, beta^phi, gamma^phi', async (t) => {
  const m0 = compoundMultipliers(0);
  t.same([m0.depth, m0.width, m0.resolution, m0.flopsFactor], [1, 1, 224, 1]);
  const m3 = compoundMultipliers(3);
  t.ok(Math.abs(m3.depth - 1.728) < 1e-12);
  t.ok(Math.abs(m3.width - 1.331) < 1e-12);
  t.equal(m3.resolution, Math.round(224 * 1.15 ** 3));
  // alpha * beta^2 * gamma^2 ~ 2: FLOPs roughly double per unit of phi.
  t.ok(Math.abs(compoundMultipliers(1).flopsFactor - 1.2 * 1.21 * 1.3225) < 1e-12);
  t.throws(() => compoundMultipliers(-1), ConvnetsError);
  t.throws(() => compoundMultipliers(NaN), ConvnetsError);
});

t.test('cost model reproduces B0-B7 parameters exactly and GMACs to 1e-3', async (t) => {
  const rows = publishedRows();
  t.equal(rows.length, 8);
  for (const r of rows) {
    t.equal(r.params, r.publishedParams, `${r.name} params`);
    t.ok(Math.abs(r.gmacs - r.publishedGmacs!) < 1e-3, `${r.name} GMACs ${r.gmacs} vs ${r.publishedGmacs}`);
    t.ok(r.top1! > 77 && r.top1! < 85, `${r.name} has a published top-1`);
  }
  t.equal(phiVariant(0).params, EFFICIENTNET_VARIANTS[0].params, 'phi = 0 is B0');
  t.equal(makeDivisible(32 * 1.1), 32); t.equal(makeDivisible(16 * 1.4), 24); t.equal(makeDivisible(4), 8);
  t.equal(equivalentPhi(1, 1), 0);
  t.ok(Math.abs(equivalentPhi(1.1, 1.2) - 1) < 1e-12);
  // Larger phi: strictly more parameters and MACs.
  t.ok(phiVariant(2).params > phiVariant(1).params && phiVariant(2).gmacs > phiVariant(1).gmacs);
  t.throws(() => efficientNetCost(0, 1, 224), ConvnetsError);
});

t.test('cost model agrees with the architectures builder for phi models', async (t) => {
  for (const phi of [1, 2.5]) {
    const m = createModel('efficientnet', { phi, init: 'none' });
    t.equal(m.paramCount(), phiVariant(phi).params, `phi ${phi}`);
  }
});
