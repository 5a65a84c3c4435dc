// Activations and their derivatives, following PyTorch's rules exactly (including at the kinks):
//   relu        y = max(x, 0);                dy/dx = x > 0 ? 1 : 0              (relu'(0) = 0; torch uses y > 0)
//   relu6       y = min(max(x, 0), 6);        dy/dx = 0 < x < 6 ? 1 : 0          (0 at x = 0 and x = 6: hardtanh_backward)
//   sigmoid     y = 1 / (1 + e^-x);           dy/dx = y (1 - y)
//   silu        y = x sigmoid(x);             dy/dx = s (1 + x (1 - s)), s = sigmoid(x)
//   hardsigmoid y = relu6(x + 3) / 6;         dy/dx = -3 < x < 3 ? 1/6 : 0
//   hardswish   y = x relu6(x + 3) / 6;       dy/dx = x < -3 ? 0 : x <= 3 ? x/3 + 1/2 : 1
// Note hardswish' as torch's hardswish_backward: at x = -3 it is -1/2 and at x = +3 it is 3/2 (the
// middle branch is closed on both ends), not the one-sided limits 0 and 1.
import { ConvnetsError } from '../../core/backend.js';
import type { ActivationKind } from '../../core/backend.js';
import type { JsArray } from './memory.js';

export function sigmoid(x: number): number {
  // Two forms so exp never overflows.
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

export function activate(kind: ActivationKind, x: number): number {
  switch (kind) {
    case 'relu': return x > 0 ? x : 0;
    case 'relu6': return x > 0 ? (x < 6 ? x : 6) : 0;
    case 'sigmoid': return sigmoid(x);
    case 'silu': return x * sigmoid(x);
    case 'hardsigmoid': { const r = x + 3; return (r > 0 ? (r < 6 ? r : 6) : 0) / 6; }
    case 'hardswish': { const r = x + 3; return x * (r > 0 ? (r < 6 ? r : 6) : 0) / 6; }
    default: throw new ConvnetsError(`activation: unknown kind '${String(kind)}' (expected relu, relu6, silu, sigmoid, hardswish, hardsigmoid)`);
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
    default: throw new ConvnetsError(`activationBackward: unknown kind '${String(kind)}' (expected relu, relu6, silu, sigmoid, hardswish, hardsigmoid)`);
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
