// The chapter's analyses and the benchmark helpers, as a library (exported as `analysis` from the package).
export * from './svg.js';
export * from './accuracy.js';
export * from './scale.js';
export * from './explain.js';
export * from './select.js';
export * from './gradflow.js';
export * from './timing.js';
export { traceForward, replayTfjs, maxRelDiff, exportOnnxBytes, ortSession, nhwcToNchw } from './peers.js';
export { ALL_PEERS, buildOn, timeOurForward, timeOurTrainStep, timePeers, traceMacs } from './modelbench.js';
export type { PeerName, ModelTiming } from './modelbench.js';
