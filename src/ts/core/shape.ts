// Shape math: the ONLY place output sizes and paddings are computed. Every impossible configuration
// is rejected here with a message naming the op, the argument, what was expected and what was given.
import { ConvnetsError } from './backend.js';
import type { Conv2dParams, Pool2dParams } from './backend.js';

export type Shape = readonly number[];

/**
 * Padding: a number (all sides), [padH, padW] (symmetric per axis), [top, bottom, left, right],
 * 'valid' (none) or 'same' (TensorFlow's rule: output = ceil(in / stride), extra pad at bottom/right).
 */
export type Padding = number | readonly [number, number] | readonly [number, number, number, number] | 'same' | 'valid';

export interface ResolvedPadding { top: number; bottom: number; left: number; right: number; }

export function shapeSize(shape: Shape): number {
  let s = 1;
  for (const d of shape) s *= d;
  return s;
}

export function shapeToString(shape: Shape): string {
  return `[${shape.join(', ')}]`;
}

/** Checks a shape is a list of positive integers. */
export function checkShape(op: string, arg: string, shape: Shape, rank?: number): void {
  if (!Array.isArray(shape) && !(shape instanceof Array)) {
    throw new ConvnetsError(`${op}: ${arg} must be a shape (array of sizes), got ${String(shape)}`);
  }
  if (rank !== undefined && shape.length !== rank) {
    throw new ConvnetsError(`${op}: ${arg} must have rank ${rank}, got shape ${shapeToString(shape)} (rank ${shape.length})`);
  }
  for (const d of shape) {
    if (!Number.isInteger(d) || d <= 0) {
      throw new ConvnetsError(`${op}: ${arg} sizes must be positive integers, got ${shapeToString(shape)}`);
    }
  }
}

function checkPositiveInt(op: string, arg: string, v: number): void {
  if (!Number.isInteger(v) || v <= 0) throw new ConvnetsError(`${op}: ${arg} must be a positive integer, got ${v}`);
}

function checkNonNegInt(op: string, arg: string, v: number): void {
  if (!Number.isInteger(v) || v < 0) throw new ConvnetsError(`${op}: ${arg} must be a non-negative integer, got ${v}`);
}

function pair(op: string, arg: string, v: number | readonly [number, number] | undefined, dflt: number): [number, number] {
  if (v === undefined) return [dflt, dflt];
  if (typeof v === 'number') return [v, v];
  if (Array.isArray(v) && v.length === 2) return [v[0], v[1]];
  throw new ConvnetsError(`${op}: ${arg} must be a number or [h, w], got ${JSON.stringify(v)}`);
}

/** 'same' padding for one axis (TensorFlow's rule): total = max((ceil(in/s)-1)*s + eff - in, 0). */
function samePad(inSize: number, k: number, stride: number, dilation: number): [number, number] {
  const eff = (k - 1) * dilation + 1;
  const out = Math.ceil(inSize / stride);
  const total = Math.max((out - 1) * stride + eff - inSize, 0);
  const before = Math.floor(total / 2);
  return [before, total - before];
}

export function resolvePadding(op: string, padding: Padding | undefined, inH: number, inW: number,
  kH: number, kW: number, strideH: number, strideW: number, dilH: number, dilW: number): ResolvedPadding {
  const p = padding ?? 0;
  let r: ResolvedPadding;
  if (p === 'valid') r = { top: 0, bottom: 0, left: 0, right: 0 };
  else if (p === 'same') {
    const [t, b] = samePad(inH, kH, strideH, dilH);
    const [l, rr] = samePad(inW, kW, strideW, dilW);
    r = { top: t, bottom: b, left: l, right: rr };
  } else if (typeof p === 'number') r = { top: p, bottom: p, left: p, right: p };
  else if (Array.isArray(p) && p.length === 2) r = { top: p[0], bottom: p[0], left: p[1], right: p[1] };
  else if (Array.isArray(p) && p.length === 4) r = { top: p[0], bottom: p[1], left: p[2], right: p[3] };
  else throw new ConvnetsError(`${op}: padding must be a number, [h, w], [top, bottom, left, right], 'same' or 'valid', got ${JSON.stringify(p)}`);
  for (const [k, v] of Object.entries(r)) checkNonNegInt(op, `padding.${k}`, v);
  return r;
}

