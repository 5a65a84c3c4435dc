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

export type PeerName = 'tfjs-wasm' | 'tfjs-cpu' | 'ort-node' | 'ort-web';
export const ALL_PEERS: readonly PeerName[] = ['tfjs-wasm', 'tfjs-cpu', 'ort-node', 'ort-web'];

export interface ModelTiming {
  runtime: string;
  threads: number;
  timing?: Timing;
  gflops?: number;
  maxRelDiff?: number;
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

export interface Built { model: ConvNet; input: Tensor; inputShape: number[]; dispose(): void; }

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
    return { model, input, inputShape, dispose: () => { model.dispose(); input.dispose(); } };
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
  timing: TimingOptions, macs: number, log: (s: string) => void = () => {}): Promise<ModelTiming[]> {
  const out: ModelTiming[] = [];
  const x = built.input.toFloat32();
  let onnx: Uint8Array | null = null;
  let onnxError: string | null = null;
  for (const peer of peers) {
    const res: ModelTiming = { runtime: peer.startsWith('ort') ? `${peer}-${threads}t` : peer, threads: peer.startsWith('ort') ? threads : 1 };
    try {
      if (peer === 'tfjs-wasm' || peer === 'tfjs-cpu') {
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
      if (res.timing) {
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
