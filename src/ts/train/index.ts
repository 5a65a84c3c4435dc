// Training: optimisers, schedules, clipping, losses, the fit() loop (the default digits
// model is registered in src/architectures as resnet_digits).
export * from './optim.js';
export * from './schedules.js';
export * from './clip.js';
export * from './losses.js';
export * from './trainer.js';
export * from './callbacks.js';
export { evaluateModel, evalProgress } from './evaluate.js';
export type { EvaluateOptions, EvalProgress } from './evaluate.js';
