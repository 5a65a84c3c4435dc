// Public API. Importing it registers nothing: core/registry.ts loads a backend module the first time
// initBackend / createBackend / backendAvailability asks for it.
export * from './core/backend.js';
export * from './core/shape.js';
export * from './core/tensor.js';
export * from './core/registry.js';
export * from './core/random.js';
export * from './nn/module.js';
export * from './io/safetensors.js';
export { JsBackend, JsBuffer, activate, activateGrad, avgDivisor } from './backends/js/index.js';
export type { JsBackendOptions } from './backends/js/index.js';
export { MetaBackend } from './backends/meta/index.js';
export * from './io/onnx.js';
export * from './io/torchvision.js';
export * from './io/images.js';
export { WasmBackend, enableRelaxedSimd, wasmBuild } from './backends/wasm/index.js';
export * as ops from './core/ops.js';
export type { Tracer, TraceRecord } from './core/ops.js';
export * from './nn/index.js';
export { NativeBackend, NativeBackendError, NativeBuffer, nativeUnavailableReason, loadAddon as loadNativeAddon } from './backends/native/index.js';
export {
  listModels, createModel, buildModel, registerModel, modelFamily, closeMatches, kerasParamCount, countMacs, ConvNet,
  buildCustomModel, parseMacroSpec, validate as validateDesign, formatValidation, efficientnet, compoundScale,
  resnetDigits, DEFAULT_MODEL, isModel, listModelPatterns,
} from '../architectures/index.js';
export type { ModelOptions, MacroSpec, StageSpec, Constraints, ValidationReport } from '../architectures/index.js';
export * as architectures from '../architectures/index.js';
export * from './data/index.js';
export * from './train/index.js';
export * as analysis from './analysis/index.js';
