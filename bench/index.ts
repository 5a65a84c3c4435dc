// `convnets/bench`: model-level timing against the peers (tfjs replay, onnxruntime through our ONNX
// exporter) and the timing helpers, for `npm run bench`, `convnets bench` and library users. The peers
// and benchmark.js are optional peer dependencies: a missing one is a "not installed" reason, never a crash.
export * from './timing.js';
export { traceForward, replayTfjs, loadTfjs, useTfjsBackend, maxRelDiff, exportOnnxBytes, ortSession, nhwcToNchw, tfjsTrainAttempt, importPeer } from './peers.js';
export type { Trace, TfjsBackendName, TfjsNetwork, OrtKind, OrtNetwork } from './peers.js';
export { ALL_PEERS, buildOn, timeOurForward, timeOurTrainStep, timePeers, traceMacs } from './models.js';
export type { PeerName, ModelTiming, Built } from './models.js';
