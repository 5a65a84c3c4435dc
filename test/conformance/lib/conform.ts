// Conformance of one backend against the js reference, kernel by kernel, over the cases of some
// families. Tolerances, fp32 vs the float64 reference: rel 1e-4 forward, 1e-3 backward (issue 13's).
import type { Test } from 'tap';
import type { Backend, KernelName } from '../../../src/ts/core/backend.js';
import { JsBackend } from '../../../src/ts/backends/js/index.js';
import { relError, runKernelCase } from './harness.js';
import type { Family, KernelCase } from './harness.js';

export interface ConformanceOptions {
  fwdTol?: number; bwdTol?: number;
  cases?: 'small' | 'full';
  /** Add the families' GPU-sized cases. */
  large?: boolean;
}

const isBackwardKernel = (k: KernelName) => k.includes('Backward');

// Reference outputs, computed once per case in this process: every backend compares with the same.
const ref = new JsBackend({ dtype: 'float64' });
const refCache = new WeakMap<KernelCase, Record<string, Float64Array>>();
function reference(kc: KernelCase): Record<string, Float64Array> {
  let r = refCache.get(kc);
  if (!r) { r = runKernelCase(ref, kc); refCache.set(kc, r); }
  return r;
}
const largeCache = new WeakMap<Family, KernelCase[]>();
function largeCases(f: Family): KernelCase[] {
  let c = largeCache.get(f);
  if (!c) { c = f.large ? f.large() : []; largeCache.set(f, c); }
  return c;
}

/**
 * For every kernel of the families, a sub-test `${name}: ${kernel}` comparing `make()`'s backend with
 * the js reference on every case. A missing kernel, a throw (e.g. 'not implemented') or a leak fails.
 */
export async function conform(t: Test, name: string, make: () => Promise<Backend>, families: Family[],
  opts: ConformanceOptions = {}): Promise<void> {
  const fwdTol = opts.fwdTol ?? 1e-4, bwdTol = opts.bwdTol ?? 1e-3;
  const backend = await make();
  const all = families.flatMap((f) => [...f.cases(opts.cases ?? 'small'), ...(opts.large ? largeCases(f) : [])]);
  const kernels = families.flatMap((f) => Object.keys(f.coverage) as KernelName[]);
  const before = backend.allocated();
  try {
    for (const kernel of kernels) {
      await t.test(`${name}: ${kernel}`, async (tt) => {
        const fn = (backend as unknown as Record<string, unknown>)[kernel];
        if (typeof fn !== 'function') {
          tt.fail(`${name} lacks kernel ${kernel}`);
          return;
        }
        const cases = all.filter((c) => c.kernel === kernel);
        if (cases.length === 0) tt.fail(`conformance table has no case for ${kernel}`);
        const tol = isBackwardKernel(kernel) ? bwdTol : fwdTol;
        for (const kc of cases) {
          let got: Record<string, Float64Array>;
          try {
            got = runKernelCase(backend, kc);
          } catch (e) {
            tt.fail(`${kernel} [${kc.name}] threw: ${(e as Error).message}`);
            continue;
          }
          const want = reference(kc);
          for (const o of kc.outputs) {
            if (kc.exact) {
              // The same elements dropped (bit for bit: same hash); kept values 1/(1-rate) within tolerance.
              const same = got[o].length === want[o].length && got[o].every((v, i) => (v === 0) === (want[o][i] === 0));
              tt.ok(same, `${kernel} [${kc.name}] ${o}: drops exactly the reference's elements`);
            }
            const err = relError(got[o], want[o]);
            tt.ok(err <= tol, `${kernel} [${kc.name}] ${o}: rel error ${err.toExponential(2)} <= ${tol}`);
          }
        }
      });
    }
    t.equal(backend.allocated(), before, `${name}: every buffer the suite allocated was freed (allocated() back to ${before})`);
  } finally {
    backend.dispose();
  }
}
