// Peer runtimes for side-by-side timing: the SAME network with the SAME weights, rebuilt from one
// traced forward pass of our model (core/ops.ts setTracer).
// - tfjs (tfjs-backend-wasm = XNNPACK, tfjs-backend-cpu = plain JS): the trace is replayed with tfjs
//   ops in NHWC, as the tfjs converter would emit it (BN folded into the conv before it, ReLU-family
//   activations fused into the conv/matmul epilogue; both exact up to float rounding).
// - onnxruntime-node (MLAS) and onnxruntime-web (wasm): through our ONNX exporter (src/ts/io/onnx.ts).
// Peers are optional peer dependencies of convnets/bench (devDependencies here): every loader goes
// through importPeer, so a missing package is a "not installed" reason, not a crash.
import { ConvnetsError } from '../src/ts/core/backend.js';
import type { Conv2dParams, Pool2dParams, BatchNormParams, ActivationKind, DenseParams } from '../src/ts/core/backend.js';
import { setTracer } from '../src/ts/core/ops.js';
import { adaptivePoolMatrix } from '../src/ts/core/shape.js';
import type { TraceRecord } from '../src/ts/core/ops.js';
import type { Tensor } from '../src/ts/core/tensor.js';
import type { Module } from '../src/ts/nn/module.js';
import { exportOnnx } from '../src/ts/io/onnx.js';

/**
 * Loads an optional peer package: a ConvnetsError saying "<pkg> is not installed" when it is missing,
 * or why it failed to load. `load` is a literal import() so bundlers and the layer test can see it.
 */
export async function importPeer<T>(pkg: string, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (e) {
    const err = e as { code?: string; message?: string };
    // By message too: loaders (tap's TypeScript hook, bundlers) may rethrow without Node's code.
    const missing = (err.code === 'ERR_MODULE_NOT_FOUND' || err.code === 'MODULE_NOT_FOUND' || /Cannot find (package|module)/.test(err.message ?? ''))
      && (err.message ?? '').includes(`'${pkg}'`);
    if (missing) throw new ConvnetsError(`${pkg} is not installed (an optional peer of convnets/bench: npm install ${pkg})`);
    throw new ConvnetsError(`cannot load ${pkg}: ${err.message ?? String(e)}`);
  }
}

export interface Trace { records: TraceRecord[]; input: Tensor; output: Tensor; }

/** Runs one eval-mode forward with a tracer installed; returns the records and the model's output. */
export function traceForward(model: Module, x: Tensor): Trace {
  const records: TraceRecord[] = [];
  const wasTraining = model.training;
  model.eval();
  const prev = setTracer({ record: (r) => records.push(r) });
  let output: Tensor;
  try {
    output = model.forward(x, { training: false });
  } finally {
    setTracer(prev);
    if (wasTraining) model.train(true);
  }
  return { records, input: x, output };
}

/** Largest |a-b| relative to max |b| (1e-30 guarded): the agreement check before timing. */
export function maxRelDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let d = 0, m = 0;
  for (let i = 0; i < a.length; i++) {
    d = Math.max(d, Math.abs(a[i] - b[i]));
    m = Math.max(m, Math.abs(b[i]));
  }
  return d / Math.max(m, 1e-30);
}

// ---- tfjs ----------------------------------------------------------------------------------------------

// tfjs-core's surface we use, typed loosely: it is an optional peer and its types must not leak.
/* eslint-disable @typescript-eslint/no-explicit-any */
type TF = any;
type TFT = any;

export type TfjsBackendName = 'wasm' | 'cpu';

let tfCache: Promise<TF> | null = null;

/** Loads tfjs-core with the wasm and cpu backends registered, or throws a ConvnetsError saying why not. */
export async function loadTfjs(): Promise<TF> {
  if (!tfCache) {
    tfCache = (async () => {
      try {
        const tf = await importPeer('@tensorflow/tfjs-core', () => import('@tensorflow/tfjs-core'));
        await importPeer('@tensorflow/tfjs-backend-cpu', () => import('@tensorflow/tfjs-backend-cpu'));
        await importPeer('@tensorflow/tfjs-backend-wasm', () => import('@tensorflow/tfjs-backend-wasm'));
        return tf;
      } catch (e) {
        tfCache = null;
        throw new ConvnetsError(`tfjs peers: ${(e as Error).message}`);
      }
    })();
  }
  return tfCache;
}

