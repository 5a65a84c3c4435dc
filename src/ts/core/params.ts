// The one semantic check of every kernel's parameters, by the kernel's schema record (core/abi.ts).
// Backends call checkKernelParams at their kernel entry (the js reference on its own, wasm and native
// before encoding), so a kernel called directly and one called through ops get the same errors; the
// schema encoder adds the type checks (integers, finite numbers, enum members).
import { ConvnetsError } from './errors.js';
import { KERNELS } from './abi.js';
import type { KernelName } from './backend.js';
import type {
  AdamWParams, AdaptivePool2dParams, BatchNormParams, ConcatParams, Conv2dParams, Pool2dParams, SoftmaxXentParams,
} from './backend.js';
import { convFamily } from './dispatch.js';

function pos(op: string, p: object, keys: readonly string[]): void {
  for (const k of keys) {
    const v = (p as Record<string, unknown>)[k];
    if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) throw new ConvnetsError(`${op}: params.${k} must be a positive integer, got ${v}`);
  }
}

function nonNeg(op: string, p: object, keys: readonly string[]): void {
  for (const k of keys) {
    const v = (p as Record<string, unknown>)[k];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw new ConvnetsError(`${op}: params.${k} must be a non-negative integer, got ${v}`);
  }
}

function inRange(op: string, name: string, v: unknown, lo: number, hi: number, hiOpen: boolean): void {
  if (typeof v !== 'number' || !(v >= lo && (hiOpen ? v < hi : v <= hi))) {
    throw new ConvnetsError(`${op}: ${name} must be in [${lo}, ${hi}${hiOpen ? ')' : ']'}, got ${v}`);
  }
}

function conv2d(op: string, p: Conv2dParams, family: string): void {
  if (!p || typeof p !== 'object') throw new ConvnetsError(`${op}: params must be resolved Conv2dParams`);
  pos(op, p, ['n', 'inH', 'inW', 'inC', 'outH', 'outW', 'outC', 'kH', 'kW', 'strideH', 'strideW', 'dilationH', 'dilationW', 'groups']);
  nonNeg(op, p, ['padTop', 'padLeft']);
  if (p.inC % p.groups !== 0 || p.outC % p.groups !== 0) {
    throw new ConvnetsError(`${op}: channels (in ${p.inC}, out ${p.outC}) must be divisible by groups (${p.groups})`);
  }
  if (family === 'dwconv2d' && (p.groups !== p.inC || p.outC % p.inC !== 0)) {
    throw new ConvnetsError(`${op}: needs groups === inC and outC a multiple of inC, got groups ${p.groups}, inC ${p.inC}, outC ${p.outC}`);
  }
  if (family === 'pwconv2d' && convFamily(p) !== 'pwconv2d') {
    throw new ConvnetsError(`${op}: needs a 1x1 kernel, stride 1, no padding, groups 1 and outH/outW = inH/inW, got ` +
      `${p.kH}x${p.kW} stride ${p.strideH}x${p.strideW} pad ${p.padTop},${p.padLeft} groups ${p.groups} ${p.inH}x${p.inW} -> ${p.outH}x${p.outW}`);
  }
}

function pool2d(op: string, p: Pool2dParams): void {
  pos(op, p, ['n', 'inH', 'inW', 'c', 'outH', 'outW', 'kH', 'kW', 'strideH', 'strideW']);
  nonNeg(op, p, ['padTop', 'padLeft', 'padBottom', 'padRight']);
  // Every window must touch the input, or max pool would have nothing to pick.
  if ((p.outH - 1) * p.strideH - p.padTop >= p.inH || (p.outW - 1) * p.strideW - p.padLeft >= p.inW ||
    p.padTop >= p.kH || p.padLeft >= p.kW) {
    throw new ConvnetsError(`${op}: a window would lie entirely in padding (in ${p.inH}x${p.inW}, out ${p.outH}x${p.outW}, ` +
      `kernel ${p.kH}x${p.kW}, stride ${p.strideH}x${p.strideW}, pad ${p.padTop},${p.padLeft})`);
  }
}

function batchNorm(op: string, p: BatchNormParams): void {
  pos(op, p, ['rows', 'c']);
  if (!(typeof p.eps === 'number' && p.eps > 0 && Number.isFinite(p.eps))) throw new ConvnetsError(`${op}: params.eps must be > 0, got ${p.eps}`);
  if (op !== 'batchNormTrain') return;
  inRange(op, 'params.momentum', p.momentum, 0, 1, false);
  if (p.rows < 2) {
    // The unbiased running variance would divide by zero (torch refuses this too).
    throw new ConvnetsError(`${op}: training needs more than 1 value per channel (rows = n*h*w = ${p.rows})`);
  }
}

function concat(op: string, p: ConcatParams): void {
  pos(op, p, ['rows']);
  if (!Array.isArray(p.channels) || p.channels.length === 0) throw new ConvnetsError(`${op}: params.channels is empty`);
  p.channels.forEach((c, i) => {
    if (!Number.isInteger(c) || c <= 0) throw new ConvnetsError(`${op}: params.channels[${i}] must be a positive integer, got ${c}`);
  });
}

/** Scalar arguments of the kernels without a params object, by schema record. */
export interface ScalarArgs { length?: number; alpha?: number; rate?: number; seed?: number; kind?: string; gradScale?: number; }

/**
 * Checks a kernel's parameter record (the contract's params object, or the scalar arguments gathered
 * into one for activation/elementwise/dropout kernels). Throws a ConvnetsError naming the kernel and field.
 */
export function checkKernelParams(kernel: KernelName, p: object): void {
  const spec = KERNELS[kernel];
  switch (spec.record) {
    case 'conv2d': return conv2d(kernel, p as Conv2dParams, spec.family);
    case 'pool2d': return pool2d(kernel, p as Pool2dParams);
    case 'adaptivePool2d': return pos(kernel, p as AdaptivePool2dParams, ['n', 'inH', 'inW', 'c', 'outH', 'outW']);
    case 'batchNorm': return batchNorm(kernel, p as BatchNormParams);
    case 'globalPool': case 'channelScale': return pos(kernel, p, ['n', 'hw', 'c']);
    case 'dense': return pos(kernel, p, ['n', 'inF', 'outF']);
    case 'activation': case 'elementwise': return nonNeg(kernel, p, ['length']);
    case 'concat': return concat(kernel, p as ConcatParams);
    case 'dropout': {
      const d = p as ScalarArgs;
      nonNeg(kernel, d, ['length']);
      inRange(kernel, 'rate', d.rate, 0, 1, true);
      if (!Number.isInteger(d.seed)) throw new ConvnetsError(`${kernel}: seed must be an integer, got ${d.seed}`);
      return;
    }
    case 'softmaxXent': {
      const s = p as SoftmaxXentParams;
      pos(kernel, s, ['n', 'classes']);
      inRange(kernel, 'params.smoothing', s.smoothing, 0, 1, false);
      return;
    }
    case 'sgd': return nonNeg(kernel, p, ['length']);
    case 'adamw': {
      const a = p as AdamWParams;
      nonNeg(kernel, a, ['length']);
      if (!Number.isInteger(a.step) || a.step < 1) throw new ConvnetsError(`${kernel}: params.step must be an integer >= 1 (1-based), got ${a.step}`);
      return;
    }
  }
}
