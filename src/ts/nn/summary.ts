// Model summaries: per-layer output shapes, parameters and MACs, totals, activation memory and the
// receptive field.
//
// What is counted:
// - params: every parameter scalar (torchvision's count); trainableParams excludes frozen ones;
//   buffers: BN running statistics (Keras' counts = params + buffers).
// - macs: multiply-accumulates PER IMAGE of conv (outH*outW*outC*kH*kW*inC/groups) and linear
//   (in*out) layers, which is what torchvision's "GFLOPS" column reports. BN, activations, pools,
//   adds and concats count 0 (a layer that reports its own MACs, e.g. an adaptive pool, is summed too).
// - receptiveField: input pixels seen by one output of the last spatial layer, through every conv/pool
//   window of the deepest path (Residual: max of main and shortcut; Concat: max over branches;
//   squeeze-excite gates and global pools are not windows). Per axis; `receptiveField` is the larger.
// - activationBytes (float32, for the batch):
//   inference: peak live set walking the graph in execution order: a layer's input + output, plus what
//     enclosing blocks must keep alive meanwhile (a residual block's input for the skip, finished concat
//     branch outputs, the SE input while its gate is computed). Views (Flatten, Identity, inactive
//     Dropout) cost nothing.
//   training: what backward reads = the model input + the output of every layer (each is kept: it is
//     the next layer's saved input).
//   trainingPlanned: one output and one input-gradient buffer per layer (the per-module plan before the
//     whole-step planner; an upper bound).
// - training (with opts.train): the whole-step planner's peak (stepplan.ts), a dry run of a training
//   step: the arena plus parameters, gradients, optimiser state and buffers.
import { ConvnetsError } from '../core/backend.js';
import { shapeSize } from '../core/shape.js';
import type { Shape } from '../core/shape.js';
import { Module } from './module.js';
import type { LayerInfo } from './module.js';
import { Concat, Flatten, Identity, Residual, Sequential } from './containers.js';
import { SqueezeExcite } from './squeeze_excite.js';
import { Dropout } from './dropout.js';
import { DenseBlock } from './dense.js';
import { WASM32_LIMIT_BYTES, formatTrainingMemory, largestBatchThatFits, trainingMemory } from './stepplan.js';
import type { TrainingMemory } from './stepplan.js';

export interface SummaryLayer {
  name: string;
  type: string;
  inputShape: number[];
  outputShape: number[];
  params: number;
  /** Per image. */
  macs: number;
  /** Conv/pool window (kernel, stride, dilation; W fields when they differ), for receptive-field tools. */
  window?: LayerInfo['window'];
}

export interface ModelSummary {
  inputShape: number[];
  outputShape: number[];
  layers: SummaryLayer[];
  params: number;
  trainableParams: number;
  buffers: number;
  /** Per image. */
  macs: number;
  batch: number;
  activationBytes: { inference: number; training: number; trainingPlanned: number };
  receptiveField: number;
  receptiveFieldHW: [number, number];
  /** With opts.train: the planned peak of a training step, and wasm32's verdict. */
  training?: TrainingMemory & { wasm: { total: number; fits: boolean; largestBatch: number } };
}

export interface SummaryOptions {
  /** Overrides inputShape[0]. */
  batch?: number;
  /** Default 4 (float32). */
  bytesPerElement?: number;
  /** Plan a training step (dry run; the model must be built with storage-less or real parameters). */
  train?: { optimizer?: 'sgd' | 'adamw' };
}

const VIEW_TYPES = new Set(['Flatten', 'Identity']);

function size(s: Shape): number { return shapeSize(s); }

/** A module that runs an inner module under flat names (architectures' Flat): look through it. */
function innerOf(m: Module): Module | null {
  const inner = (m as unknown as { inner?: unknown }).inner;
  return inner instanceof Module ? inner : null;
}

/** Side taps (aux classifiers) pass their input through: not on the main path. */
function isSideTap(m: Module): boolean {
  return typeof (m as unknown as { setGradient?: unknown }).setGradient === 'function';
}

// ---- receptive field --------------------------------------------------------------------------------

interface RF { h: number; jh: number; w: number; jw: number; }

function stepWindow(st: RF, win: NonNullable<LayerInfo['window']>): RF {
  const kW = win.kW ?? win.k, sW = win.strideW ?? win.stride, dW = win.dilationW ?? win.dilation;
  return {
    h: st.h + (win.k - 1) * win.dilation * st.jh, jh: st.jh * win.stride,
    w: st.w + (kW - 1) * dW * st.jw, jw: st.jw * sW,
  };
}

function maxRF(a: RF, b: RF): RF {
  return { h: Math.max(a.h, b.h), jh: Math.max(a.jh, b.jh), w: Math.max(a.w, b.w), jw: Math.max(a.jw, b.jw) };
}

function rfChain(mods: readonly Module[], input: Shape, st: RF): { st: RF; shape: number[] } {
  let s = [...input];
  for (const m of mods) { st = rfWalk(m, s, st); s = m.outputShape(s); }
  return { st, shape: s };
}