/** Output size of a sliding window along one axis; ceil mode as torch (last window must start inside input or left pad). */
export function windowOutSize(op: string, axis: string, inSize: number, k: number, stride: number, dilation: number,
  padBefore: number, padAfter: number, ceilMode = false): number {
  const eff = (k - 1) * dilation + 1;
  const span = inSize + padBefore + padAfter - eff;
  if (span < 0) {
    throw new ConvnetsError(`${op}: kernel ${axis} (${k}, dilation ${dilation}, effective ${eff}) is larger than the padded input ${axis} ` +
      `(${inSize} + ${padBefore} + ${padAfter} = ${inSize + padBefore + padAfter})`);
  }
  let out = ceilMode ? Math.ceil(span / stride) + 1 : Math.floor(span / stride) + 1;
  if (ceilMode && (out - 1) * stride >= inSize + padBefore) out--;
  return out;
}

export interface Conv2dOptions {
  stride?: number | readonly [number, number];
  padding?: Padding;
  dilation?: number | readonly [number, number];
  groups?: number;
}

/** Resolves a conv of x [n,h,w,c] with filter [outC, kH, kW, c/groups] into kernel parameters. */
export function conv2dParams(xShape: Shape, wShape: Shape, opts: Conv2dOptions = {}, op = 'conv2d'): Conv2dParams {
  checkShape(op, 'input', xShape, 4);
  checkShape(op, 'filter', wShape, 4);
  const [n, inH, inW, inC] = xShape;
  const [outC, kH, kW, wInC] = wShape;
  const groups = opts.groups ?? 1;
  checkPositiveInt(op, 'groups', groups);
  if (inC % groups !== 0) throw new ConvnetsError(`${op}: input channels (${inC}) must be divisible by groups (${groups})`);
  if (outC % groups !== 0) throw new ConvnetsError(`${op}: output channels (${outC}) must be divisible by groups (${groups})`);
  if (wInC !== inC / groups) {
    throw new ConvnetsError(`${op}: filter shape ${shapeToString(wShape)} expects ${wInC} input channels per group, ` +
      `but input ${shapeToString(xShape)} with groups ${groups} has ${inC / groups}`);
  }
  const [strideH, strideW] = pair(op, 'stride', opts.stride, 1);
  const [dilationH, dilationW] = pair(op, 'dilation', opts.dilation, 1);
  checkPositiveInt(op, 'stride', strideH); checkPositiveInt(op, 'stride', strideW);
  checkPositiveInt(op, 'dilation', dilationH); checkPositiveInt(op, 'dilation', dilationW);
  const pad = resolvePadding(op, opts.padding, inH, inW, kH, kW, strideH, strideW, dilationH, dilationW);
  const outH = windowOutSize(op, 'height', inH, kH, strideH, dilationH, pad.top, pad.bottom);
  const outW = windowOutSize(op, 'width', inW, kW, strideW, dilationW, pad.left, pad.right);
  return {
    n, inH, inW, inC, outH, outW, outC, kH, kW, strideH, strideW,
    padTop: pad.top, padLeft: pad.left, dilationH, dilationW, groups,
  };
}

export interface Pool2dOptions {
  kernel: number | readonly [number, number];
  stride?: number | readonly [number, number];
  padding?: Padding;
  ceilMode?: boolean;
  countIncludePad?: boolean;
}

