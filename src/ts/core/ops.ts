// Tensor-level ops: validate inputs (shape math through shape.ts), keep backends from mixing,
// pick the conv kernel family (core/dispatch.ts), allocate outputs when none is given (and check them when one is),
// then dispatch to the tensors' backend.
//
// Every FORWARD op reports to the tracer (setTracer) so exporters and peer runners can rebuild the
// graph by tensor identity: `op` is the kernel name actually called ('conv2d' | 'dwconv2d' | 'pwconv2d'
// all carry Conv2dParams, 'batchNormInference' | 'batchNormTrain' carry BatchNormParams with eps,
// 'maxPool2d' | 'avgPool2d' carry Pool2dParams, 'adaptiveAvgPool2d' AdaptivePool2dParams, 'globalAvgPool', 'dense', 'activation' ({kind, length}),
// 'add', 'mul', 'channelScale' (inputs [x, s]), 'concat' (inputs = the list), 'split', 'dropout',
// 'softmaxCrossEntropy') or 'reshape' (attrs.shape). Backward ops and optimiser updates are not traced.
import { ConvnetsError } from './backend.js';
import type {
  ActivationKind, AdamWParams, AdaptivePool2dParams, Backend, ChannelScaleParams, ConcatParams, Conv2dParams,
  DenseParams, GlobalPoolParams, Pool2dParams, SgdParams, SoftmaxXentParams,
} from './backend.js';
import {
  checkSameShape, concatShape, conv2dParams, pool2dParams, shapeSize, shapeToString,
} from './shape.js';
import { CONV_KERNELS, convFamily } from './dispatch.js';
import type { Conv2dOptions, Pool2dOptions, Shape } from './shape.js';
import { Tensor, checkBackend } from './tensor.js';
import { checkActivation, checkFinite, need, needShape, needSize, noAlias, output, trace } from './opcheck.js';

export { setTracer, getTracer } from './opcheck.js';
export type { TraceRecord, Tracer } from './opcheck.js';
export * from './ops-batchnorm.js';

function convOutShape(p: Conv2dParams): number[] { return [p.n, p.outH, p.outW, p.outC]; }
function convInShape(p: Conv2dParams): number[] { return [p.n, p.inH, p.inW, p.inC]; }
function convFilterShape(p: Conv2dParams): number[] { return [p.outC, p.kH, p.kW, p.inC / p.groups]; }

// ---- convolution ------------------------------------------------------------------------------------

export interface Conv2dOpOptions extends Conv2dOptions {
  /** Fused epilogue (inference): y = act(conv + bias). */
  activation?: ActivationKind;
}

/** Resolves a conv (validating everything) without running it. */
export function conv2dResolve(xShape: Shape, wShape: Shape, opts: Conv2dOpOptions = {}): Conv2dParams {
  const p = conv2dParams(xShape, wShape, opts, 'conv2d');
  if (opts.activation !== undefined) p.activation = checkActivation('conv2d', opts.activation);
  return p;
}

/** y = conv(x, w) + bias, x NHWC, w OHWI [outC, kH, kW, inC/groups], bias [outC] or null. */
export function conv2d(x: Tensor, w: Tensor, bias: Tensor | null, opts: Conv2dOpOptions = {}, out?: Tensor): Tensor {
  const op = 'conv2d';
  need(op, 'input', x); need(op, 'filter', w);
  if (bias !== null && bias !== undefined) need(op, 'bias', bias);
  const b = x.backend;
  checkBackend(op, b, w, bias);
  const p = conv2dResolve(x.shape, w.shape, opts);
  if (bias) needShape(op, 'bias', bias, [p.outC]);
  noAlias(op, out, x, w, bias);
  const y = output(op, b, convOutShape(p), out);
  const kernel = CONV_KERNELS[convFamily(p)].forward;
  b[kernel](p, x.buffer, w.buffer, bias ? bias.buffer : null, y.buffer);
  trace(kernel, p, [x], { w, bias: bias ?? null }, y);
  return y;
}

function checkConvBackward(op: string, p: Conv2dParams, ts: [string, Tensor, number[]][]): Backend {
  if (!p || typeof p !== 'object' || !Number.isInteger(p.n)) throw new ConvnetsError(`${op}: params must be resolved Conv2dParams`);
  for (const [arg, t] of ts) need(op, arg, t);
  const b = ts[0][1].backend;
  checkBackend(op, b, ...ts.map((e) => e[1]));
  for (const [arg, t, shape] of ts) needShape(op, arg, t, shape);
  return b;
}

