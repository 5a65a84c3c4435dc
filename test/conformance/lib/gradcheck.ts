// Central finite-difference gradient checks on the js backend in float64.
// For a forward kernel f and random r, L(inputs) = sum_i r_i f(inputs)_i; the backward kernel(s) given
// dy = r must return dL/dinput, which is compared with (L(x + h e_k) - L(x - h e_k)) / 2h, h = 1e-6.
// Error metric: max_k |analytic_k - numeric_k| / max(1, max_k |numeric_k|) (as the conformance harness).
import type { Backend, Buf, KernelName } from '../../../src/ts/core/backend.js';
import { JsBackend } from '../../../src/ts/backends/js/index.js';
import { Rng } from '../../../src/ts/core/random.js';
import { relError } from './harness.js';

export interface GradCheckSpec {
  name: string;
  /** The kernel being differentiated. */
  forwardKernel: KernelName;
  /** The kernels that compute its gradient (checked by this spec). */
  backwardKernels: KernelName[];
  inputs: Record<string, Float64Array>;
  /** Inputs differentiated (the others are constants). */
  wrt: string[];
  outLen: number;
  forward(b: Backend, B: Record<string, Buf>, y: Buf): void;
  /** Writes dL/d(wrt) for upstream gradient dy into grads (pre-filled with NaN). */
  backward(b: Backend, B: Record<string, Buf>, dy: Buf, grads: Record<string, Buf>): void;
}

export interface GradCheckResult { errors: Record<string, number>; checked: Record<string, number>; }

/**
 * Runs one spec. At most `maxPerInput` elements of each input get a numeric derivative (a seeded random
 * subset; the whole analytic gradient is still computed), to keep the suite within its time budget.
 */
export function checkGradient(spec: GradCheckSpec,
  opts: { step?: number; maxPerInput?: number; seed?: number; backend?: Backend } = {}): GradCheckResult {
  const h = opts.step ?? 1e-6, maxPer = opts.maxPerInput ?? 200;
  // Another float64 backend may be passed (the contract test checks that a wrong gradient is caught).
  const b = opts.backend ?? new JsBackend({ dtype: 'float64' });
  const rng = new Rng(opts.seed ?? 12345);
  const B: Record<string, Buf> = {};
  for (const [k, v] of Object.entries(spec.inputs)) { B[k] = b.alloc(v.length); b.write(B[k], v); }
  const y = b.alloc(spec.outLen);
  const r = new Float64Array(spec.outLen);
  for (let i = 0; i < r.length; i++) r[i] = rng.normal();
  const dy = b.alloc(spec.outLen);
  b.write(dy, r);
  const loss = (): number => {
    b.fill(y, NaN);
    spec.forward(b, B, y);
    const out = b.read(y);
    let s = 0;
    for (let i = 0; i < out.length; i++) s += r[i] * out[i];
    return s;
  };
  const grads: Record<string, Buf> = {};
  for (const k of spec.wrt) { grads[k] = b.alloc(spec.inputs[k].length); b.fill(grads[k], NaN); }
  spec.backward(b, B, dy, grads);
  const res: GradCheckResult = { errors: {}, checked: {} };
  for (const k of spec.wrt) {
    const x = spec.inputs[k];
    const analytic = b.read(grads[k]);
    let idx = Array.from({ length: x.length }, (_, i) => i);
    if (idx.length > maxPer) { rng.shuffle(idx); idx = idx.slice(0, maxPer); }
    const num = new Float64Array(idx.length), ana = new Float64Array(idx.length);
    for (const [j, i] of idx.entries()) {
      b.write(B[k], [x[i] + h], i);
      const lp = loss();
      b.write(B[k], [x[i] - h], i);
      const lm = loss();
      b.write(B[k], [x[i]], i);
      num[j] = (lp - lm) / (2 * h);
      ana[j] = analytic[i];
    }
    // NaN anywhere in the analytic gradient (an element the kernel never wrote) is an error too.
    res.errors[k] = analytic.some((v) => Number.isNaN(v)) ? NaN : relError(ana, num);
    res.checked[k] = idx.length;
  }
  for (const buf of [...Object.values(B), ...Object.values(grads), y, dy]) b.free(buf);
  return res;
}
