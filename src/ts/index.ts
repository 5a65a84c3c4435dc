// Public API in Node: the portable API (./portable.ts, also the browser entry's) plus the Node features:
// the wasm backend on the Node platform (files, worker_threads), file IO (safetensors, torchvision .pth,
// ONNX, images), datasets, the fit() loop, analyses, the CUDA addon. Importing it registers nothing:
// core/registry.ts loads a backend module the first time initBackend / createBackend asks for it.
export * from './portable.js';
export { WasmBackend, enableRelaxedSimd, wasmBuild } from './backends/wasm/index.js';
export type { WasmBackendInfo } from './backends/wasm/index.js';
export { MetaBackend } from './backends/meta/index.js';
export { NativeBackend, NativeBackendError, NativeBuffer, nativeUnavailableReason, loadAddon as loadNativeAddon } from './backends/native/index.js';
export * from './io/safetensors.js';
export * from './io/onnx.js';
export * from './io/torchvision.js';
export * from './io/images.js';
export * from './io/pth.js';
export * from './io/weights.js';
export * from './predict/classify.js';
export { resizeCenterCrop } from './io/resize.js';
export type { Interpolation, ResampleMode } from './io/resize.js';
export * from './data/index.js';
export * from './train/index.js';
export * as analysis from './analysis/index.js';
