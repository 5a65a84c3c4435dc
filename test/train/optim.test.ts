// Optimiser steps vs the torch formulas computed independently here in float64; clipping.
import t from 'tap';
import { JsBackend } from '../../src/ts/backends/js/index.js';
import { setBackend } from '../../src/ts/core/registry.js';
import { Tensor } from '../../src/ts/core/tensor.js';
import { Parameter } from '../../src/ts/nn/module.js';
import { SGD, AdamW } from '../../src/ts/train/optim.js';
import { GradClipper, clipGradNorm } from '../../src/ts/train/clip.js';

const be = new JsBackend();
setBackend(be);

function param(values: number[], decay = true): Parameter {
  return new Parameter(Tensor.from(values, [values.length], be), decay);
}
const P0 = [0.5, -1.25, 2, 0.1], G1 = [0.3, -0.2, 0.05, 1.5], G2 = [-0.1, 0.4, 0.2, -0.7];

function near(t: any, got: ArrayLike<number>, want: number[], msg: string): void {
  let e = 0;
  for (let i = 0; i < want.length; i++) e = Math.max(e, Math.abs(got[i] - want[i]));
  t.ok(e < 2e-6, `${msg} (max error ${e})`);
}

for (const nesterov of [false, true]) {
  t.test(`SGD momentum 0.9, wd 0.01, nesterov ${nesterov}`, async (t) => {
    const p = param(P0);
    const opt = new SGD([['w', p]], { lr: 0.1, momentum: 0.9, weightDecay: 0.01, nesterov });
    const ref = [...P0], v = [0, 0, 0, 0];
    for (const g of [G1, G2]) {
      p.gradTensor().set(g);
      opt.step();
      for (let i = 0; i < 4; i++) {
        const gi = g[i] + 0.01 * ref[i];
        v[i] = 0.9 * v[i] + gi;
        ref[i] -= 0.1 * (nesterov ? gi + 0.9 * v[i] : v[i]);
      }
    }
    near(t, p.value.data(), ref, 'parameters');
    near(t, [...opt.namedState()][0][1].data(), v, 'momentum buffer');
    t.equal([...opt.namedState()][0][0], 'optim.w.momentum_buffer');
    opt.dispose(); p.dispose();
  });
}

t.test('AdamW with bias correction, decoupled decay, skip decay for BN/bias, frozen skipped', async (t) => {
  const w = param(P0), b = param(P0, false), frozen = param(P0);
  frozen.trainable = false;
  const opt = new AdamW([['w', w], ['b', b], ['f', frozen]], { lr: 0.01, weightDecay: 0.1, skipDecayForBnAndBias: true, beta1: 0.9, beta2: 0.99, eps: 1e-6 });
  const refs = { w: [...P0], b: [...P0] }, m = { w: [0, 0, 0, 0], b: [0, 0, 0, 0] }, v = { w: [0, 0, 0, 0], b: [0, 0, 0, 0] };
  let step = 0;
  for (const g of [G1, G2, G1]) {
    w.gradTensor().set(g); b.gradTensor().set(g); frozen.gradTensor().set(g);
    opt.step(); step++;
    for (const k of ['w', 'b'] as const) {
      const wd = k === 'w' ? 0.1 : 0;
      for (let i = 0; i < 4; i++) {
        refs[k][i] *= 1 - 0.01 * wd;
        m[k][i] = 0.9 * m[k][i] + 0.1 * g[i];
        v[k][i] = 0.99 * v[k][i] + 0.01 * g[i] * g[i];
        const mh = m[k][i] / (1 - 0.9 ** step), vh = v[k][i] / (1 - 0.99 ** step);
        refs[k][i] -= 0.01 * mh / (Math.sqrt(vh) + 1e-6);
      }
    }
  }
  near(t, w.value.data(), refs.w, 'decayed weight');
  near(t, b.value.data(), refs.b, 'bias without decay');
  near(t, frozen.value.data(), P0, 'frozen parameter untouched');
  t.equal(opt.stepCount, 3);
  t.same([...opt.namedState()].map(([n]) => n).slice(0, 2), ['optim.w.exp_avg', 'optim.w.exp_avg_sq']);
  opt.dispose();
});

t.test('bad options are errors', async (t) => {
  t.throws(() => new SGD([], { lr: -1 }), /lr must be/);
  t.throws(() => new SGD([], { lr: 0.1, nesterov: true }), /nesterov needs a momentum/);
  t.throws(() => new AdamW([], { lr: 0.1, beta1: 1 }), /beta1 must be in/);
});

t.test('global-norm clipping', async (t) => {
  const a = param([0, 0]), b = param([0, 0, 0]);
  a.gradTensor().set([3, 0]); b.gradTensor().set([0, 4, 0]); // norm 5
  const c = new GradClipper(1);
  t.ok(Math.abs(c.norm([a, b]) - 5) < 1e-6, 'norm');
  const before = c.clip([a, b]);
  t.ok(Math.abs(before - 5) < 1e-6, 'returns the norm before clipping');
  near(t, a.grad!.data(), [3 / (5 + 1e-6), 0], 'scaled a');
  near(t, b.grad!.data(), [0, 4 / (5 + 1e-6), 0], 'scaled b');
  t.ok(Math.abs(c.norm([a, b]) - 1) < 1e-5, 'norm now 1');
  // below the threshold nothing changes
  const n = clipGradNorm([a, b], 10);
  near(t, a.grad!.data(), [3 / (5 + 1e-6), 0], 'unchanged');
  t.ok(n < 1.0001);
  c.dispose();
  t.throws(() => new GradClipper(0), /maxNorm must be a positive/);
});