/** dx = conv2d backward w.r.t. the input (overwrites dx). */
export function conv2dBackwardData(p: Conv2dParams, dy: Tensor, w: Tensor, dx?: Tensor): Tensor {
  const op = 'conv2dBackwardData';
  const b = checkConvBackward(op, p, [['dy', dy, convOutShape(p)], ['filter', w, convFilterShape(p)]]);
  const out = output(op, b, convInShape(p), dx, 'dx');
  b[CONV_KERNELS[convFamily(p)].backwardData](p, dy.buffer, w.buffer, out.buffer);
  return out;
}

/** dw (and dbias when given) = conv2d backward w.r.t. the filter (overwrites). */
export function conv2dBackwardFilter(p: Conv2dParams, x: Tensor, dy: Tensor, dw?: Tensor, dbias?: Tensor | null): Tensor {
  const op = 'conv2dBackwardFilter';
  const b = checkConvBackward(op, p, [['input', x, convInShape(p)], ['dy', dy, convOutShape(p)]]);
  const out = output(op, b, convFilterShape(p), dw, 'dw');
  if (dbias) { need(op, 'dbias', dbias); checkBackend(op, b, dbias); needShape(op, 'dbias', dbias, [p.outC]); }
  b[CONV_KERNELS[convFamily(p)].backwardFilter](p, x.buffer, dy.buffer, out.buffer, dbias ? dbias.buffer : null);
  return out;
}

// ---- pooling -------------------------------------------------------------------------------------------

function poolOutShape(p: Pool2dParams): number[] { return [p.n, p.outH, p.outW, p.c]; }
function poolInShape(p: Pool2dParams): number[] { return [p.n, p.inH, p.inW, p.c]; }

export function maxPool2d(x: Tensor, opts: Pool2dOptions, out?: Tensor): Tensor {
  const op = 'maxPool2d';
  need(op, 'input', x);
  const p = pool2dParams(x.shape, opts, op);
  noAlias(op, out, x);
  const y = output(op, x.backend, poolOutShape(p), out);
  x.backend.maxPool2d(p, x.buffer, y.buffer);
  trace(op, p, [x], {}, y, { ceilMode: opts.ceilMode ?? false });
  return y;
}

export function avgPool2d(x: Tensor, opts: Pool2dOptions, out?: Tensor): Tensor {
  const op = 'avgPool2d';
  need(op, 'input', x);
  const p = pool2dParams(x.shape, opts, op);
  noAlias(op, out, x);
  const y = output(op, x.backend, poolOutShape(p), out);
  x.backend.avgPool2d(p, x.buffer, y.buffer);
  trace(op, p, [x], {}, y, { ceilMode: opts.ceilMode ?? false });
  return y;
}

export function maxPool2dBackward(p: Pool2dParams, x: Tensor, dy: Tensor, dx?: Tensor): Tensor {
  const op = 'maxPool2dBackward';
  need(op, 'input', x); need(op, 'dy', dy);
  const b = x.backend;
  checkBackend(op, b, dy);
  needShape(op, 'input', x, poolInShape(p));
  needShape(op, 'dy', dy, poolOutShape(p));
  const out = output(op, b, poolInShape(p), dx, 'dx');
  b.maxPool2dBackward(p, x.buffer, dy.buffer, out.buffer);
  return out;
}

export function avgPool2dBackward(p: Pool2dParams, dy: Tensor, dx?: Tensor): Tensor {
  const op = 'avgPool2dBackward';
  need(op, 'dy', dy);
  const b = dy.backend;
  needShape(op, 'dy', dy, poolOutShape(p));
  const out = output(op, b, poolInShape(p), dx, 'dx');
  b.avgPool2dBackward(p, dy.buffer, out.buffer);
  return out;
}

