// Model-level timing: our forward pass (and training step) on one backend, and the same network with
// the same weights on the peers (tfjs replay of a traced forward; onnxruntime through our ONNX
// exporter), each checked against our output before it is timed. Shared by `npm run bench`,
// `convnets bench` and `convnets select | scale`.
import type { Backend } from '../src/ts/core/backend.js';
import { ConvnetsError } from '../src/ts/core/backend.js';
import { setBackend, getBackend, hasBackend } from '../src/ts/core/registry.js';
import { Tensor } from '../src/ts/core/tensor.js';
import { manualSeed } from '../src/ts/nn/init.js';
import { fuseForInference } from '../src/ts/nn/fuse.js';
import { CrossEntropyLoss } from '../src/ts/train/losses.js';
import { SGD } from '../src/ts/train/optim.js';
import { MemoryPlanner } from '../src/ts/nn/memory.js';
import { createModel } from '../src/architectures/index.js';
import type { ConvNet, ModelOptions } from '../src/architectures/index.js';
import { measure, gflops } from './timing.js';
import type { Timing, TimingOptions } from './timing.js';
import {
  traceForward, replayTfjs, loadTfjs, useTfjsBackend, maxRelDiff, exportOnnxBytes, ortSession, nhwcToNchw,
} from './peers.js';
import type { Trace } from './peers.js';
import { runTorchPeer, timingArgs, writeTorchCase, writeTorchWeights } from './torch.js';
import type { TorchInputs, TorchPeerOptions } from './torch.js';

export type PeerName = 'tfjs-wasm' | 'tfjs-cpu' | 'ort-node' | 'ort-web' | 'torch';
export const ALL_PEERS: readonly PeerName[] = ['tfjs-wasm', 'tfjs-cpu', 'ort-node', 'ort-web', 'torch'];
/** Peers that run at our thread count (tfjs has one thread in Node). */
export const THREADED_PEERS: readonly PeerName[] = ['ort-node', 'ort-web', 'torch'];
/** A peer's row name: 'ort-node-2t', 'torch-1t', 'tfjs-wasm'. */
export function peerRuntime(peer: PeerName, threads: number): string {
  return THREADED_PEERS.includes(peer) ? `${peer}-${threads}t` : peer;
}

export interface ModelTiming {
  runtime: string;
  threads: number;
  timing?: Timing;
  gflops?: number;
  maxRelDiff?: number;
  /** Peak RSS of the peer's own process (torch), MB. */
  peakRssMB?: number;
  error?: string;
  note?: string;
}

/** Sum of conv/dense MACs of one traced forward (what GFLOP/s is computed from). */
export function traceMacs(tr: Trace): number {
  let macs = 0;
  for (const r of tr.records) {
    const p = r.params as Record<string, number>;
    if (r.op === 'conv2d' || r.op === 'dwconv2d' || r.op === 'pwconv2d') {
      macs += p.n * p.outH * p.outW * p.outC * p.kH * p.kW * (p.inC / p.groups);
    } else if (r.op === 'dense') macs += p.n * p.inF * p.outF;
  }
  return macs;
}

function withBackend<T>(b: Backend, fn: () => T): T {
  const prev = hasBackend() ? getBackend() : null;
  setBackend(b);
  try { return fn(); } finally { if (prev) setBackend(prev); }
}

export interface Built {
  model: ConvNet; input: Tensor; inputShape: number[]; name: string;
  /** Parameters as built (inference fusion changes the count). */
  params: number;
  /** Our unfused weights on disk for the torch peer's cross-check (keepTorchWeights). */
  torchWeights?: TorchInputs;
  dispose(): void;
}

/**
 * Writes the model's weights for the torch peer now, while the names are torchvision's (inference
 * fusion folds BN into the convs); removed with the model.
 */
export function keepTorchWeights(built: Built): void {
  if (built.torchWeights) return;
  const w = writeTorchWeights(built.model);
  built.torchWeights = w;
  const prev = built.dispose;
  built.dispose = () => { try { prev(); } finally { w.dispose(); } };
}

/** Builds `name` on backend `b` with seeded weights (the same on every backend) and a seeded input. */
export async function buildOn(b: Backend, name: string, batch: number, opts: ModelOptions = {}, seed = 1): Promise<Built> {
  const prev = hasBackend() ? getBackend() : null;
  setBackend(b);
  try {
    manualSeed(seed);
    const model = createModel(name, opts);
    const size = opts.inputSize ?? model.defaultInputSize;
    const ch = model.inputChannels;
    const inputShape = [batch, size, size, ch];
    const input = Tensor.uniform(inputShape, seed + 100, -1, 1, b);
    return { model, input, inputShape, name, params: model.paramCount(), dispose: () => { model.dispose(); input.dispose(); } };
  } finally {
    if (prev) setBackend(prev);
  }
}

/** Times our eval forward; returns the timing and the output (host copy, for peer checks). */
export async function timeOurForward(b: Backend, built: Built, timing: TimingOptions, fuse = true): Promise<{ timing: Timing; output: Float32Array; trace: Trace }> {
  // Inference as engines run it (BN folded into convs, activations fused): the peers do the same.
  if (fuse) withBackend(b, () => fuseForInference(built.model));
  const trace = withBackend(b, () => traceForward(built.model, built.input));
  const output = trace.output.toFloat32();
  built.model.eval();
  const t = await measure(() => withBackend(b, () => {
    const y = built.model.forward(built.input, { training: false });
    // Reading one value back keeps asynchronous backends (native) honest.
    return y.size;
  }), timing);
  return { timing: t, output, trace };
}

