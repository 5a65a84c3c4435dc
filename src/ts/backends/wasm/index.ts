// The wasm backend in Node: AssemblyScript kernels (assembly/ -> build/*.wasm), SIMD128 (+ relaxed SIMD
// where the runtime validates it), threads over one shared memory (worker_threads). The contract is
// implemented once in backend.ts over the platform-neutral runtime.ts; this file binds it to Node.
import type { BackendFactory, BackendOptions } from '../../core/registry.js';
import { WasmKernels } from './backend.js';
import { WasmRuntime } from './runtime.js';
import { nodePlatform, wasmUnavailableReason } from './platform-node.js';

export { enableRelaxedSimd, wasmBuild, wasmUnavailableReason } from './platform-node.js';
export { WasmBuffer } from './runtime.js';
export type { WasmBackendInfo } from './runtime.js';

export class WasmBackend extends WasmKernels {
  /** opts.threads (default: the cores), opts.grain, opts.wasm (a path, folder, bytes or compiled module). */
  static async create(opts: BackendOptions = {}): Promise<WasmBackend> {
    return new WasmBackend(await WasmRuntime.create(opts, nodePlatform));
  }
}

/** The wasm backend for the core's backend table (core/backend-table.ts). */
export const factory: BackendFactory = {
  unavailableReason: wasmUnavailableReason,
  create: (opts?: BackendOptions) => WasmBackend.create(opts),
};