/**
 * Switches tfjs to a backend. tfjs-backend-wasm disables its threads in Node (its flag
 * WASM_HAS_MULTITHREAD_SUPPORT is false when IS_NODE; tfjs #3830), so it always runs 1 thread here.
 */
export async function useTfjsBackend(tf: TF, name: TfjsBackendName): Promise<{ threads: number; note?: string }> {
  const ok = await tf.setBackend(name);
  if (!ok) throw new ConvnetsError(`tfjs backend '${name}' failed to initialise`);
  await tf.ready();
  if (name === 'wasm') {
    const mt = await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT');
    return { threads: mt ? -1 : 1, note: mt ? undefined : 'tfjs-backend-wasm runs single-threaded in Node (threads disabled there, tfjs #3830)' };
  }
  return { threads: 1 };
}

interface Producer { consumers: number; }

function countConsumers(records: TraceRecord[]): Map<Tensor, Producer> {
  const m = new Map<Tensor, Producer>();
  for (const r of records) for (const t of r.inputs) {
    const e = m.get(t) ?? { consumers: 0 };
    e.consumers++;
    m.set(t, e);
  }
  return m;
}

const TF_FUSABLE: Partial<Record<ActivationKind, string>> = { relu: 'relu', relu6: 'relu6', sigmoid: 'sigmoid' };

function tfActivation(tf: TF, kind: ActivationKind, x: TFT): TFT {
  switch (kind) {
    case 'relu': return tf.relu(x);
    case 'relu6': return tf.relu6(x);
    case 'sigmoid': return tf.sigmoid(x);
    case 'silu': return tf.mul(x, tf.sigmoid(x));
    case 'hardswish': return tf.mul(x, tf.div(tf.relu6(tf.add(x, 3)), 6));
    case 'hardsigmoid': return tf.div(tf.relu6(tf.add(x, 3)), 6);
    default: throw new ConvnetsError(`tfjs replay: activation '${String(kind)}' is not supported`);
  }
}

function explicitPad(p: { inH: number; inW: number; outH: number; outW: number; kH: number; kW: number; strideH: number; strideW: number; padTop: number; padLeft: number }, dilH = 1, dilW = 1): number[][] {
  const bottom = Math.max(0, (p.outH - 1) * p.strideH + (p.kH - 1) * dilH + 1 - p.inH - p.padTop);
  const right = Math.max(0, (p.outW - 1) * p.strideW + (p.kW - 1) * dilW + 1 - p.inW - p.padLeft);
  return [[0, 0], [p.padTop, bottom], [p.padLeft, right], [0, 0]];
}

/** One replayable step: reads tf tensors of earlier steps (by index) and yields its output. */
interface Step { inputs: number[]; run: (xs: TFT[]) => TFT; }

export interface TfjsNetwork {
  /** Runs the network on an NHWC Float32Array input; returns the output as a Float32Array. */
  predict(x: Float32Array): Float32Array;
  /** Runs without reading back (for timing: dataSync forces execution). */
  run(x: TFT): TFT;
  inputShape: number[];
  steps: number;
  dispose(): void;
}

