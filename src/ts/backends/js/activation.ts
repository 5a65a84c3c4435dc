// Activations and their derivatives, following PyTorch's rules exactly (including at the kinks):
//   relu        y = max(x, 0);                dy/dx = x > 0 ? 1 : 0              (relu'(0) = 0; torch uses y > 0)
//   relu6       y = min(max(x, 0), 6);        dy/dx = 0 < x < 6 ? 1 : 0          (0 at x = 0 and x = 6: hardtanh_backward)
//   sigmoid     y = 1 / (1 + e^-x);           dy/dx = y (1 - y)
//   silu        y = x sigmoid(x);             dy/dx = s (1 + x (1 - s)), s = sigmoid(x)
//   hardsigmoid y = relu6(x + 3) / 6;         dy/dx = -3 < x < 3 ? 1/6 : 0
//   hardswish   y = x relu6(x + 3) / 6;       dy/dx = x < -3 ? 0 : x <= 3 ? x/3 + 1/2 : 1
//   gelu        y = x Phi(x) (erf form);      dy/dx = Phi(x) + x phi(x)          (torch's default, approximate='none')
// Note hardswish' as torch's hardswish_backward: at x = -3 it is -1/2 and at x = +3 it is 3/2 (the
// middle branch is closed on both ends), not the one-sided limits 0 and 1.
import { ACTIVATIONS, ConvnetsError } from '../../core/backend.js';
import type { ActivationKind } from '../../core/backend.js';
import type { JsArray } from './memory.js';

export function sigmoid(x: number): number {
  // Two forms so exp never overflows.
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

/**
 * The standard normal CDF Phi(x) = (1 + erf(x / sqrt 2)) / 2, exact to float64 rounding: the Taylor
 * series of erf where it converges without cancellation (|z| < 3), else erfc's continued fraction, so
 * the lower tail keeps its relative accuracy. (JavaScript has no Math.erf.)
 */
export function normalCdf(x: number): number {
  const z = x * Math.SQRT1_2;
  const az = Math.abs(z);
  if (az < 3) {
    let term = z, sum = z;
    const z2 = z * z;
    for (let n = 1; n < 60; n++) {
      term *= -z2 / n;
      const t = term / (2 * n + 1);
      sum += t;
      if (Math.abs(t) < 1e-17 * Math.abs(sum)) break;
    }
    return 0.5 + sum / Math.sqrt(Math.PI);
  }
  let f = az;
  for (let k = 60; k >= 1; k--) f = az + (k * 0.5) / f;
  const tail = (0.5 * Math.exp(-az * az)) / (Math.sqrt(Math.PI) * f);
  return z < 0 ? tail : 1 - tail;
}

const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

export function activate(kind: ActivationKind, x: number): number {
  switch (kind) {
    case 'relu': return x > 0 ? x : 0;
    case 'relu6': return x > 0 ? (x < 6 ? x : 6) : 0;
    case 'sigmoid': return sigmoid(x);
    case 'silu': return x * sigmoid(x);
    case 'hardsigmoid': { const r = x + 3; return (r > 0 ? (r < 6 ? r : 6) : 0) / 6; }
    case 'hardswish': { const r = x + 3; return x * (r > 0 ? (r < 6 ? r : 6) : 0) / 6; }
    case 'gelu': return x * normalCdf(x);
    default: throw new ConvnetsError(`activation: unknown kind '${String(kind)}' (expected ${ACTIVATIONS.join(', ')})`);
  }
}

/** d act / dx at x (y = act(x) passed in to save recomputation). */
export function activateGrad(kind: ActivationKind, x: number, y: number): number {
  switch (kind) {
    case 'relu': return x > 0 ? 1 : 0;
    case 'relu6': return x > 0 && x < 6 ? 1 : 0;
    case 'sigmoid': return y * (1 - y);
    case 'silu': { const s = sigmoid(x); return s * (1 + x * (1 - s)); }
    case 'hardsigmoid': return x > -3 && x < 3 ? 1 / 6 : 0;
    case 'hardswish': return x < -3 ? 0 : x <= 3 ? x / 3 + 0.5 : 1;
    case 'gelu': return normalCdf(x) + x * Math.exp(-0.5 * x * x) * INV_SQRT_2PI;
    default: throw new ConvnetsError(`activationBackward: unknown kind '${String(kind)}' (expected ${ACTIVATIONS.join(', ')})`);
  }
}

export function activationFwd(kind: ActivationKind, length: number, x: JsArray, y: JsArray): void {
  activate(kind, 0); // validates kind even when length is 0
  for (let i = 0; i < length; i++) y[i] = activate(kind, x[i]);
}

export function activationBwd(kind: ActivationKind, length: number, x: JsArray, y: JsArray, dy: JsArray, dx: JsArray): void {
  activateGrad(kind, 0, 0);
  for (let i = 0; i < length; i++) dx[i] = dy[i] * activateGrad(kind, x[i], y[i]);
}

/** In-place epilogue for fused conv/dense: y = act(y). */
export function applyActivation(kind: ActivationKind | undefined, y: JsArray): void {
  if (!kind) return;
  for (let i = 0; i < y.length; i++) y[i] = activate(kind, y[i]);
}
