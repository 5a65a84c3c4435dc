// The wasm backend's Node platform: the builds are files found next to the package (or given as bytes,
// a compiled module, a path, or a folder in `opts.wasm` / CONVNETS_WASM_DIR: what a bundled app needs),
// threads are worker_threads, and relaxed SIMD can be switched on for the process.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { setFlagsFromString } from 'node:v8';
import { Worker } from 'node:worker_threads';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConvnetsError } from '../../core/backend.js';
import type { BackendOptions } from '../../core/registry.js';
import type { WasmPlatform } from './runtime.js';
import { ThreadPool, workerLoop } from './threads.js';

/** The folders searched for build/<name>: CONVNETS_WASM_DIR, then up from this file (src/ or dist/). */
function findBuild(name: string): string | null {
  const dir = process.env.CONVNETS_WASM_DIR;
  if (dir) return existsSync(join(dir, name)) ? join(dir, name) : null;
  let d = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 7; i++) {
    const p = join(d, 'build', name);
    if (existsSync(p)) return p;
    d = dirname(d);
  }
  return null;
}

let relaxedOk: boolean | null = null;

/**
 * Lets this process use the relaxed-SIMD build (fused multiply-add: 1.2-1.4x on conv-heavy models)
 * on runtimes that ship relaxed SIMD behind a flag (Node 20: --experimental-wasm-relaxed-simd) by
 * setting that V8 flag at run time. V8 reads wasm feature flags when it validates/compiles a module,
 * so this must run before the first wasm backend is created; the flag is process-wide, so only
 * entry points that own the process (the CLI, the benchmark runner) call it, never the library on
 * its own. Returns whether the relaxed build validates afterwards; CONVNETS_WASM_RELAXED=0 opts out.
 */
export function enableRelaxedSimd(): boolean {
  const relaxed = findBuild('convnets-relaxed.wasm');
  if (!relaxed || process.env.CONVNETS_WASM_RELAXED === '0') return false;
  const bytes = readFileSync(relaxed);
  if (!WebAssembly.validate(bytes)) setFlagsFromString('--experimental-wasm-relaxed-simd');
  relaxedOk = WebAssembly.validate(bytes);
  return relaxedOk;
}

/**
 * Which wasm build a backend created now runs: its file, and whether it is the relaxed-SIMD one (used
 * where this runtime validates it; Node 20 needs --experimental-wasm-relaxed-simd or enableRelaxedSimd()).
 */
export function wasmBuild(): { path: string; relaxed: boolean } | null {
  const plain = findBuild('convnets.wasm');
  const relaxed = findBuild('convnets-relaxed.wasm');
  if (relaxed && process.env.CONVNETS_WASM_RELAXED !== '0') {
    if (relaxedOk === null) relaxedOk = WebAssembly.validate(readFileSync(relaxed));
    if (relaxedOk) return { path: relaxed, relaxed: true };
  }
  return plain ? { path: plain, relaxed: false } : null;
}

const MISSING = 'build/convnets.wasm was not found next to the package (a bundled app: copy build/*.wasm next to it and set ' +
  'CONVNETS_WASM_DIR, or pass { wasm: <path, folder, bytes or WebAssembly.Module> }; in a checkout: npm run build:wasm)';

/** Why the wasm backend cannot run here, or null. */
export async function wasmUnavailableReason(): Promise<string | null> {
  if (typeof WebAssembly !== 'object' || typeof SharedArrayBuffer !== 'function') return 'WebAssembly or SharedArrayBuffer is not available';
  const b = wasmBuild();
  if (!b) return MISSING;
  try {
    if (!WebAssembly.validate(readFileSync(b.path))) return `${b.path} does not validate (this runtime lacks WebAssembly SIMD/threads?)`;
  } catch (e) {
    return `cannot read ${b.path}: ${(e as Error).message}`;
  }
  return null;
}

const compiled = new Map<string, WebAssembly.Module>();

function compileFile(path: string): WebAssembly.Module {
  let m = compiled.get(path);
  if (!m) {
    let bytes: Buffer;
    try { bytes = readFileSync(path); } catch (e) { throw new ConvnetsError(`wasm backend: cannot read ${path}: ${(e as Error).message}`); }
    try { m = new WebAssembly.Module(bytes as unknown as BufferSource); } catch (e) { throw new ConvnetsError(`wasm backend: ${path} does not compile: ${(e as Error).message}`); }
    compiled.set(path, m);
  }
  return m;
}

export const nodePlatform: WasmPlatform = {
  name: 'node',
  async load(opts: BackendOptions) {
    const w = opts.wasm;
    if (w instanceof WebAssembly.Module) return { module: w, relaxed: false, shared: null };
    if (w instanceof ArrayBuffer || ArrayBuffer.isView(w)) {
      try { return { module: new WebAssembly.Module(w as BufferSource), relaxed: false, shared: null }; } catch (e) {
        throw new ConvnetsError(`wasm backend: the bytes given as opts.wasm do not compile: ${(e as Error).message}`);
      }
    }
    if (typeof w === 'string' || w instanceof URL) {
      const path = w instanceof URL || w.startsWith('file:') ? fileURLToPath(w) : w;
      const isDir = existsSync(path) && statSync(path).isDirectory();
      if (!isDir) return { module: compileFile(path), relaxed: /relaxed/.test(path), shared: !/single/.test(path) };
      const relaxed = join(path, 'convnets-relaxed.wasm'), plain = join(path, 'convnets.wasm');
      if (existsSync(relaxed) && process.env.CONVNETS_WASM_RELAXED !== '0' && WebAssembly.validate(readFileSync(relaxed))) {
        return { module: compileFile(relaxed), relaxed: true, shared: true };
      }
      if (!existsSync(plain)) throw new ConvnetsError(`wasm backend: ${plain} not found (opts.wasm names a folder without the builds)`);
      return { module: compileFile(plain), relaxed: false, shared: true };
    }
    if (w !== undefined && w !== null) throw new ConvnetsError(`wasm backend: opts.wasm must be a path, URL, folder, bytes or WebAssembly.Module, got ${typeof w}`);
    const b = wasmBuild();
    if (!b) throw new ConvnetsError(`wasm backend: ${MISSING}`);
    return { module: compileFile(b.path), relaxed: b.relaxed, shared: true };
  },
  cores: () => availableParallelism(),
  sharedMemory: () => (typeof SharedArrayBuffer === 'function' ? null : 'this runtime lacks SharedArrayBuffer'),
  blockingRefused: () => null,
  startPool(size, module, memory, entries) {
    const source = workerLoop("require('node:worker_threads').workerData", "require('node:worker_threads').parentPort.postMessage('ready')");
    return ThreadPool.start(size, module, memory, entries, (init) => {
      const w = new Worker(source, { eval: true, workerData: init });
      w.unref(); // an idle pool never keeps the process alive
      const ready = new Promise<void>((resolve, reject) => {
        w.once('message', () => resolve());
        w.once('error', reject);
      });
      return { ready, terminate: () => { void w.terminate().catch(() => 0); } };
    });
  },
};