/** Resolves a pool of x [n,h,w,c]. Stride defaults to the kernel, as in torch. */
export function pool2dParams(xShape: Shape, opts: Pool2dOptions, op = 'pool2d'): Pool2dParams {
  checkShape(op, 'input', xShape, 4);
  const [n, inH, inW, c] = xShape;
  const [kH, kW] = pair(op, 'kernel', opts.kernel, 1);
  checkPositiveInt(op, 'kernel', kH); checkPositiveInt(op, 'kernel', kW);
  const [strideH, strideW] = opts.stride === undefined ? [kH, kW] : pair(op, 'stride', opts.stride, 1);
  checkPositiveInt(op, 'stride', strideH); checkPositiveInt(op, 'stride', strideW);
  const pad = resolvePadding(op, opts.padding, inH, inW, kH, kW, strideH, strideW, 1, 1);
  if (pad.top > kH / 2 || pad.bottom > kH / 2 || pad.left > kW / 2 || pad.right > kW / 2) {
    throw new ConvnetsError(`${op}: padding must be at most half the kernel (kernel ${kH}x${kW}, padding ` +
      `${pad.top},${pad.bottom},${pad.left},${pad.right}): a window could then see only padding`);
  }
  const ceil = opts.ceilMode ?? false;
  const outH = windowOutSize(op, 'height', inH, kH, strideH, 1, pad.top, pad.bottom, ceil);
  const outW = windowOutSize(op, 'width', inW, kW, strideW, 1, pad.left, pad.right, ceil);
  return {
    n, inH, inW, c, outH, outW, kH, kW, strideH, strideW, padTop: pad.top, padLeft: pad.left,
    padBottom: pad.bottom, padRight: pad.right, countIncludePad: opts.countIncludePad ?? true,
  };
}

/** Shapes must agree exactly (add, residual). */
export function checkSameShape(op: string, a: Shape, b: Shape, aName = 'a', bName = 'b'): void {
  if (a.length !== b.length || a.some((d, i) => d !== b[i])) {
    throw new ConvnetsError(`${op}: ${aName} ${shapeToString(a)} and ${bName} ${shapeToString(b)} must have the same shape`);
  }
}

/** Concat along the last axis: all leading dims equal. Returns the output shape. */
export function concatShape(op: string, shapes: readonly Shape[]): number[] {
  if (shapes.length === 0) throw new ConvnetsError(`${op}: needs at least one input`);
  const first = shapes[0];
  let c = 0;
  for (const [i, s] of shapes.entries()) {
    if (s.length !== first.length || s.slice(0, -1).some((d, j) => d !== first[j])) {
      throw new ConvnetsError(`${op}: input ${i} has shape ${shapeToString(s)}, expected leading dims ` +
        `${shapeToString(first.slice(0, -1))} like input 0 (only the channel axis may differ)`);
    }
    c += s[s.length - 1];
  }
  return [...first.slice(0, -1), c];
}

/** Receptive field growth of one layer: (rf, jump) -> (rf + (k-1)*d*jump, jump*stride). */
export function receptiveFieldStep(rf: number, jump: number, k: number, stride: number, dilation = 1): [number, number] {
  return [rf + (k - 1) * dilation * jump, jump * stride];
}

// ---- adaptive average pooling ----------------------------------------------------------------------

/** torch's AdaptiveAvgPool windows along one axis: [floor(i*in/out), ceil((i+1)*in/out)) for i < out. */
export function adaptiveWindows(inSize: number, outSize: number): [number, number][] {
  const r: [number, number][] = [];
  for (let i = 0; i < outSize; i++) r.push([Math.floor((i * inSize) / outSize), Math.ceil(((i + 1) * inSize) / outSize)]);
  return r;
}

/**
 * The adaptive average pool as a matrix P [outH*outW, inH*inW]: y[o, c] = sum_i P[o, i] x[i, c] over
 * row-major spatial positions. Exporters use it where a graph has no uneven-window pool.
 */
export function adaptivePoolMatrix(inH: number, inW: number, outH: number, outW: number): Float32Array {
  const rows = adaptiveWindows(inH, outH), cols = adaptiveWindows(inW, outW);
  const m = new Float32Array(outH * outW * inH * inW);
  for (let oh = 0; oh < outH; oh++) {
    for (let ow = 0; ow < outW; ow++) {
      const [h0, h1] = rows[oh], [w0, w1] = cols[ow];
      const inv = 1 / ((h1 - h0) * (w1 - w0));
      const o = (oh * outW + ow) * inH * inW;
      for (let ih = h0; ih < h1; ih++) for (let iw = w0; iw < w1; iw++) m[o + ih * inW + iw] = inv;
    }
  }
  return m;
}
