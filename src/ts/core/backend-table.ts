// The built-in backends in Node; the key order is the priority order of initBackend(): a GPU (cuda),
// the native CPU kernels (cpu), WebAssembly (wasm), the js reference. Browser bundles get
// backend-table.web.ts instead (package.json "browser" map): no addons, the web wasm platform.
import type { BackendModule } from './registry.js';

export type BackendName = 'js' | 'wasm' | 'cpu' | 'cuda';

export const BUILTIN: Readonly<Record<string, () => Promise<BackendModule>>> = {
  cuda: () => import('../backends/native/index.js'),
  cpu: () => import('../backends/native/cpu.js'),
  wasm: () => import('../backends/wasm/index.js'),
  js: () => import('../backends/js/index.js'),
};

/** Older names that still select a backend: 'native' was the CUDA backend's name before 'cpu' existed. */
export const ALIASES: Readonly<Record<string, BackendName>> = { native: 'cuda' };