/** torch's AdaptiveAvgPool2d([outH, outW]) of x [n, h, w, c]: uneven (possibly overlapping) windows. */
export function adaptiveAvgPool2d(x: Tensor, outH: number, outW: number, out?: Tensor): Tensor {
  const op = 'adaptiveAvgPool2d';
  need(op, 'input', x);
  if (x.shape.length !== 4) throw new ConvnetsError(`${op}: input must be NHWC (rank 4), got ${shapeToString(x.shape)}`);
  for (const [k, v] of [['outH', outH], ['outW', outW]] as const) {
    if (!Number.isInteger(v) || v <= 0) throw new ConvnetsError(`${op}: ${k} must be a positive integer, got ${v}`);
  }
  const [n, inH, inW, c] = x.shape;
  const p: AdaptivePool2dParams = { n, inH, inW, c, outH, outW };
  noAlias(op, out, x);
  const y = output(op, x.backend, [n, outH, outW, c], out);
  x.backend.adaptiveAvgPool2d(p, x.buffer, y.buffer);
  trace(op, p, [x], {}, y);
  return y;
}

export function adaptiveAvgPool2dBackward(p: AdaptivePool2dParams, dy: Tensor, dx?: Tensor): Tensor {
  const op = 'adaptiveAvgPool2dBackward';
  need(op, 'dy', dy);
  needShape(op, 'dy', dy, [p.n, p.outH, p.outW, p.c]);
  const out = output(op, dy.backend, [p.n, p.inH, p.inW, p.c], dx, 'dx');
  noAlias(op, out, dy);
  dy.backend.adaptiveAvgPool2dBackward(p, dy.buffer, out.buffer);
  return out;
}

/** [n, h, w, c] -> [n, 1, 1, c] (torchvision's AdaptiveAvgPool2d(1)). */
export function globalAvgPool(x: Tensor, out?: Tensor): Tensor {
  const op = 'globalAvgPool';
  need(op, 'input', x);
  if (x.shape.length !== 4) throw new ConvnetsError(`${op}: input must be NHWC (rank 4), got ${shapeToString(x.shape)}`);
  const [n, h, w, c] = x.shape;
  const p: GlobalPoolParams = { n, hw: h * w, c };
  const y = output(op, x.backend, [n, 1, 1, c], out);
  x.backend.globalAvgPool(p, x.buffer, y.buffer);
  trace(op, p, [x], {}, y);
  return y;
}

export function globalAvgPoolBackward(xShape: Shape, dy: Tensor, dx?: Tensor): Tensor {
  const op = 'globalAvgPoolBackward';
  need(op, 'dy', dy);
  if (xShape.length !== 4) throw new ConvnetsError(`${op}: input shape must be NHWC (rank 4), got ${shapeToString(xShape)}`);
  const [n, h, w, c] = xShape;
  needSize(op, 'dy', dy, n * c, `[${n}, 1, 1, ${c}]`);
  const out = output(op, dy.backend, xShape, dx, 'dx');
  dy.backend.globalAvgPoolBackward({ n, hw: h * w, c }, dy.buffer, out.buffer);
  return out;
}

// ---- dense -------------------------------------------------------------------------------------------

/** y [n, outF] = x [n, ...inF] . w[outF, inF]^T + bias. Trailing input dims are flattened (NHWC order). */
export function dense(x: Tensor, w: Tensor, bias: Tensor | null, out?: Tensor): Tensor {
  const op = 'dense';
  need(op, 'input', x); need(op, 'weight', w);
  if (bias) need(op, 'bias', bias);
  const b = x.backend;
  checkBackend(op, b, w, bias);
  if (w.shape.length !== 2) throw new ConvnetsError(`${op}: weight must be [out, in], got ${shapeToString(w.shape)}`);
  const [outF, inF] = w.shape;
  const n = x.shape[0];
  if (x.shape.length < 2 || x.size / n !== inF) {
    throw new ConvnetsError(`${op}: input ${shapeToString(x.shape)} has ${x.size / n} features per sample, weight ` +
      `${shapeToString(w.shape)} expects ${inF}`);
  }
  if (bias) needShape(op, 'bias', bias, [outF]);
  const p: DenseParams = { n, inF, outF };
  noAlias(op, out, x, w, bias);
  const y = output(op, b, [n, outF], out);
  b.dense(p, x.buffer, w.buffer, bias ? bias.buffer : null, y.buffer);
  trace(op, p, [x], { w, bias: bias ?? null }, y);
  return y;
}

