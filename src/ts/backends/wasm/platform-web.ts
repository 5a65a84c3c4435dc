// The wasm backend's browser platform (pages, web workers, edge runtimes with WebAssembly): the build
// comes from a URL (default: the package's build/ folder next to this file, written as
// `new URL(..., import.meta.url)` so bundlers copy the files), bytes, or a compiled module. Threads are
// Web Workers over shared memory, which browsers give only to cross-origin-isolated pages (COOP
// same-origin + COEP require-corp); elsewhere the single-thread build runs over plain memory (still
// SIMD). The pool blocks its caller with Atomics.wait, which a page's main thread may not do: threads > 1
// run in a dedicated worker; on the main thread the backend runs one thread.
import { ConvnetsError } from '../../core/backend.js';
import type { BackendOptions } from '../../core/registry.js';
import type { WasmPlatform } from './runtime.js';
import { ThreadPool, workerLoop } from './threads.js';

/** The four builds: threaded (shared memory) or single, relaxed SIMD or plain. Literal URLs for bundlers. */
function defaultUrls(shared: boolean): [URL, URL] {
  return shared
    ? [new URL('../../../../../build/convnets-relaxed.wasm', import.meta.url), new URL('../../../../../build/convnets.wasm', import.meta.url)]
    : [new URL('../../../../../build/convnets-single-relaxed.wasm', import.meta.url), new URL('../../../../../build/convnets-single.wasm', import.meta.url)];
}

function folderUrls(folder: string, shared: boolean): [string, string] {
  const base = folder.endsWith('/') ? folder : `${folder}/`;
  return shared ? [`${base}convnets-relaxed.wasm`, `${base}convnets.wasm`] : [`${base}convnets-single-relaxed.wasm`, `${base}convnets-single.wasm`];
}

async function fetchBytes(url: string | URL): Promise<ArrayBuffer> {
  let r: Response;
  try { r = await fetch(url); } catch (e) { throw new ConvnetsError(`wasm backend: cannot fetch ${String(url)}: ${(e as Error).message}`); }
  if (!r.ok) throw new ConvnetsError(`wasm backend: fetching ${String(url)} answered ${r.status} ${r.statusText}`);
  return r.arrayBuffer();
}

/** The relaxed build where this browser validates it, else the plain one. */
async function pick(relaxedUrl: string | URL, plainUrl: string | URL): Promise<{ module: WebAssembly.Module; relaxed: boolean }> {
  try {
    const bytes = await fetchBytes(relaxedUrl);
    if (WebAssembly.validate(bytes)) return { module: await WebAssembly.compile(bytes), relaxed: true };
  } catch { /* fall back to the plain build */ }
  return { module: await WebAssembly.compile(await fetchBytes(plainUrl)), relaxed: false };
}

const isWorkerScope = (): boolean =>
  typeof (globalThis as { WorkerGlobalScope?: unknown }).WorkerGlobalScope !== 'undefined' &&
  typeof (globalThis as { importScripts?: unknown }).importScripts === 'function';

export const webPlatform: WasmPlatform = {
  name: 'web',
  async load(opts: BackendOptions, shared: boolean) {
    const w = opts.wasm;
    if (w instanceof WebAssembly.Module) return { module: w, relaxed: false, shared: null };
    if (w instanceof ArrayBuffer || ArrayBuffer.isView(w)) {
      try { return { module: await WebAssembly.compile(w as BufferSource), relaxed: false, shared: null }; } catch (e) {
        throw new ConvnetsError(`wasm backend: the bytes given as opts.wasm do not compile: ${(e as Error).message}`);
      }
    }
    if (typeof w === 'string' || w instanceof URL) {
      const s = String(w);
      if (s.endsWith('/')) return { ...(await pick(...folderUrls(s, shared))), shared };
      return { module: await WebAssembly.compile(await fetchBytes(w)), relaxed: /relaxed/.test(s), shared: !/single/.test(s) };
    }
    if (w !== undefined && w !== null) throw new ConvnetsError(`wasm backend: opts.wasm must be a URL, folder URL, bytes or WebAssembly.Module, got ${typeof w}`);
    return { ...(await pick(...defaultUrls(shared))), shared };
  },
  cores: () => {
    const n = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency ?? 1;
    // One thread where threads cannot run (no isolation, or the main thread): a default must not fail.
    return webPlatform.sharedMemory() || webPlatform.blockingRefused() ? 1 : Math.max(1, n);
  },
  sharedMemory: () => {
    if (typeof SharedArrayBuffer !== 'function') return 'this page cannot have (it is not cross-origin isolated: serve it with COOP same-origin and COEP require-corp)';
    if ((globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === false) {
      return 'this page cannot have (it is not cross-origin isolated: serve it with COOP same-origin and COEP require-corp)';
    }
    return null;
  },
  blockingRefused: () => (isWorkerScope() ? null
    : 'the thread pool blocks its caller (Atomics.wait), which a page\'s main thread may not do: run the model in a dedicated Web Worker'),
  startPool(size, module, memory, entries) {
    const source = workerLoop('await new Promise((r) => { self.onmessage = (e) => r(e.data); })', "self.postMessage('ready')");
    const url = URL.createObjectURL(new Blob([`(async () => {${source}})();`], { type: 'text/javascript' }));
    return ThreadPool.start(size, module, memory, entries, (init) => {
      const worker = new Worker(url);
      const ready = new Promise<void>((resolve, reject) => {
        worker.onmessage = () => resolve();
        worker.onerror = (e) => reject(new ConvnetsError(`wasm backend: a worker thread failed to start: ${e.message}`));
      });
      worker.postMessage(init);
      return { ready, terminate: () => worker.terminate() };
    });
  },
};
