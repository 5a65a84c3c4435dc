// Gradient flow (chapter Q10): per-layer gradient norms of every conv/linear weight on a real batch,
// at initialisation and after a few SGD steps, for plain deep nets (VGG-style, no skips, no BN) at
// increasing depth vs residual and dense nets of the same width. The claim under test: early-layer
// gradients of plain nets are orders of magnitude smaller than the last layer's, and than ResNet's.
// The nets themselves (plainN / residualN / denseN) are registered models: src/architectures/gradflow.ts.
import { ConvnetsError } from '../core/backend.js';
import { Tensor } from '../core/tensor.js';
import { Rng } from '../core/random.js';
import type { Module } from '../nn/module.js';
import { manualSeed } from '../nn/index.js';

/** How conv/linear weights are initialised before measuring. */
export type InitScheme =
  /** What nn gives (torchvision-like: Kaiming normal fan_out for conv, N(0, 0.01) for Linear). */
  | 'kaiming'
  /** PyTorch's bare-layer default (kaiming_uniform with a = sqrt(5)): U(+-1/sqrt(fan_in)) — what a hand-written VGG-style net gets. */
  | 'torch-default'
  /** Glorot/Xavier uniform (Keras' default). */
  | 'xavier';

export const INIT_SCHEMES: readonly InitScheme[] = ['kaiming', 'torch-default', 'xavier'];

/** The weights whose gradients are measured: conv filters (rank 4) and linear weights (rank 2), in layer order. */
export function measuredWeights(model: Module): [string, Tensor][] {
  const out: [string, Tensor][] = [];
  for (const [name, p] of model.namedParameters()) {
    if (name.endsWith('weight') && (p.value.shape.length === 4 || p.value.shape.length === 2)) out.push([name, p.value]);
  }
  return out;
}

/** Re-initialises conv/linear weights (biases to 0) with a scheme, seeded. */
export function reinit(model: Module, scheme: InitScheme, seed: number): void {
  if (scheme === 'kaiming') return;
  const rng = new Rng(seed);
  for (const [name, p] of model.namedParameters()) {
    const s = p.value.shape;
    if (name.endsWith('bias')) { p.value.set(new Float32Array(p.value.size)); continue; }
    if (!(name.endsWith('weight') && (s.length === 4 || s.length === 2))) continue;
    // OHWI / [out, in]: fan_in = everything but the first axis, fan_out = out * receptive field.
    const fanIn = p.value.size / s[0];
    const fanOut = s.length === 4 ? s[0] * s[1] * s[2] : s[0];
    const a = scheme === 'torch-default' ? 1 / Math.sqrt(fanIn) : Math.sqrt(6 / (fanIn + fanOut));
    const v = new Float32Array(p.value.size);
    for (let i = 0; i < v.length; i++) v[i] = (2 * rng.uniform() - 1) * a;
    p.value.set(v);
  }
}

export interface Batch { x: Tensor; labels: Int32Array; numClasses: number; source: string; }

/** Mean softmax cross-entropy and its logits gradient, on the host (float64 accumulation). */
export function softmaxXent(logits: ArrayLike<number>, labels: ArrayLike<number>, n: number, classes: number): { loss: number; dlogits: Float32Array } {
  const d = new Float32Array(n * classes);
  let loss = 0;
  for (let i = 0; i < n; i++) {
    let mx = -Infinity;
    for (let c = 0; c < classes; c++) mx = Math.max(mx, logits[i * classes + c]);
    let z = 0;
    for (let c = 0; c < classes; c++) z += Math.exp(logits[i * classes + c] - mx);
    const y = labels[i];
    for (let c = 0; c < classes; c++) {
      const pr = Math.exp(logits[i * classes + c] - mx) / z;
      d[i * classes + c] = (pr - (c === y ? 1 : 0)) / n;
    }
    loss += -(logits[i * classes + y] - mx - Math.log(z));
  }
  return { loss: loss / n, dlogits: d };
}

export interface LayerGrad { name: string; shape: number[]; init: number; after: number; }

export interface GradFlowResult {
  model: string;
  init: InitScheme;
  steps: number;
  lossInit: number;
  /** NaN/Inf loss during the SGD steps (the 'after' norms are then from the last finite step). */
  lossAfter: number;
  layers: LayerGrad[];
  diverged: boolean;
}

function l2(t: Tensor): number {
  const d = t.data();
  let s = 0;
  for (let i = 0; i < d.length; i++) s += d[i] * d[i];
  return Math.sqrt(s);
}

function zeroGrads(model: Module): void {
  for (const p of model.parameters()) if (p.grad) p.grad.backend.fill(p.grad.buffer, 0);
}

/** One forward + backward on the batch; returns the loss (gradients left in the parameters). */
function forwardBackward(model: Module, batch: Batch): number {
  const logits = model.forward(batch.x, { training: true, seed: 1 });
  const n = batch.x.shape[0];
  const classes = logits.size / n;
  if (classes !== batch.numClasses) {
    throw new ConvnetsError(`gradflow: model outputs ${classes} classes per sample, the batch has ${batch.numClasses}`);
  }
  const { loss, dlogits } = softmaxXent(logits.toFloat32(), batch.labels, n, classes);
  if (!Number.isFinite(loss)) throw new ConvnetsError(`gradflow: loss is ${loss} (the model's outputs overflowed)`);
  zeroGrads(model);
  const dy = Tensor.from(dlogits, logits.shape, logits.backend);
  try { model.backward(dy); } finally { dy.dispose(); }
  return loss;
}