export function denseBackwardData(p: DenseParams, dy: Tensor, w: Tensor, dx?: Tensor): Tensor {
  const op = 'denseBackwardData';
  need(op, 'dy', dy); need(op, 'weight', w);
  const b = dy.backend;
  checkBackend(op, b, w);
  needShape(op, 'dy', dy, [p.n, p.outF]);
  needShape(op, 'weight', w, [p.outF, p.inF]);
  let out: Tensor;
  if (dx) { need(op, 'dx', dx); checkBackend(op, b, dx); needSize(op, 'dx', dx, p.n * p.inF, `[${p.n}, ${p.inF}]`); out = dx; }
  else out = new Tensor(b, [p.n, p.inF]);
  b.denseBackwardData(p, dy.buffer, w.buffer, out.buffer);
  return out;
}

export function denseBackwardFilter(p: DenseParams, x: Tensor, dy: Tensor, dw?: Tensor, dbias?: Tensor | null): Tensor {
  const op = 'denseBackwardFilter';
  need(op, 'input', x); need(op, 'dy', dy);
  const b = x.backend;
  checkBackend(op, b, dy);
  needSize(op, 'input', x, p.n * p.inF, `[${p.n}, ${p.inF}]`);
  needShape(op, 'dy', dy, [p.n, p.outF]);
  const out = output(op, b, [p.outF, p.inF], dw, 'dw');
  if (dbias) { need(op, 'dbias', dbias); checkBackend(op, b, dbias); needShape(op, 'dbias', dbias, [p.outF]); }
  b.denseBackwardFilter(p, x.buffer, dy.buffer, out.buffer, dbias ? dbias.buffer : null);
  return out;
}

// ---- elementwise -------------------------------------------------------------------------------------

export function activation(kind: ActivationKind, x: Tensor, out?: Tensor): Tensor {
  const op = 'activation';
  checkActivation(op, kind);
  need(op, 'input', x);
  const y = output(op, x.backend, x.shape, out);
  x.backend.activation(kind, x.size, x.buffer, y.buffer);
  trace(op, { kind, length: x.size }, [x], {}, y);
  return y;
}

export function activationBackward(kind: ActivationKind, x: Tensor, y: Tensor, dy: Tensor, dx?: Tensor): Tensor {
  const op = 'activationBackward';
  checkActivation(op, kind);
  need(op, 'input', x); need(op, 'output', y); need(op, 'dy', dy);
  const b = x.backend;
  checkBackend(op, b, y, dy);
  checkSameShape(op, x.shape, y.shape, 'input', 'output');
  checkSameShape(op, x.shape, dy.shape, 'input', 'dy');
  const out = output(op, b, x.shape, dx, 'dx');
  b.activationBackward(kind, x.size, x.buffer, y.buffer, dy.buffer, out.buffer);
  return out;
}

function binary(op: 'add' | 'mul', a: Tensor, b: Tensor, out: Tensor | undefined, traced: boolean): Tensor {
  need(op, 'a', a); need(op, 'b', b);
  const be = a.backend;
  checkBackend(op, be, b);
  checkSameShape(op, a.shape, b.shape);
  const y = output(op, be, a.shape, out);
  be[op](a.size, a.buffer, b.buffer, y.buffer);
  if (traced) trace(op, { length: a.size }, [a, b], {}, y);
  return y;
}

/** y = a + b (out may alias a or b). */
export function add(a: Tensor, b: Tensor, out?: Tensor): Tensor { return binary('add', a, b, out, true); }

/** y = a * b elementwise. */
export function mul(a: Tensor, b: Tensor, out?: Tensor): Tensor { return binary('mul', a, b, out, true); }

/** Gradient sum (backward paths): like add, not traced. */
export function addGrad(a: Tensor, b: Tensor, out?: Tensor): Tensor { return binary('add', a, b, out, false); }

/** Elementwise product on a backward path (not traced). */
export function mulGrad(a: Tensor, b: Tensor, out?: Tensor): Tensor { return binary('mul', a, b, out, false); }

/** y += alpha * x. */
export function axpy(alpha: number, x: Tensor, y: Tensor): Tensor {
  const op = 'axpy';
  checkFinite(op, 'alpha', alpha);
  need(op, 'x', x); need(op, 'y', y);
  checkBackend(op, x.backend, y);
  needSize(op, 'y', y, x.size, 'same as x');
  x.backend.axpy(x.size, alpha, x.buffer, y.buffer);
  return y;
}

