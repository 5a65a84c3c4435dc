// Finite-difference gradient check of a whole Module in float64 on the js reference.
// Loss L = sum(y * r) for a fixed random r, so dL/dy = r; central differences with step h.
import type { Test } from 'tap';
import { Tensor } from '../../src/ts/core/tensor.js';
import { Rng } from '../../src/ts/core/random.js';
import { createBackend, setBackend } from '../../src/ts/core/registry.js';
import type { Backend } from '../../src/ts/core/backend.js';
import '../../src/ts/backends/js/index.js';
import type { Module, ForwardContext } from '../../src/ts/nn/module.js';

export async function useFloat64(): Promise<Backend> {
  const b = await createBackend('js', { dtype: 'float64' });
  setBackend(b);
  return b;
}

export async function useFloat32(): Promise<Backend> {
  const b = await createBackend('js', { dtype: 'float32' });
  setBackend(b);
  return b;
}

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

export interface GradCheckOptions {
  ctx?: ForwardContext;
  /** Elements checked per tensor (spread over the tensor); default all up to 40. */
  samples?: number;
  h?: number;
  tol?: number;
  seed?: number;
  /** Skip checking dx (e.g. when the input is labels). */
  skipInput?: boolean;
}

/**
 * Checks dL/dx and every trainable parameter's gradient against central differences.
 * Returns the largest error seen (relative to max(1, |grad|)).
 */
export function gradCheck(t: Test, name: string, m: Module, xShape: number[], o: GradCheckOptions = {}): number {
  const ctx = o.ctx ?? { training: true, seed: 7 };
  const h = o.h ?? 1e-6;
  const tol = o.tol ?? 1e-6;
  const rng = new Rng(o.seed ?? 1);
  const xs = new Float64Array(xShape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < xs.length; i++) xs[i] = rng.normal();
  const x = Tensor.from(xs, xShape);
  const y0 = m.forward(x, ctx);
  const r = new Float64Array(y0.size);
  for (let i = 0; i < r.length; i++) r[i] = rng.normal();
  const loss = (): number => dot(m.forward(x, ctx).data(), r);

  // Analytic: forward once more (same state as the probes) then backward.
  m.forward(x, ctx);
  const dy = Tensor.from(r, y0.shape);
  const dx = m.backward(dy).data().slice();
  const grads = new Map<string, Float64Array | Float32Array>();
  for (const [pn, p] of m.namedParameters()) if (p.trainable && p.grad) grads.set(pn, p.grad.data().slice());

  let worst = 0;
  const probe = (label: string, target: Tensor, analytic: ArrayLike<number>): void => {
    const n = target.size;
    const k = Math.min(n, o.samples ?? 40);
    let bad = 0;
    let firstBad = '';
    for (let s = 0; s < k; s++) {
      const i = k === n ? s : Math.floor((s * n) / k + ((s * 7919) % Math.max(1, Math.floor(n / k))));
      const v = target.data();
      const orig = v[i];
      v[i] = orig + h; target.set(v);
      const lp = loss();
      v[i] = orig - h; target.set(v);
      const lm = loss();
      v[i] = orig; target.set(v);
      const num = (lp - lm) / (2 * h);
      const err = Math.abs(num - analytic[i]) / Math.max(1, Math.abs(num));
      worst = Math.max(worst, err);
      if (!(err <= tol)) { bad++; if (!firstBad) firstBad = `[${i}] numeric ${num} analytic ${analytic[i]}`; }
    }
    t.equal(bad, 0, `${name}: d/d${label} matches finite differences${firstBad ? ` (first miss ${firstBad})` : ''}`);
  };
  if (!o.skipInput) probe('x', x, dx);
  for (const [pn, p] of m.namedParameters()) {
    if (!p.trainable) continue;
    const g = grads.get(pn);
    t.ok(g, `${name}: ${pn} has a gradient`);
    if (g) probe(pn, p.value, g);
  }
  x.dispose();
  dy.dispose();
  return worst;
}