/** Rebuilds a traced forward pass with tfjs ops; weights are converted once (OHWI -> HWIO etc.). */
export function replayTfjs(tf: TF, tr: Trace, o: { variables?: boolean } = {}): TfjsNetwork {
  const recs = tr.records;
  const consumers = countConsumers(recs);
  const slot = new Map<Tensor, number>();
  const bufSlot = new Map<unknown, number>();
  const weights: TFT[] = [];
  const steps: Step[] = [];
  slot.set(tr.input, 0);
  bufSlot.set(tr.input.buffer, 0);
  const lookup = (t: Tensor, op: string): number => {
    const s = slot.get(t) ?? bufSlot.get(t.buffer);
    if (s === undefined) throw new ConvnetsError(`tfjs replay: ${op} reads a tensor ${JSON.stringify(t.shape)} that no traced op produced`);
    return s;
  };
  const keep = (v: TFT): TFT => {
    // Trainable copies when gradients are wanted (tf.variableGrads differentiates w.r.t. variables).
    if (o.variables) { const vv = tf.variable(v); v.dispose(); v = vv; }
    weights.push(v);
    return v;
  };
  const wt = (t: Tensor | null | undefined): Float32Array | null => (t ? t.toFloat32() : null);
  const only = (t: Tensor): boolean => (consumers.get(t)?.consumers ?? 0) === 1;

  for (let i = 0; i < recs.length; i++) {
    const r = recs[i];
    let outT = r.output;
    const ins = r.inputs.map((t) => lookup(t, r.op));
    let run: (xs: TFT[]) => TFT;
    switch (r.op) {
      case 'conv2d': case 'dwconv2d': case 'pwconv2d': {
        const p = r.params as Conv2dParams;
        let w = wt(r.weights.w)!;
        let bias = wt(r.weights.bias) ?? null;
        // Fold a following inference BN (sole consumer) into filter and bias.
        const nx = recs[i + 1];
        if (nx && nx.op === 'batchNormInference' && nx.inputs[0] === r.output && only(r.output)) {
          const bp = nx.params as BatchNormParams;
          const g = wt(nx.weights.gamma)!, be = wt(nx.weights.beta)!, mu = wt(nx.weights.mean)!, va = wt(nx.weights.variance)!;
          const per = w.length / p.outC;
          w = Float32Array.from(w);
          const nb = new Float32Array(p.outC);
          for (let o = 0; o < p.outC; o++) {
            const s = g[o] / Math.sqrt(va[o] + bp.eps);
            for (let j = 0; j < per; j++) w[o * per + j] *= s;
            nb[o] = ((bias ? bias[o] : 0) - mu[o]) * s + be[o];
          }
          bias = nb;
          outT = nx.output;
          i++;
        }
        let act: string = p.activation ? (TF_FUSABLE[p.activation] ?? '') : 'linear';
        // A fused epilogue tfjs cannot fuse (silu, hardswish ...) runs as a separate op after the conv.
        const after: ActivationKind | null = act === '' ? p.activation! : null;
        if (after) act = 'linear';
        const na = recs[i + 1];
        if (act === 'linear' && na && na.op === 'activation' && na.inputs[0] === outT && only(outT)) {
          const kind = (na.params as { kind: ActivationKind }).kind;
          if (TF_FUSABLE[kind]) { act = TF_FUSABLE[kind]!; outT = na.output; i++; }
        }
        const pad = explicitPad(p, p.dilationH, p.dilationW);
        const biasT = bias ? keep(tf.tensor1d(bias)) : undefined;
        const strides: [number, number] = [p.strideH, p.strideW];
        const dil: [number, number] = [p.dilationH, p.dilationW];
        if (r.op === 'dwconv2d') {
          const mult = p.outC / p.inC;
          // OHWI [inC*mult, kH, kW, 1] -> [kH, kW, inC, mult] (output channel c*mult + m).
          const f = keep(tf.tidy(() => tf.reshape(tf.transpose(tf.tensor4d(w, [p.outC, p.kH, p.kW, 1]), [1, 2, 0, 3]), [p.kH, p.kW, p.inC, mult])));
          run = ([x]) => tf.fused.depthwiseConv2d({ x, filter: f, strides, pad, dilations: dil, bias: biasT, activation: act });
        } else {
          if (p.groups !== 1) throw new ConvnetsError(`tfjs replay: grouped convolution (groups ${p.groups}) has no tfjs op`);
          const f = keep(tf.tidy(() => tf.transpose(tf.tensor4d(w, [p.outC, p.kH, p.kW, p.inC]), [1, 2, 3, 0])));
          run = ([x]) => tf.fused.conv2d({ x, filter: f, strides, pad, dilations: dil, bias: biasT, activation: act });
        }
        if (after) { const conv = run; run = (xs) => tfActivation(tf, after, conv(xs)); }
        break;
      }
      case 'batchNormInference': case 'batchNormTrain': {
        const bp = r.params as BatchNormParams;
        const [g, be, mu, va] = ['gamma', 'beta', 'mean', 'variance'].map((k) => keep(tf.tensor1d(wt(r.weights[k])!)));
        run = ([x]) => tf.batchNorm(x, mu, va, be, g, bp.eps);
        break;
      }
      case 'activation': {
        const kind = (r.params as { kind: ActivationKind }).kind;
        run = ([x]) => tfActivation(tf, kind, x);
        break;
      }
      case 'maxPool2d': case 'avgPool2d': {
        const p = r.params as Pool2dParams;
        const pad = explicitPad(p);
        const padded = pad[1][0] + pad[1][1] + pad[2][0] + pad[2][1] > 0;
        if (r.op === 'maxPool2d') {
          run = ([x]) => tf.maxPool(padded ? tf.pad(x, pad, -3.4e38) : x, [p.kH, p.kW], [p.strideH, p.strideW], 'valid');
        } else {
          if (padded && !p.countIncludePad) throw new ConvnetsError('tfjs replay: padded average pool with count_include_pad=false has no tfjs op');
          run = ([x]) => tf.avgPool(padded ? tf.pad(x, pad) : x, [p.kH, p.kW], [p.strideH, p.strideW], 'valid');
        }
        break;
      }
      case 'globalAvgPool':
        run = ([x]) => tf.mean(x, [1, 2], true);
        break;
      case 'dense': {
        const p = r.params as DenseParams;
        const w = keep(tf.tensor2d(wt(r.weights.w)!, [p.outF, p.inF]));
        const b = r.weights.bias ? keep(tf.tensor1d(wt(r.weights.bias)!)) : undefined;
        let act = 'linear';
        const na = recs[i + 1];
        if (na && na.op === 'activation' && na.inputs[0] === outT && only(outT)) {
          const kind = (na.params as { kind: ActivationKind }).kind;
          if (TF_FUSABLE[kind]) { act = TF_FUSABLE[kind]!; outT = na.output; i++; }
        }
        run = ([x]) => tf.fused.matMul({ a: tf.reshape(x, [p.n, p.inF]), b: w, transposeB: true, bias: b, activation: act });
        break;
      }
      case 'add': run = ([a, b]) => tf.add(a, b); break;
      case 'mul': run = ([a, b]) => tf.mul(a, b); break;
      case 'channelScale': run = ([x, s]) => tf.mul(x, tf.reshape(s, [x.shape[0], 1, 1, x.shape[3]])); break;
      case 'concat': run = (xs) => tf.concat(xs, -1); break;
      case 'reshape': {
        const shape = (r.params as { shape: number[] }).shape;
        run = ([x]) => tf.reshape(x, shape);
        break;
      }
      case 'dropout': run = ([x]) => x; break;
      case 'adaptiveAvgPool2d': {
        // Uneven windows: one matrix product over the spatial positions, P [o, hw] . X [hw, n*c].
        const p = r.params as { n: number; inH: number; inW: number; c: number; outH: number; outW: number };
        const hw = p.inH * p.inW, o = p.outH * p.outW;
        const pm = keep(tf.tensor2d(adaptivePoolMatrix(p.inH, p.inW, p.outH, p.outW), [o, hw]));
        run = ([x]) => {
          const cols = tf.reshape(tf.transpose(tf.reshape(x, [p.n, hw, p.c]), [1, 0, 2]), [hw, p.n * p.c]);
          const y = tf.reshape(tf.matMul(pm, cols), [o, p.n, p.c]);
          return tf.reshape(tf.transpose(y, [1, 0, 2]), [p.n, p.outH, p.outW, p.c]);
        };
        break;
      }
      default:
        throw new ConvnetsError(`tfjs replay: op '${r.op}' is not supported`);
    }
    steps.push({ inputs: ins, run });
    slot.set(outT, steps.length);
    bufSlot.set(outT.buffer, steps.length);
  }
  const outSlot = slot.get(tr.output) ?? bufSlot.get(tr.output.buffer);
  if (outSlot === undefined) throw new ConvnetsError('tfjs replay: the model output was not produced by a traced op');
  const inputShape = [...tr.input.shape];
  const runAll = (x: TFT): TFT => tf.tidy(() => {
    // (tidy keeps the returned tensor alive; intermediates are freed.)
    const vals: TFT[] = [x];
    for (const s of steps) vals.push(s.run(s.inputs.map((k) => vals[k])));
    return vals[outSlot];
  });
  return {
    inputShape,
    steps: steps.length,
    run: runAll,
    predict(x: Float32Array): Float32Array {
      const xt = tf.tensor(x, inputShape);
      const y = runAll(xt);
      const out = Float32Array.from(y.dataSync() as Float32Array);
      xt.dispose(); y.dispose();
      return out;
    },
    dispose(): void { for (const w of weights) w.dispose(); weights.length = 0; },
  };
}

