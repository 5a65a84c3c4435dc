// The wasm backend for the pages' workers. The browser entry (dist/src/ts/browser.js) installs the web
// backend table itself, so initBackend() works unbundled as well as through a bundler.
// `wasm: '/build/'` is the folder: the runtime picks the relaxed-SIMD or plain, threaded or
// single-thread build by what validates and whether the page is cross-origin isolated.
export async function wasmBackend(cn, opts = {}) {
  return cn.initBackend('wasm', { wasm: '/build/', ...opts });
}
