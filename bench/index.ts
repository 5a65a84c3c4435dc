// `convnets/bench`: model-level timing against the peers (tfjs replay, onnxruntime through our ONNX
// exporter, PyTorch CPU as a subprocess) and the timing helpers, for `npm run bench`, `convnets bench` and library users. The peers
// and benchmark.js are optional peer dependencies: a missing one is a "not installed" reason, never a crash.
export * from './timing.js';
export { traceForward, replayTfjs, loadTfjs, useTfjsBackend, maxRelDiff, exportOnnxBytes, ortSession, nhwcToNchw, tfjsTrainAttempt, importPeer } from './peers.js';
export type { Trace, TfjsBackendName, TfjsNetwork, OrtKind, OrtNetwork } from './peers.js';
export { ALL_PEERS, THREADED_PEERS, buildOn, keepTorchWeights, peerRuntime, timeOurForward, timeOurTrainStep, timePeers, traceMacs } from './models.js';
export { runTorchPeer, timingArgs, torchPython, torchScript, writeTorchWeights, TORCH_INSTALL } from './torch.js';
export type { TorchPeerOptions, TorchResult, TorchInputs } from './torch.js';
export type { PeerName, ModelTiming, Built } from './models.js';