// ---- onnxruntime ----------------------------------------------------------------------------------------

export type OrtKind = 'ort-node' | 'ort-web';

export interface OrtNetwork {
  run(x: Float32Array): Promise<Float32Array>;
  dispose(): Promise<void>;
}

/** Our model as ONNX bytes (NCHW graph input) through the interop engineer's exporter (src/ts/io/onnx.ts). */
export function exportOnnxBytes(model: Module, nhwc: number[]): Uint8Array {
  const [n, h, w, c] = nhwc;
  if (h !== w) throw new ConvnetsError(`onnx peers: the exporter takes square inputs, got ${h}x${w}`);
  return exportOnnx(model, { inputSize: h, inputChannels: c, batch: n });
}

/** NHWC -> NCHW copy (the ONNX graph's input layout). */
export function nhwcToNchw(x: Float32Array, shape: number[]): Float32Array {
  const [n, h, w, c] = shape;
  const out = new Float32Array(x.length);
  for (let i = 0; i < n; i++) for (let y = 0; y < h; y++) for (let xx = 0; xx < w; xx++) for (let k = 0; k < c; k++) {
    out[((i * c + k) * h + y) * w + xx] = x[((i * h + y) * w + xx) * c + k];
  }
  return out;
}

/** An onnxruntime session on the given bytes with `threads` intra-op threads; inputShape is the graph's (NCHW). */
export async function ortSession(kind: OrtKind, bytes: Uint8Array, threads: number, inputShape: number[]): Promise<OrtNetwork> {
  let ort: any = kind === 'ort-node' ? await importPeer('onnxruntime-node', () => import('onnxruntime-node'))
    : await importPeer('onnxruntime-web', () => import('onnxruntime-web'));
  ort = ort.default?.InferenceSession ? ort.default : ort;
  let opts: Record<string, unknown>;
  if (kind === 'ort-web') {
    ort.env.wasm.numThreads = threads;
    ort.env.wasm.simd = true;
    opts = { executionProviders: ['wasm'], graphOptimizationLevel: 'all' };
  } else {
    opts = { executionProviders: ['cpu'], intraOpNumThreads: threads, interOpNumThreads: 1, graphOptimizationLevel: 'all' };
  }
  const session = await ort.InferenceSession.create(bytes, opts);
  const inName = session.inputNames[0], outName = session.outputNames[0];
  return {
    async run(x: Float32Array): Promise<Float32Array> {
      const feeds = { [inName]: new ort.Tensor('float32', x, inputShape) };
      const out = await session.run(feeds);
      return out[outName].data as Float32Array;
    },
    async dispose(): Promise<void> { await session.release?.(); },
  };
}

