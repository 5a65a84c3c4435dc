// The wasm backend for the pages' workers. These pages load dist/ unbundled, and initBackend() finds
// the web backends through package.json's "browser" map (backend-table.js -> backend-table.web.js),
// which only bundlers apply; so the web WasmBackend the browser entry exports is created directly.
// `wasm: '/build/'` is the folder: the runtime picks the relaxed-SIMD or plain, threaded or
// single-thread build by what validates and whether the page is cross-origin isolated.
export async function wasmBackend(cn, opts = {}) {
  const b = await cn.WasmBackend.create({ wasm: '/build/', ...opts });
  cn.setBackend(b);
  return b;
}