function rfWalk(m: Module, input: Shape, st: RF): RF {
  if (m instanceof Sequential) return rfChain(m.modules(), input, st).st;
  if (m instanceof Residual) {
    const main = rfChain(m.main.map((e) => e[1]), input, st);
    const short = m.shortcut ? rfWalk(m.shortcut[1], input, st) : st;
    const merged = maxRF(main.st, short);
    return m.post ? rfWalk(m.post[1], main.shape, merged) : merged;
  }
  if (m instanceof Concat) {
    return m.branches.map((b) => rfChain(b.map((e) => e[1]), input, st).st).reduce(maxRF);
  }
  if (m instanceof SqueezeExcite || isSideTap(m)) return st;
  const inner = innerOf(m);
  if (inner) return rfWalk(inner, input, st);
  // A leaf (or an unknown composite: its listed windows in order).
  for (const l of m.layers(input)) if (l.window) st = stepWindow(st, l.window);
  return st;
}

// ---- inference live set ----------------------------------------------------------------------------

/** Elements produced by a module that are new storage (views and pass-throughs produce none). */
function producesStorage(m: Module): boolean {
  return !(m instanceof Flatten || m instanceof Identity || m instanceof Dropout || isSideTap(m));
}

/**
 * Walks m in execution order; `extra` = elements held by enclosing blocks; `inCounted` = the input is
 * already inside `extra`. Returns the peak live elements seen.
 */
function liveWalk(m: Module, input: Shape, extra: number, inCounted: boolean): number {
  const inSize = inCounted ? 0 : size(input);
  if (m instanceof Sequential) return liveChain(m.modules(), input, extra, inCounted).peak;
  if (m instanceof Residual) {
    const held = extra + size(input);
    const main = liveChain(m.main.map((e) => e[1]), input, held, true);
    const mainOut = size(main.shape);
    let peak = main.peak;
    let shortOut = 0;
    if (m.shortcut) {
      peak = Math.max(peak, liveWalk(m.shortcut[1], input, held + mainOut, true));
      shortOut = size(m.shortcut[1].outputShape(input));
      // The block input is dead once the shortcut has run.
      peak = Math.max(peak, extra + mainOut + shortOut + mainOut);
    } else {
      peak = Math.max(peak, held + mainOut + mainOut);
    }
    if (m.post) peak = Math.max(peak, liveWalk(m.post[1], main.shape, extra, false));
    return peak;
  }
  if (m instanceof Concat) {
    // The input stays alive while branches run; finished branch outputs wait for the concat.
    let held = extra + size(input);
    let peak = 0;
    let outs = 0;
    let passThrough = false;
    for (const b of m.branches) {
      const r = liveChain(b.map((e) => e[1]), input, held, true);
      peak = Math.max(peak, r.peak);
      if (b.length === 0) { passThrough = true; continue; } // an empty branch is the input itself
      held += size(r.shape); outs += size(r.shape);
    }
    return Math.max(peak, extra + (passThrough ? size(input) : 0) + outs + size(m.outputShape(input)));
  }
  if (m instanceof DenseBlock) {
    // Every layer's features stay alive; each layer reads a temporary concat of them.
    let held = extra + size(input), peak = 0, c = input[input.length - 1];
    const lead = input.slice(0, -1);
    for (const l of m.denseLayers) {
      const inShape = [...lead, c];
      const r = liveChain(l.modules(), inShape, held + (c === input[input.length - 1] ? 0 : size(inShape)), true);
      peak = Math.max(peak, r.peak);
      held += size(r.shape); c += r.shape[r.shape.length - 1];
    }
    return Math.max(peak, held + size(m.outputShape(input)));
  }
  if (m instanceof SqueezeExcite) {
    const held = extra + size(input);
    const gate = liveChain([m.avgpool, m.fc1, m.activation, m.fc2, m.scaleActivation], input, held, true);
    return Math.max(gate.peak, held + size(gate.shape) + size(input));
  }
  if (isSideTap(m)) return extra + inSize;
  const inner = innerOf(m);
  if (inner) return liveWalk(inner, input, extra, inCounted);
  return extra + inSize + (producesStorage(m) ? size(m.outputShape(input)) : 0);
}

function liveChain(mods: readonly Module[], input: Shape, extra: number, inCounted: boolean): { peak: number; shape: number[] } {
  let s = [...input];
  let peak = extra + (inCounted ? 0 : size(input));
  let first = true;
  for (const m of mods) {
    peak = Math.max(peak, liveWalk(m, s, extra, first ? inCounted : false));
    s = m.outputShape(s);
    first = false;
  }
  return { peak, shape: s };
}

// ---- the summary -------------------------------------------------------------------------------------

