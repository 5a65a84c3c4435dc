// The one shared body a family's test file runs (runFamily): js value checks and gradient checks, then
// conformance (./conform.ts) on js float32, wasm at 1, 2 and 3 threads (+ the full cases, + the GPU-sized
// ones with CONVNETS_CONFORMANCE_LARGE=1), the relaxed-SIMD wasm build, the cpu backend on every ISA
// path this CPU runs at 1, 2 and 3 threads (+ the full and GPU-sized cases), and cuda with its
// GPU-sized cases (skipped, saying why, without a GPU).
import type { Test } from 'tap';
import { backendAvailability, createBackend } from '../../../src/ts/core/registry.js';
import { JsBackend } from '../../../src/ts/backends/js/index.js';
import { WasmBackend, enableRelaxedSimd, wasmBuild } from '../../../src/ts/backends/wasm/index.js';
import { CpuBackend, cpuInfo, loadCpuAddon } from '../../../src/ts/backends/native/cpu.js';
import { conform } from './conform.js';
import { checkGradient } from './gradcheck.js';
import { relError } from './harness.js';
import type { Family } from './harness.js';

/** Value checks (js float64 and float32) and finite-difference gradient checks (js float64) of a family. */
async function jsChecks(t: Test, fam: Family): Promise<void> {
  for (const [dtype, tol] of [['float64', 1e-12], ['float32', 1e-5]] as const) {
    await t.test(`${fam.name} values, js ${dtype}`, async (tt) => {
      const b = new JsBackend({ dtype });
      for (const [kernel, cov] of Object.entries(fam.coverage)) {
        for (const check of cov.values) {
          const { got, want } = check.run(b);
          const err = relError(got, want);
          tt.ok(err <= tol, `${kernel}: ${check.what} (error ${err.toExponential(2)})`, err <= tol ? {} : { got: Array.from(got), want: Array.from(want) });
        }
      }
      tt.equal(b.allocated(), 0, 'the checks freed every buffer');
    });
  }
  const TOL = 1e-6;
  for (const spec of fam.gradchecks()) {
    await t.test(`gradcheck ${spec.name}`, async (tt) => {
      const r = checkGradient(spec);
      for (const k of spec.wrt) {
        tt.ok(r.errors[k] <= TOL, `d/d${k} (${r.checked[k]} elements): error ${r.errors[k].toExponential(2)} <= ${TOL}` +
          ` [${[spec.forwardKernel, ...spec.backwardKernels].join(', ')}]`);
      }
    });
  }
}

/** The whole test body of one family, on every backend. */
export async function runFamily(t: Test, fam: Family): Promise<void> {
  const families = [fam];
  await jsChecks(t, fam);
  // js float32 against js float64: checks the harness end to end and the reference's float32 rounding.
  await conform(t, 'js float32', async () => new JsBackend({ dtype: 'float32' }), families);

  const large = process.env.CONVNETS_CONFORMANCE_LARGE === '1';
  const whyWasm = await backendAvailability('wasm');
  if (whyWasm) {
    t.fail(`wasm backend unavailable: ${whyWasm}`);
  } else {
    await conform(t, 'wasm 1 thread', () => WasmBackend.create({ threads: 1 }), families);
    // grain 0: every kernel splits across all threads even on these tiny shapes.
    await conform(t, 'wasm 2 threads', () => WasmBackend.create({ threads: 2, grain: 0 }), families);
    await conform(t, 'wasm 3 threads', () => WasmBackend.create({ threads: 3, grain: 0 }), families);
    // The larger, real-layer-like cases with the default grain, so kernels split work as in real models.
    await conform(t, large ? 'wasm 2 threads (full + GPU-sized cases)' : 'wasm 2 threads (full cases)',
      () => WasmBackend.create({ threads: 2 }), families, { cases: 'full', large });

    // The relaxed-SIMD build (fused multiply-add), as the CLI and benchmarks switch it on. It may set a
    // process-wide V8 flag, so it comes after every plain-build run of this file (tap gives each file a process).
    const on = enableRelaxedSimd();
    t.ok(on, 'enableRelaxedSimd() makes the relaxed build validate on this runtime');
    t.equal(wasmBuild()?.relaxed, on, 'and the backend picks it');
    if (on) {
      const probe = await WasmBackend.create({ threads: 1 });
      t.equal(probe.relaxedSimd, true, 'backend reports relaxed SIMD');
      probe.dispose();
      await conform(t, 'wasm relaxed 1 thread', () => WasmBackend.create({ threads: 1 }), families);
      await conform(t, 'wasm relaxed 2 threads', () => WasmBackend.create({ threads: 2, grain: 0 }), families);
    }
  }

  await conformCpu(t, families);

  // The CUDA backend (TF32 off), GPU-sized cases included. CONVNETS_NO_CUDNN=1 / CONVNETS_NO_CUBLAS=1 select
  // the own-kernel paths; scripts/gpu-check.sh runs the suite on a lent GPU machine.
  const whyNative = await backendAvailability('cuda');
  if (whyNative) {
    t.comment(`SKIP cuda conformance (needs a CUDA GPU): ${whyNative}`);
    t.pass(`skipped: ${whyNative}`);
  } else {
    const cases = process.env.CONVNETS_CONFORMANCE_FULL ? 'full' : 'small';
    await conform(t, 'cuda', () => createBackend('cuda', { tf32: false }), families, { cases, large: true });
  }
}

/**
 * The cpu backend: every ISA path compiled in that this CPU runs (one it cannot run is skipped, saying
 * why), each at 1 thread and at 2 and 3 threads with grain 0 (every kernel splits even on tiny shapes),
 * plus the full cases at 2 threads with the default grain; the GPU-sized cases on the widest path.
 * The CPU addon is built by `npm ci` everywhere (cmake + a C++ compiler): its absence is a failure.
 */
async function conformCpu(t: Test, families: Family[]): Promise<void> {
  const l = loadCpuAddon();
  if (!l.addon) {
    t.fail(`cpu backend unavailable: ${l.error}`);
    return;
  }
  const addon = l.addon;
  const info = cpuInfo()!;
  let first = true;
  for (const isa of info.isas) {
    if (!isa.runs) {
      t.comment(`SKIP cpu ${isa.name} conformance: ${isa.why}`);
      t.pass(`cpu ${isa.name} skipped: ${isa.why}`);
      continue;
    }
    const make = (threads: number, grain?: number) => async () => new CpuBackend(addon, { threads, isa: isa.name, grain });
    await conform(t, `cpu ${isa.name} 1 thread`, make(1), families);
    await conform(t, `cpu ${isa.name} 2 threads`, make(2, 0), families);
    await conform(t, `cpu ${isa.name} 3 threads`, make(3, 0), families);
    await conform(t, `cpu ${isa.name} 2 threads (full${first ? ' + GPU-sized' : ''} cases)`, make(2), families,
      { cases: 'full', large: first });
    first = false;
  }
}
