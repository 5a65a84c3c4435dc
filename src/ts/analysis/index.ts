// The chapter's analyses, as a library (exported as `analysis` from the package). Timing and the
// peer comparisons are benchmark code: `convnets/bench` (bench/index.ts).
export * from './svg.js';
export * from './accuracy.js';
export * from './scale.js';
export * from './explain.js';
export * from './select.js';
export * from './gradflow.js';