export function summary(model: Module, inputShape: Shape, opts: SummaryOptions = {}): ModelSummary {
  if (!Array.isArray(inputShape) || inputShape.length !== 4) {
    throw new ConvnetsError(`summary: input shape must be [n, h, w, c] (NHWC), got ${JSON.stringify(inputShape)}`);
  }
  const batch = opts.batch ?? inputShape[0];
  if (!Number.isInteger(batch) || batch <= 0) throw new ConvnetsError(`summary: batch must be a positive integer, got ${batch}`);
  const bytes = opts.bytesPerElement ?? 4;
  // Per-image numbers come from a batch-1 walk; shapes are reported for the batch.
  const one = [1, inputShape[1], inputShape[2], inputShape[3]];
  const info = model.layers(one);
  const withBatch = (s: number[]): number[] => [batch, ...s.slice(1)];
  const layers: SummaryLayer[] = info.map((l) => ({
    name: l.name, type: l.type, inputShape: withBatch(l.inputShape), outputShape: withBatch(l.outputShape),
    params: l.params, macs: l.macs, ...(l.window ? { window: l.window } : {}),
  }));
  let params = 0, trainable = 0;
  for (const p of model.parameters()) { params += p.value.size; if (p.trainable) trainable += p.value.size; }
  let outs = 0, ins = 0;
  for (const l of info) {
    if (VIEW_TYPES.has(l.type)) continue;
    outs += size(l.outputShape);
    ins += size(l.inputShape);
  }
  const inputElems = size(one);
  const rf = rfWalk(model, one, { h: 1, jh: 1, w: 1, jw: 1 });
  return {
    inputShape: withBatch(one),
    outputShape: withBatch(model.outputShape(one)),
    layers,
    params,
    trainableParams: trainable,
    buffers: model.bufferCount(),
    macs: info.reduce((s, l) => s + l.macs, 0),
    batch,
    activationBytes: {
      inference: liveWalk(model, one, 0, false) * batch * bytes,
      training: (inputElems + outs) * batch * bytes,
      trainingPlanned: (inputElems + outs + ins) * batch * bytes,
    },
    receptiveField: Math.max(rf.h, rf.w),
    receptiveFieldHW: [rf.h, rf.w],
    ...(opts.train ? { training: plannedTraining(model, withBatch(one), opts.train) } : {}),
  };
}

function plannedTraining(model: Module, shape: number[], o: { optimizer?: 'sgd' | 'adamw' }): ModelSummary['training'] {
  const m = trainingMemory(model, shape, o);
  // wasm keeps packed filter copies beside the parameters (stepplan.ts).
  const wasm = m.total - m.packedWeights + 2 * m.params;
  const fits = wasm <= WASM32_LIMIT_BYTES;
  const largest = fits ? shape[0] : largestBatchThatFits(model, shape, WASM32_LIMIT_BYTES - 2 * m.params, o);
  return { ...m, wasm: { total: wasm, fits, largestBatch: largest } };
}

// ---- text rendering ------------------------------------------------------------------------------------

export function formatCount(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

export function formatBytes(n: number): string {
  const u = ['B', 'KiB', 'MiB', 'GiB'];
  let i = 0;
  while (n >= 1024 && i < u.length - 1) { n /= 1024; i++; }
  return `${n.toFixed(i ? 1 : 0)} ${u[i]}`;
}

/** A plain-text table: name, type, output shape, params, MACs; then totals. */
export function formatSummary(s: ModelSummary, title = 'model'): string {
  const rows = s.layers.map((l) => [l.name || '(root)', l.type, `[${l.outputShape.join(', ')}]`, formatCount(l.params), formatCount(l.macs)]);
  const head = ['layer', 'type', 'output shape', 'params', 'MACs'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]): string => r.map((c, i) => (i >= 3 ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ');
  const sep = widths.map((w) => '-'.repeat(w)).join('  ');
  const out = [`${title}: input [${s.inputShape.join(', ')}] -> output [${s.outputShape.join(', ')}]`, line(head), sep, ...rows.map(line), sep];
  out.push(`params: ${formatCount(s.params)}${s.trainableParams !== s.params ? ` (trainable ${formatCount(s.trainableParams)})` : ''}`);
  out.push(`buffers: ${formatCount(s.buffers)} (params + buffers ${formatCount(s.params + s.buffers)})`);
  out.push(`MACs per image: ${formatCount(s.macs)} (${(s.macs / 1e9).toFixed(3)} G)`);
  out.push(`receptive field: ${s.receptiveFieldHW[0]}x${s.receptiveFieldHW[1]}`);
  out.push(`activations (batch ${s.batch}, float32): inference peak ${formatBytes(s.activationBytes.inference)}, ` +
    `training saved ${formatBytes(s.activationBytes.training)}, with gradient buffers ${formatBytes(s.activationBytes.trainingPlanned)}`);
  const tr = s.training;
  if (tr) {
    out.push(`planned training memory (batch ${tr.batch}, float32, before any step runs):`);
    out.push(`  js, native: ${formatTrainingMemory({ ...tr, packedWeights: 0, total: tr.total - tr.packedWeights }, formatBytes)}`);
    out.push(`  wasm: ${formatBytes(tr.wasm.total)} (with packed weights) of wasm32's ${formatBytes(WASM32_LIMIT_BYTES)}: ` +
      (tr.wasm.fits ? 'fits' : `does not fit; the largest batch that fits is ${tr.wasm.largestBatch}`));
  }
  return out.join('\n');
}