/** y = alpha * x (out may be x). */
export function scale(alpha: number, x: Tensor, out?: Tensor): Tensor {
  const op = 'scale';
  checkFinite(op, 'alpha', alpha);
  need(op, 'x', x);
  const y = output(op, x.backend, x.shape, out);
  x.backend.scale(x.size, alpha, x.buffer, y.buffer);
  return y;
}

/** Sum of squares into a [1] tensor. */
export function sumSquares(x: Tensor, out?: Tensor): Tensor {
  const op = 'sumSquares';
  need(op, 'x', x);
  const y = output(op, x.backend, [1], out);
  x.backend.sumSquares(x.size, x.buffer, y.buffer);
  return y;
}

/** Sets every element to `value`. */
export function fill(t: Tensor, value: number): Tensor {
  need('fill', 'tensor', t);
  checkFinite('fill', 'value', value);
  t.backend.fill(t.buffer, value);
  return t;
}

/** dst = src (same size). */
export function copy(src: Tensor, dst: Tensor): Tensor {
  const op = 'copy';
  need(op, 'src', src); need(op, 'dst', dst);
  checkBackend(op, src.backend, dst);
  needSize(op, 'dst', dst, src.size, 'same as src');
  src.backend.copy(src.buffer, dst.buffer);
  return dst;
}

// ---- channel scale (squeeze-excite) ------------------------------------------------------------------

function channelScaleParams(op: string, x: Tensor, s: Tensor): ChannelScaleParams {
  if (x.shape.length < 2) throw new ConvnetsError(`${op}: input must be [n, ..., c], got ${shapeToString(x.shape)}`);
  const n = x.shape[0];
  const c = x.shape[x.shape.length - 1];
  needSize(op, 'scale', s, n * c, `[${n}, 1, 1, ${c}]: one per sample and channel`);
  return { n, hw: x.size / (n * c), c };
}

/** y[i, p, c] = x[i, p, c] * s[i, c]; x [n, h, w, c], s [n, 1, 1, c] (or [n, c]). */
export function channelScale(x: Tensor, s: Tensor, out?: Tensor): Tensor {
  const op = 'channelScale';
  need(op, 'input', x); need(op, 'scale', s);
  checkBackend(op, x.backend, s);
  const p = channelScaleParams(op, x, s);
  const y = output(op, x.backend, x.shape, out);
  x.backend.channelScale(p, x.buffer, s.buffer, y.buffer);
  trace(op, p, [x, s], {}, y);
  return y;
}

export function channelScaleBackward(x: Tensor, s: Tensor, dy: Tensor, dx?: Tensor, ds?: Tensor): { dx: Tensor; ds: Tensor } {
  const op = 'channelScaleBackward';
  need(op, 'input', x); need(op, 'scale', s); need(op, 'dy', dy);
  const b = x.backend;
  checkBackend(op, b, s, dy);
  checkSameShape(op, x.shape, dy.shape, 'input', 'dy');
  const p = channelScaleParams(op, x, s);
  const odx = output(op, b, x.shape, dx, 'dx');
  const ods = output(op, b, s.shape, ds, 'ds');
  b.channelScaleBackward(p, x.buffer, s.buffer, dy.buffer, odx.buffer, ods.buffer);
  return { dx: odx, ds: ods };
}

/**
 * Per-sample scale (stochastic depth): y[i, ...] = x[i, ...] * s[i], s [n]. Runs as a channelScale of
 * x viewed as [n, rest, 1]. Not traced (training only).
 */
export function sampleScale(x: Tensor, s: Tensor, out?: Tensor): Tensor {
  const op = 'sampleScale';
  need(op, 'input', x); need(op, 'scale', s);
  checkBackend(op, x.backend, s);
  const n = x.shape[0];
  needSize(op, 'scale', s, n, 'one per sample');
  const y = output(op, x.backend, x.shape, out);
  x.backend.channelScale({ n, hw: x.size / n, c: 1 }, x.buffer, s.buffer, y.buffer);
  return y;
}

// ---- concat / split along channels --------------------------------------------------------------------

