// The API that runs anywhere (Node, browsers, web workers): tensors, ops, nn modules, every
// architecture, the training primitives (losses, optimisers, schedules, clipping, the batching loader),
// the js reference. No side effects: browser.ts and index.ts add their platform's wasm backend and
// backend table (and index.ts the Node features: file IO, image decoding, ONNX, the CUDA addon).
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
export * from './data/dataset.js';
export * from './data/loader.js';
