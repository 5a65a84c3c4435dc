// The built-in backends in browsers and web workers (package.json "browser" maps backend-table.js here):
// wasm on the web platform, then the js reference.
import type { BackendModule } from './registry.js';

export type BackendName = 'js' | 'wasm';

export const BUILTIN: Readonly<Record<string, () => Promise<BackendModule>>> = {
  wasm: () => import('../backends/wasm/web.js'),
  js: () => import('../backends/js/index.js'),
};

export const ALIASES: Readonly<Record<string, BackendName>> = {};