function gradNorms(model: Module): Map<string, number> {
  const out = new Map<string, number>();
  for (const [name, p] of model.namedParameters()) {
    const s = p.value.shape;
    if (name.endsWith('weight') && (s.length === 4 || s.length === 2)) out.set(name, p.grad ? l2(p.grad) : 0);
  }
  return out;
}

/** Plain SGD on the host (p -= lr * g): the analysis must not depend on the optimiser kernels. */
function sgdStep(model: Module, lr: number): void {
  for (const p of model.parameters()) {
    if (!p.grad || !p.trainable) continue;
    const v = p.value.data(), g = p.grad.data();
    const nv = new Float32Array(v.length);
    for (let i = 0; i < v.length; i++) nv[i] = v[i] - lr * g[i];
    p.value.set(nv);
  }
}

export interface GradFlowOptions { steps?: number; lr?: number; init?: InitScheme; seed?: number; }

/** Measures per-layer weight-gradient norms at initialisation and after `steps` SGD steps. */
export function measureGradFlow(name: string, model: Module, batch: Batch, o: GradFlowOptions = {}): GradFlowResult {
  const steps = o.steps ?? 0, lr = o.lr ?? 0.01, init = o.init ?? 'kaiming';
  if (!Number.isInteger(steps) || steps < 0) throw new ConvnetsError(`gradflow: --steps must be a non-negative integer, got ${steps}`);
  reinit(model, init, o.seed ?? 1);
  model.train(true);
  const lossInit = forwardBackward(model, batch);
  const first = gradNorms(model);
  let lossAfter = lossInit;
  let after = first;
  let diverged = false;
  for (let s = 0; s < steps && !diverged; s++) {
    sgdStep(model, lr);
    try {
      lossAfter = forwardBackward(model, batch);
      after = gradNorms(model);
    } catch (e) {
      // Exploding nets (no BN) overflow within a few steps: report it, keep the last finite norms.
      if (!(e instanceof ConvnetsError)) throw e;
      diverged = true;
      lossAfter = NaN;
    }
  }
  const shapes = new Map(measuredWeights(model).map(([n, t]) => [n, [...t.shape]]));
  const layers = [...first.keys()].map((n) => ({ name: n, shape: shapes.get(n) ?? [], init: first.get(n) ?? 0, after: after.get(n) ?? 0 }));
  return { model: name, init, steps, lossInit, lossAfter, layers, diverged };
}

export interface GradFlowSummary {
  model: string;
  convLayers: number;
  first: number; middle: number; last: number;
  /** first / last weight-gradient norm (the vanishing-gradient measure). */
  ratio: number;
  firstAfter: number; lastAfter: number; ratioAfter: number;
}

/** First / middle / last measured layer, excluding the classifier (so "last" is the last conv). */
export function summarize(r: GradFlowResult): GradFlowSummary {
  const convs = r.layers.filter((l) => l.shape.length === 4);
  const ls = convs.length >= 2 ? convs : r.layers;
  const f = ls[0], m = ls[Math.floor((ls.length - 1) / 2)], l = ls[ls.length - 1];
  return {
    model: r.model, convLayers: convs.length,
    first: f.init, middle: m.init, last: l.init, ratio: f.init / l.init,
    firstAfter: f.after, lastAfter: l.after, ratioAfter: f.after / l.after,
  };
}

/** A batch of `n` embedded MNIST digits (normalised), centre-cropped to `size`, or a seeded synthetic one. */
export async function gradflowBatch(n: number, size = 28, seed = 0): Promise<Batch> {
  let ds: { images: Uint8Array; labels: ArrayLike<number>; count: number; mean: number; std: number } | null = null;
  let source = '';
  try {
    const { loadMnist } = await import('../data/mnist.js');
    const s = loadMnist();
    ds = { images: s.train.images, labels: s.train.labels, count: s.train.count, mean: s.mean[0], std: s.std[0] };
    source = `embedded MNIST digits (train split, first ${n}), centre crop ${size}x${size}`;
  } catch (e) {
    source = `seeded synthetic batch (MNIST unavailable: ${(e as Error).message})`;
  }
  const x = new Float32Array(n * size * size);
  const labels = new Int32Array(n);
  const off = Math.floor((28 - Math.min(28, size)) / 2);
  if (ds) {
    if (n > ds.count) throw new ConvnetsError(`gradflow: batch ${n} is larger than the dataset (${ds.count})`);
    for (let i = 0; i < n; i++) {
      labels[i] = ds.labels[i];
      for (let r = 0; r < size; r++) for (let c = 0; c < size; c++) {
        const rr = r + off, cc = c + off;
        const v = rr < 28 && cc < 28 ? ds.images[i * 784 + rr * 28 + cc] / 255 : 0;
        x[(i * size + r) * size + c] = (v - ds.mean) / ds.std;
      }
    }
  } else {
    const rng = new Rng(seed);
    for (let i = 0; i < x.length; i++) x[i] = rng.normal();
    for (let i = 0; i < n; i++) labels[i] = rng.int(10);
  }
  return { x: Tensor.from(x, [n, size, size, 1]), labels, numClasses: 10, source };
}

/** Seeds nn's initialisation (re-exported so callers need not import nn). */
export function seedModels(seed: number): void { manualSeed(seed); }
