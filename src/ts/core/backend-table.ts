// The built-in backends in Node; the key order is the priority order of initBackend(). Browser bundles
// get backend-table.web.ts instead (package.json "browser" map): no CUDA addon, the web wasm platform.
import type { BackendModule } from './registry.js';

export type BackendName = 'js' | 'wasm' | 'native';

export const BUILTIN: Readonly<Record<string, () => Promise<BackendModule>>> = {
  native: () => import('../backends/native/index.js'),
  wasm: () => import('../backends/wasm/index.js'),
  js: () => import('../backends/js/index.js'),
};
