// Every kernel of the contract on the wasm backend, single-threaded and with 2 threads, against the js
// float64 reference on the harness's awkward shapes (fp32: rel 1e-4 forward, 1e-3 backward).
import t from 'tap';
import { backendAvailability } from '../../src/ts/core/registry.js';
import { WasmBackend } from '../../src/ts/backends/wasm/index.js';
import { runConformance } from '../helpers/conformance.js';

const why = await backendAvailability('wasm');
if (why) {
  t.fail(`wasm backend unavailable: ${why}`);
} else {
  await runConformance(t, 'wasm 1 thread', () => WasmBackend.create({ threads: 1 }));
  // grain 0: every kernel splits across both threads even on these tiny shapes.
  await runConformance(t, 'wasm 2 threads', () => WasmBackend.create({ threads: 2, grain: 0 }));
  await runConformance(t, 'wasm 3 threads', () => WasmBackend.create({ threads: 3, grain: 0 }));
}
