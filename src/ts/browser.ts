// The package's entry in browsers and web workers (the "browser" export condition): the portable API
// (portable.ts) with the wasm backend on the web platform. It installs the web backend table itself, so
// it works unbundled too (bundlers also map core/backend-table.js to the web one via package.json).
import { useBackendTable } from './core/registry.js';
import { BUILTIN as WEB_TABLE } from './core/backend-table.web.js';

useBackendTable(WEB_TABLE);

export * from './portable.js';
export { WasmBackend } from './backends/wasm/web.js';
export type { WasmBackendInfo } from './backends/wasm/web.js';
