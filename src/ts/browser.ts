// The package's entry in browsers and web workers (the "browser" export condition): everything that
// runs without Node — tensors, ops, nn modules, every architecture, the training primitives (losses,
// optimisers, schedules, clipping), the js reference and the wasm backend on the web platform. File IO,
// image decoding, ONNX export, the CUDA addon and the CLI are Node features of the default entry.
export * from './core/backend.js';
export * from './core/shape.js';
export * from './core/tensor.js';
export * from './core/registry.js';
export * from './core/random.js';
export { ENUMS, KERNELS, RECORDS } from './core/abi.js';
export { convFamily, CONV_KERNELS } from './core/dispatch.js';
export * as ops from './core/ops.js';
export type { Tracer, TraceRecord } from './core/ops.js';
export * from './nn/index.js';
export { JsBackend, JsBuffer, activate, activateGrad, avgDivisor } from './backends/js/index.js';
export type { JsBackendOptions } from './backends/js/index.js';
export { WasmBackend } from './backends/wasm/web.js';
export type { WasmBackendInfo } from './backends/wasm/web.js';
export {
  listModels, createModel, buildModel, registerModel, modelFamily, closeMatches, kerasParamCount, countMacs, ConvNet,
  buildCustomModel, parseMacroSpec, validate as validateDesign, formatValidation, efficientnet, compoundScale,
  resnetDigits, DEFAULT_MODEL, isModel, listModelPatterns,
} from '../architectures/index.js';
export type { ModelOptions, MacroSpec, StageSpec, Constraints, ValidationReport } from '../architectures/index.js';
export * as architectures from '../architectures/index.js';
export * from './train/optim.js';
export * from './train/schedules.js';
export * from './train/clip.js';
export * from './train/losses.js';
export * from './data/transforms.js';