export function concat(xs: readonly Tensor[], out?: Tensor): Tensor {
  const op = 'concat';
  if (!Array.isArray(xs) || xs.length === 0) throw new ConvnetsError(`${op}: needs a non-empty list of tensors`);
  xs.forEach((t, i) => need(op, `input ${i}`, t));
  const b = xs[0].backend;
  checkBackend(op, b, ...xs);
  const shape = concatShape(op, xs.map((t) => t.shape));
  const channels = xs.map((t) => t.shape[t.shape.length - 1]);
  const p: ConcatParams = { rows: xs[0].size / channels[0], channels };
  noAlias(op, out, ...xs);
  const y = output(op, b, shape, out);
  b.concat(p, xs.map((t) => t.buffer), y.buffer);
  trace(op, p, [...xs], {}, y);
  return y;
}

/** Splits y along its last axis into `channels` parts (or into the given `outs`). Not traced (concat's backward). */
export function split(y: Tensor, channels: readonly number[], outs?: readonly Tensor[]): Tensor[] {
  const op = 'split';
  need(op, 'input', y);
  const b = y.backend;
  const c = y.shape[y.shape.length - 1];
  const total = channels.reduce((s, v) => s + v, 0);
  if (channels.length === 0 || channels.some((v) => !Number.isInteger(v) || v <= 0) || total !== c) {
    throw new ConvnetsError(`${op}: channels ${JSON.stringify(channels)} must be positive and sum to the input's ${c} channels`);
  }
  if (outs && outs.length !== channels.length) {
    throw new ConvnetsError(`${op}: ${outs.length} outputs given for ${channels.length} parts`);
  }
  const lead = y.shape.slice(0, -1);
  const res = channels.map((ch, i) => output(op, b, [...lead, ch], outs ? outs[i] : undefined, `output ${i}`));
  b.split({ rows: y.size / c, channels: [...channels] }, y.buffer, res.map((t) => t.buffer));
  return res;
}

// ---- dropout --------------------------------------------------------------------------------------------

/** mask = keep ? 1/(1-rate) : 0 per element, from the counter hash of (seed, index). */
export function dropoutMask(shape: Shape, rate: number, seed: number, mask?: Tensor, backend?: Backend): Tensor {
  const op = 'dropoutMask';
  checkFinite(op, 'rate', rate);
  if (rate < 0 || rate >= 1) throw new ConvnetsError(`${op}: rate must be in [0, 1), got ${rate}`);
  if (!Number.isInteger(seed)) throw new ConvnetsError(`${op}: seed must be an integer, got ${seed}`);
  const b = mask ? mask.backend : backend;
  if (!b) throw new ConvnetsError(`${op}: give a mask tensor or a backend`);
  const m = output(op, b, shape, mask, 'mask');
  b.dropoutMask(m.size, rate, seed | 0, m.buffer);
  return m;
}

/** Training-time dropout: y = x * mask. Returns the mask for backward (dx = dy * mask). */
export function dropout(x: Tensor, rate: number, seed: number, out?: Tensor, mask?: Tensor): { y: Tensor; mask: Tensor } {
  const op = 'dropout';
  need(op, 'input', x);
  if (mask) { need(op, 'mask', mask); checkBackend(op, x.backend, mask); needShape(op, 'mask', mask, x.shape); }
  const m = dropoutMask(x.shape, rate, seed, mask, x.backend);
  const y = output(op, x.backend, x.shape, out);
  x.backend.mul(x.size, x.buffer, m.buffer, y.buffer);
  trace(op, { length: x.size, rate, seed }, [x], {}, y);
  return { y, mask: m };
}

// ---- loss ---------------------------------------------------------------------------------------------

function xentParams(op: string, logits: Tensor, labels: Tensor, smoothing: number): SoftmaxXentParams {
  if (logits.shape.length !== 2) throw new ConvnetsError(`${op}: logits must be [n, classes], got ${shapeToString(logits.shape)}`);
  const [n, classes] = logits.shape;
  needSize(op, 'labels', labels, n, 'one class index per sample');
  checkFinite(op, 'smoothing', smoothing);
  if (smoothing < 0 || smoothing >= 1) throw new ConvnetsError(`${op}: label smoothing must be in [0, 1), got ${smoothing}`);
  return { n, classes, smoothing };
}

