// The relaxed-SIMD build (fused multiply-add), which the CLI and the benchmark runner switch on with
// enableRelaxedSimd(): the whole conformance suite against the js reference, at 1 and 2 threads. Runs
// in its own process (tap gives every file one), so the V8 flag it may set touches no other test.
import t from 'tap';
import { WasmBackend, enableRelaxedSimd, wasmBuild } from '../../src/ts/backends/wasm/index.js';
import { runConformance } from '../helpers/conformance.js';

const on = enableRelaxedSimd();
t.ok(on, 'enableRelaxedSimd() makes the relaxed build validate on this runtime');
t.equal(wasmBuild()?.relaxed, on, 'and the backend picks it');
if (on) {
  const probe = await WasmBackend.create({ threads: 1 });
  t.equal(probe.relaxedSimd, true, 'backend reports relaxed SIMD');
  probe.dispose();
  await runConformance(t, 'wasm relaxed 1 thread', () => WasmBackend.create({ threads: 1 }));
  await runConformance(t, 'wasm relaxed 2 threads', () => WasmBackend.create({ threads: 2, grain: 0 }));
}