/** One SGD training step (forward, cross-entropy, backward, update) timed on backend b. */
export async function timeOurTrainStep(b: Backend, built: Built, timing: TimingOptions): Promise<Timing> {
  const n = built.inputShape[0];
  return withBackend(b, async () => {
    const model = built.model;
    model.train(true);
    const loss = new CrossEntropyLoss();
    const opt = new SGD(model.namedParameters(), { lr: 0.01, momentum: 0.9 });
    const labels = Tensor.from(Array.from({ length: n }, (_, i) => i % 10), [n], b);
    let seed = 1;
    // As the trainer: the step's tensors come from the whole-step memory planner (one arena).
    const planner = new MemoryPlanner();
    const step = (): void => {
      setBackend(b);
      const s = seed++;
      const l = planner.run('train', b, () => {
        const logits = model.forward(built.input, { training: true, seed: s, noInputGrad: built.input });
        const r = loss.forward(logits.reshape([n, logits.size / n]), labels);
        model.backward(loss.backward().reshape(logits.shape));
        return r;
      });
      if (!Number.isFinite(l)) throw new ConvnetsError(`training step: loss is ${l}`);
      opt.step();
    };
    try {
      return await measure(step, timing);
    } finally {
      model.eval();
      loss.dispose(); opt.dispose(); labels.dispose(); planner.dispose();
    }
  });
}

/** Runs the peers on the traced network at `threads`, each verified against `ref` before timing. */
export async function timePeers(peers: readonly PeerName[], built: Built, trace: Trace, ref: Float32Array, threads: number,
  timing: TimingOptions, macs: number, log: (s: string) => void = () => {}, torch: TorchPeerOptions = {}): Promise<ModelTiming[]> {
  const out: ModelTiming[] = [];
  const x = built.input.toFloat32();
  let onnx: Uint8Array | null = null;
  let onnxError: string | null = null;
  for (const peer of peers) {
    const res: ModelTiming = { runtime: peerRuntime(peer, threads), threads: THREADED_PEERS.includes(peer) ? threads : 1 };
    try {
      if (peer === 'torch') {
        Object.assign(res, await torchForward(built, x, ref, threads, timing, torch));
      } else if (peer === 'tfjs-wasm' || peer === 'tfjs-cpu') {
        const tf = await loadTfjs();
        const info = await useTfjsBackend(tf, peer === 'tfjs-wasm' ? 'wasm' : 'cpu');
        if (peer === 'tfjs-cpu' && macs > 1e9) throw new ConvnetsError('skipped: over 1 GMAC on tfjs-cpu (~0.6 GFLOP/s) takes seconds per call');
        res.note = info.note;
        const net = replayTfjs(tf, trace);
        try {
          const y = net.predict(x);
          res.maxRelDiff = maxRelDiff(y, ref);
          if (!(res.maxRelDiff < 1e-3)) throw new ConvnetsError(`output differs from ours (max rel diff ${res.maxRelDiff.toExponential(2)}): not timed`);
          const xt = tf.tensor(x, built.inputShape);
          try {
            res.timing = await measure(() => { const yy = net.run(xt); yy.dataSync(); yy.dispose(); }, timing);
          } finally { xt.dispose(); }
        } finally { net.dispose(); }
      } else {
        if (!onnx && !onnxError) {
          try { onnx = exportOnnxBytes(built.model, built.inputShape); } catch (e) { onnxError = (e as Error).message; }
        }
        if (!onnx) throw new ConvnetsError(`ONNX export failed: ${onnxError}`);
        const [n, h, w, c] = built.inputShape;
        const sess = await ortSession(peer, onnx, threads, [n, c, h, w]);
        try {
          const xc = nhwcToNchw(x, built.inputShape);
          const y = await sess.run(xc);
          res.maxRelDiff = maxRelDiff(y, ref);
          if (!(res.maxRelDiff < 1e-3)) throw new ConvnetsError(`output differs from ours (max rel diff ${res.maxRelDiff.toExponential(2)}): not timed`);
          res.timing = await measure(() => sess.run(xc), timing);
        } finally { await sess.dispose(); }
      }
      if (res.timing && !res.error) {
        res.gflops = gflops(macs, res.timing.median);
        log(`  ${res.runtime}: ${res.timing.median.toFixed(2)} ms`);
      }
    } catch (e) {
      res.error = (e as Error).message;
      log(`  ${res.runtime}: ${res.error}`);
    }
    out.push(res);
  }
  return out;
}

/**
 * torchvision's model of the same name on PyTorch CPU: with our weights (keepTorchWeights) its output
 * is compared with ours before it is timed (the script refuses above 1e-3); without them it runs its
 * own initialisation and only the parameter counts are compared.
 */
async function torchForward(built: Built, x: Float32Array, ref: Float32Array, threads: number, timing: TimingOptions,
  o: TorchPeerOptions): Promise<Partial<ModelTiming>> {
  const [n, h] = built.inputShape;
  const classes = ref.length / n;
  const args = [built.name, '--batch', String(n), '--size', String(h), '--classes', String(classes), ...timingArgs(timing)];
  if (built.torchWeights) args.push(...writeTorchCase(built.torchWeights, x, ref));
  const r = await runTorchPeer('infer', args, threads, o);
  const ours = built.params;
  const notes = [r.note, r.warning ? `WARNING: ${r.warning}` : undefined,
    !built.torchWeights && r.params !== undefined ? `own weights (output not compared); parameters ${r.params === ours ? 'equal ours' : `${r.params} vs ours ${ours}`}` : undefined];
  let error = r.error;
  if (!error && r.params !== undefined && r.params !== ours) error = `torchvision's ${built.name} has ${r.params} parameters, ours ${ours}: not the same network`;
  return { timing: error ? undefined : r.timing, maxRelDiff: r.maxRelDiff, peakRssMB: r.peakRssMB, error, note: notes.filter(Boolean).join('; ') || undefined };
}