/**
 * One SGD training step of the replayed network on tfjs (variableGrads + update), timed if it works.
 * tfjs-backend-wasm has no Conv2DBackpropFilter / depthwise backprop kernels (tfjs #8474): the error
 * tfjs throws is returned as the reason.
 */
export async function tfjsTrainAttempt(built: { model: Module; input: Tensor; inputShape: number[] }, backend: TfjsBackendName,
  timing: { minSamples?: number; maxTime?: number } = { minSamples: 3, maxTime: 0.5 }): Promise<{ timing?: import('./timing.js').Timing; error?: string; note?: string }> {
  try {
    const tf = await loadTfjs();
    // tfjs-core alone has no gradients: importing tfjs-layers registers them (its dist ESM files
    // cannot be imported one by one in Node: extensionless specifiers).
    await importPeer('@tensorflow/tfjs-layers', () => import('@tensorflow/tfjs-layers'));
    await useTfjsBackend(tf, backend);
    const tr = traceForward(built.model, built.input);
    const net = replayTfjs(tf, tr, { variables: true });
    const n = built.inputShape[0];
    const x = tf.tensor(built.input.toFloat32(), built.inputShape);
    const classes = tr.output.size / n;
    const labels = tf.oneHot(tf.tensor1d(Array.from({ length: n }, (_, i) => i % classes), 'int32'), classes);
    const opt = tf.train.sgd(0.01);
    const step = (): void => {
      const { value, grads } = tf.variableGrads(() => tf.losses.softmaxCrossEntropy(labels, tf.reshape(net.run(x), [n, classes])));
      opt.applyGradients(grads);
      value.dataSync();
      value.dispose();
      for (const g of Object.values(grads)) (g as TFT).dispose();
    };
    try {
      step();
      const { measure } = await import('./timing.js');
      return { timing: await measure(step, timing) };
    } finally {
      x.dispose(); labels.dispose(); net.dispose(); opt.dispose();
    }
  } catch (e) {
    return { error: (e as Error).message ?? String(e) };
  }
}
