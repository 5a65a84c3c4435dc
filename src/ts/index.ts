// Public API. Importing the package registers every backend (native/wasm report unavailability themselves).
export * from './core/backend.js';
export * from './core/shape.js';
export * from './core/tensor.js';
export * from './core/registry.js';
export * from './core/random.js';
export * from './nn/module.js';
export * from './io/safetensors.js';
export * from './backends/js/index.js';
export * from './io/onnx.js';
export * from './io/torchvision.js';
export * from './io/images.js';
export * from './io/pth.js';
export * from './io/weights.js';
export * from './io/classify.js';
export { resizeCenterCrop } from './io/resize.js';
export type { Interpolation, ResampleMode } from './io/resize.js';
export { WasmBackend, enableRelaxedSimd, wasmBuild } from './backends/wasm/index.js';
export * as ops from './core/ops.js';
export type { Tracer, TraceRecord } from './core/ops.js';
export * from './nn/index.js';
export { NativeBackend, NativeBackendError, NativeBuffer, nativeUnavailableReason, loadAddon as loadNativeAddon } from './backends/native/index.js';
export {
  listModels, createModel, registerModel, modelFamily, closeMatches, kerasParamCount, countMacs, ConvNet,
  buildCustomModel, parseMacroSpec, validate as validateDesign, formatValidation, efficientnet, compoundScale,
} from '../architectures/index.js';
export type { ModelOptions, MacroSpec, StageSpec, Constraints, ValidationReport } from '../architectures/index.js';
export * as architectures from '../architectures/index.js';
export * from './data/index.js';
export * from './train/index.js';
export * as analysis from './analysis/index.js';
