// The wasm backend in browsers and web workers (see platform-web.ts for where the build comes from and
// when threads run). The contract is implemented once in backend.ts; this file binds it to the web.
import type { BackendFactory, BackendOptions } from '../../core/registry.js';
import { WasmKernels } from './backend.js';
import { WasmRuntime } from './runtime.js';
import { webPlatform } from './platform-web.js';

export { WasmBuffer } from './runtime.js';
export type { WasmBackendInfo } from './runtime.js';

export class WasmBackend extends WasmKernels {
  /**
   * opts.threads (default: the cores where threads can run, else 1), opts.grain, opts.wasm: a folder URL
   * ending in '/' (the backend picks the build), a file URL, bytes or a compiled WebAssembly.Module.
   */
  static async create(opts: BackendOptions = {}): Promise<WasmBackend> {
    return new WasmBackend(await WasmRuntime.create(opts, webPlatform));
  }
}

/** Why the wasm backend cannot run here, or null (the build's URL is checked when it is fetched). */
export async function wasmUnavailableReason(): Promise<string | null> {
  return typeof WebAssembly === 'object' && typeof WebAssembly.compile === 'function' ? null : 'this runtime has no WebAssembly';
}

export const factory: BackendFactory = {
  unavailableReason: wasmUnavailableReason,
  create: (opts?: BackendOptions) => WasmBackend.create(opts),
};