/** Softmax cross-entropy per sample. Labels are class indices stored as floats (checked here). */
export function softmaxCrossEntropy(logits: Tensor, labels: Tensor, smoothing = 0,
  outs: { probs?: Tensor; loss?: Tensor } = {}): { probs: Tensor; loss: Tensor } {
  const op = 'softmaxCrossEntropy';
  need(op, 'logits', logits); need(op, 'labels', labels);
  const b = logits.backend;
  checkBackend(op, b, labels);
  // The kernel checks the labels (no readback here: on a GPU that would be a sync every step).
  const p = xentParams(op, logits, labels, smoothing);
  const probs = output(op, b, logits.shape, outs.probs, 'probs');
  const loss = output(op, b, [p.n], outs.loss, 'loss');
  b.softmaxCrossEntropy(p, logits.buffer, labels.buffer, probs.buffer, loss.buffer);
  trace(op, p, [logits, labels], {}, loss);
  return { probs, loss };
}

/** dlogits = (probs - target) * gradScale (1/n for a mean loss). */
export function softmaxCrossEntropyBackward(probs: Tensor, labels: Tensor, smoothing: number, gradScale: number,
  dlogits?: Tensor): Tensor {
  const op = 'softmaxCrossEntropyBackward';
  need(op, 'probs', probs); need(op, 'labels', labels);
  const b = probs.backend;
  checkBackend(op, b, labels);
  checkFinite(op, 'gradScale', gradScale);
  const p = xentParams(op, probs, labels, smoothing);
  const out = output(op, b, probs.shape, dlogits, 'dlogits');
  b.softmaxCrossEntropyBackward(p, probs.buffer, labels.buffer, gradScale, out.buffer);
  return out;
}

// ---- views ---------------------------------------------------------------------------------------------

/** A view with another shape (no copy); traced so exporters see the reshape. `view`: a cached earlier result. */
export function reshape(x: Tensor, shape: Shape, view?: Tensor): Tensor {
  need('reshape', 'input', x);
  // Reuse a previous view of the same storage and shape (modules keep theirs across steps).
  const reuse = view !== undefined && !view.disposed && view.buffer === x.buffer &&
    view.shape.length === shape.length && view.shape.every((d, i) => d === shape[i]);
  const y = reuse ? view : x.reshape(shape);
  trace('reshape', { shape: [...shape] }, [x], {}, y, { shape: [...shape] });
  return y;
}

// ---- optimiser updates ----------------------------------------------------------------------------------

function checkStateTensors(op: string, param: Tensor, ts: [string, Tensor][]): void {
  need(op, 'param', param);
  for (const [arg, t] of ts) { need(op, arg, t); checkBackend(op, param.backend, t); needSize(op, arg, t, param.size, 'same as param'); }
}

export function sgdUpdate(param: Tensor, grad: Tensor, velocity: Tensor,
  o: { lr: number; momentum?: number; weightDecay?: number; nesterov?: boolean }): void {
  const op = 'sgdUpdate';
  checkStateTensors(op, param, [['grad', grad], ['velocity', velocity]]);
  const p: SgdParams = { length: param.size, lr: o.lr, momentum: o.momentum ?? 0, weightDecay: o.weightDecay ?? 0, nesterov: o.nesterov ?? false };
  checkFinite(op, 'lr', p.lr); checkFinite(op, 'momentum', p.momentum); checkFinite(op, 'weightDecay', p.weightDecay);
  param.backend.sgdUpdate(p, param.buffer, grad.buffer, velocity.buffer);
}

export function adamwUpdate(param: Tensor, grad: Tensor, m: Tensor, v: Tensor,
  o: { lr: number; beta1?: number; beta2?: number; eps?: number; weightDecay?: number; step: number }): void {
  const op = 'adamwUpdate';
  checkStateTensors(op, param, [['grad', grad], ['m', m], ['v', v]]);
  const p: AdamWParams = {
    length: param.size, lr: o.lr, beta1: o.beta1 ?? 0.9, beta2: o.beta2 ?? 0.999, eps: o.eps ?? 1e-8,
    weightDecay: o.weightDecay ?? 0.01, step: o.step,
  };
  for (const k of ['lr', 'beta1', 'beta2', 'eps', 'weightDecay'] as const) checkFinite(op, k, p[k]);
  if (!Number.isInteger(p.step) || p.step < 1) throw new ConvnetsError(`${op}: step must be a positive integer (1-based), got ${p.step}`);
  param.backend.adamwUpdate(p, param.buffer, grad.buffer, m.buffer, v.buffer);
}

/** Elements of a shape (re-exported convenience for modules). */
export { shapeSize };
