// Optimiser updates, exactly torch.optim's formulas (see SgdParams / AdamWParams in core/backend.ts).
import { ConvnetsError } from '../../core/backend.js';
import type { AdamWParams, Buf, SgdParams } from '../../core/backend.js';
import { arr, checkCount } from './memory.js';

/** torch.optim.SGD, dampening 0: g = grad + wd p; v = m v + g; p -= lr (nesterov ? g + m v : v). */
export function sgdUpdate(p: SgdParams, pb: Buf, gb: Buf, vb: Buf): void {
  const K = 'sgdUpdate';
  checkCount(K, 'params.length', p.length);
  const param = arr(K, 'param', pb, p.length, false), grad = arr(K, 'grad', gb, p.length, false);
  const vel = arr(K, 'velocity', vb, p.length, false);
  for (let i = 0; i < p.length; i++) {
    const g = grad[i] + p.weightDecay * param[i];
    // A zero-initialised velocity makes torch's first step (buffer = g) the same formula.
    const v = p.momentum * vel[i] + g;
    vel[i] = v;
    param[i] -= p.lr * (p.nesterov ? g + p.momentum * v : v);
  }
}

/**
 * torch.optim.AdamW: p *= 1 - lr wd; m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2;
 * p -= (lr / (1 - b1^t)) m / (sqrt(v) / sqrt(1 - b2^t) + eps).
 */
export function adamwUpdate(p: AdamWParams, pb: Buf, gb: Buf, mb: Buf, vb: Buf): void {
  const K = 'adamwUpdate';
  checkCount(K, 'params.length', p.length);
  if (!Number.isInteger(p.step) || p.step < 1) throw new ConvnetsError(`${K}: params.step must be an integer >= 1 (1-based), got ${p.step}`);
  const param = arr(K, 'param', pb, p.length, false), grad = arr(K, 'grad', gb, p.length, false);
  const m = arr(K, 'm', mb, p.length, false), v = arr(K, 'v', vb, p.length, false);
  const bc1 = 1 - Math.pow(p.beta1, p.step), bc2 = 1 - Math.pow(p.beta2, p.step);
  const stepSize = p.lr / bc1, sqrtBc2 = Math.sqrt(bc2);
  for (let i = 0; i < p.length; i++) {
    const g = grad[i];
    param[i] *= 1 - p.lr * p.weightDecay;
    m[i] = p.beta1 * m[i] + (1 - p.beta1) * g;
    v[i] = p.beta2 * v[i] + (1 - p.beta2) * g * g;
    param[i] -= stepSize * m[i] / (Math.sqrt(v[i]) / sqrtBc2 + p.eps);
  }
}
