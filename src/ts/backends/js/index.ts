// The js reference backend: plain loops, obviously right, the definition every other backend is tested
// against. float32 by default; float64 (`dtype: 'float64'`) for gradient checks and as the conformance
// oracle. Always available.
import { ConvnetsError } from '../../core/backend.js';
import type {
  ActivationKind, AdamWParams, AdaptivePool2dParams, Backend, BatchNormParams, Buf, ChannelScaleParams, ConcatParams, Conv2dParams,
  DenseParams, GlobalPoolParams, Pool2dParams, SgdParams, SoftmaxXentParams,
} from '../../core/backend.js';
import type { BackendFactory } from '../../core/registry.js';
import type { BackendOptions } from '../../core/registry.js';
import { JsBuffer, arr, checkCount } from './memory.js';
import { conv2dFwd, conv2dBwdData, conv2dBwdFilter } from './conv2d.js';
import { dwconv2dFwd, dwconv2dBwdData, dwconv2dBwdFilter } from './dwconv2d.js';
import { pwconv2dFwd, pwconv2dBwdData, pwconv2dBwdFilter } from './pwconv2d.js';
import * as bn from './batchnorm.js';
import * as pool from './pool.js';
import * as gp from './globalpool.js';
import * as dn from './dense.js';
import { activationFwd, activationBwd } from './activation.js';
import * as ew from './elementwise.js';
import * as cs from './channelscale.js';
import * as cc from './concat.js';
import * as dr from './dropout.js';
import * as sx from './softmax_xent.js';
import * as op from './optim.js';

export { JsBuffer } from './memory.js';
export { activate, activateGrad } from './activation.js';
export { avgDivisor } from './pool.js';

export interface JsBackendOptions { dtype?: 'float32' | 'float64'; }

export class JsBackend implements Backend {
  readonly name = 'js';
  readonly dtype: 'float32' | 'float64';
  private live = 0;

  constructor(opts: JsBackendOptions = {}) {
    const d = opts.dtype ?? 'float32';
    if (d !== 'float32' && d !== 'float64') throw new ConvnetsError(`js backend: dtype must be 'float32' or 'float64', got ${String(d)}`);
    this.dtype = d;
  }

  // ---- memory ---------------------------------------------------------------------------------
  alloc(length: number): Buf {
    checkCount('alloc', 'length', length);
    const b = new JsBuffer(this.dtype === 'float64' ? new Float64Array(length) : new Float32Array(length));
    this.live += length;
    return b;
  }

  free(b: Buf): void {
    if (!(b instanceof JsBuffer)) throw new ConvnetsError('free: buffer is not a js backend buffer');
    if (b.freed) throw new ConvnetsError('free: buffer was already freed');
    if (b.parent) throw new ConvnetsError('free: buffer is a view; free the buffer it views');
    b.freed = true;
    this.live -= b.length;
  }

  write(b: Buf, data: ArrayLike<number>, offset = 0): void {
    checkCount('write', 'offset', offset);
    const a = arr('write', 'buffer', b, offset + data.length, false);
    for (let i = 0; i < data.length; i++) a[offset + i] = data[i];
  }

  read(b: Buf): Float32Array | Float64Array {
    return arr('read', 'buffer', b, 0, false).slice();
  }

  async readAsync(b: Buf): Promise<Float32Array | Float64Array> { return this.read(b); }

  fill(b: Buf, value: number): void {
    arr('fill', 'buffer', b, 0, false).fill(value);
  }

  copy(src: Buf, dst: Buf): void {
    const s = arr('copy', 'src', src, 0, false);
    arr('copy', 'dst', dst, s.length).set(s);
  }

  view(b: Buf, offset: number, length: number): Buf {
    checkCount('view', 'offset', offset); checkCount('view', 'length', length);
    const a = arr('view', 'buffer', b, offset + length, false);
    return new JsBuffer(a.subarray(offset, offset + length), b as JsBuffer);
  }

  allocated(): number { return this.live; }

  dispose(): void { /* nothing held beyond GC-managed arrays */ }

  // ---- convolution ---------------------------------------------------------------------------
  conv2d(p: Conv2dParams, x: Buf, w: Buf, bias: Buf | null, y: Buf): void { conv2dFwd('conv2d', p, x, w, bias, y); }
  conv2dBackwardData(p: Conv2dParams, dy: Buf, w: Buf, dx: Buf): void { conv2dBwdData('conv2dBackwardData', p, dy, w, dx); }
  conv2dBackwardFilter(p: Conv2dParams, x: Buf, dy: Buf, dw: Buf, dbias: Buf | null): void {
    conv2dBwdFilter('conv2dBackwardFilter', p, x, dy, dw, dbias);
  }
  dwconv2d(p: Conv2dParams, x: Buf, w: Buf, bias: Buf | null, y: Buf): void { dwconv2dFwd(p, x, w, bias, y); }
  dwconv2dBackwardData(p: Conv2dParams, dy: Buf, w: Buf, dx: Buf): void { dwconv2dBwdData(p, dy, w, dx); }
  dwconv2dBackwardFilter(p: Conv2dParams, x: Buf, dy: Buf, dw: Buf, dbias: Buf | null): void { dwconv2dBwdFilter(p, x, dy, dw, dbias); }
  pwconv2d(p: Conv2dParams, x: Buf, w: Buf, bias: Buf | null, y: Buf): void { pwconv2dFwd(p, x, w, bias, y); }
  pwconv2dBackwardData(p: Conv2dParams, dy: Buf, w: Buf, dx: Buf): void { pwconv2dBwdData(p, dy, w, dx); }
  pwconv2dBackwardFilter(p: Conv2dParams, x: Buf, dy: Buf, dw: Buf, dbias: Buf | null): void { pwconv2dBwdFilter(p, x, dy, dw, dbias); }

  // ---- batch norm ------------------------------------------------------------------------------
  batchNormTrain(p: BatchNormParams, x: Buf, gamma: Buf, beta: Buf, y: Buf, runningMean: Buf, runningVar: Buf,
    saveMean: Buf, saveInvStd: Buf): void {
    bn.batchNormTrain(p, x, gamma, beta, y, runningMean, runningVar, saveMean, saveInvStd);
  }
  batchNormInference(p: BatchNormParams, x: Buf, gamma: Buf, beta: Buf, mean: Buf, variance: Buf, y: Buf): void {
    bn.batchNormInference(p, x, gamma, beta, mean, variance, y);
  }
  batchNormTrainBackward(p: BatchNormParams, x: Buf, dy: Buf, gamma: Buf, saveMean: Buf, saveInvStd: Buf,
    dx: Buf, dgamma: Buf, dbeta: Buf): void {
    bn.batchNormTrainBackward(p, x, dy, gamma, saveMean, saveInvStd, dx, dgamma, dbeta);
  }
  batchNormInferenceBackward(p: BatchNormParams, x: Buf, dy: Buf, gamma: Buf, mean: Buf, variance: Buf,
    dx: Buf, dgamma: Buf, dbeta: Buf): void {
    bn.batchNormInferenceBackward(p, x, dy, gamma, mean, variance, dx, dgamma, dbeta);
  }

  // ---- pooling ---------------------------------------------------------------------------------
  maxPool2d(p: Pool2dParams, x: Buf, y: Buf): void { pool.maxPool2d(p, x, y); }
  maxPool2dBackward(p: Pool2dParams, x: Buf, dy: Buf, dx: Buf): void { pool.maxPool2dBackward(p, x, dy, dx); }
  avgPool2d(p: Pool2dParams, x: Buf, y: Buf): void { pool.avgPool2d(p, x, y); }
  avgPool2dBackward(p: Pool2dParams, dy: Buf, dx: Buf): void { pool.avgPool2dBackward(p, dy, dx); }
  adaptiveAvgPool2d(p: AdaptivePool2dParams, x: Buf, y: Buf): void { pool.adaptiveAvgPool2d(p, x, y); }
  adaptiveAvgPool2dBackward(p: AdaptivePool2dParams, dy: Buf, dx: Buf): void { pool.adaptiveAvgPool2dBackward(p, dy, dx); }
  globalAvgPool(p: GlobalPoolParams, x: Buf, y: Buf): void { gp.globalAvgPool(p, x, y); }
  globalAvgPoolBackward(p: GlobalPoolParams, dy: Buf, dx: Buf): void { gp.globalAvgPoolBackward(p, dy, dx); }

  // ---- dense -------------------------------------------------------------------------------------
  dense(p: DenseParams, x: Buf, w: Buf, bias: Buf | null, y: Buf): void { dn.dense(p, x, w, bias, y); }
  denseBackwardData(p: DenseParams, dy: Buf, w: Buf, dx: Buf): void { dn.denseBackwardData(p, dy, w, dx); }
  denseBackwardFilter(p: DenseParams, x: Buf, dy: Buf, dw: Buf, dbias: Buf | null): void { dn.denseBackwardFilter(p, x, dy, dw, dbias); }

  // ---- elementwise -------------------------------------------------------------------------------
  activation(kind: ActivationKind, length: number, x: Buf, y: Buf): void {
    checkCount('activation', 'length', length);
    activationFwd(kind, length, arr('activation', 'x', x, length, false), arr('activation', 'y', y, length, false));
  }
  activationBackward(kind: ActivationKind, length: number, x: Buf, y: Buf, dy: Buf, dx: Buf): void {
    const K = 'activationBackward';
    checkCount(K, 'length', length);
    activationBwd(kind, length, arr(K, 'x', x, length, false), arr(K, 'y', y, length, false),
      arr(K, 'dy', dy, length, false), arr(K, 'dx', dx, length, false));
  }
  add(length: number, a: Buf, b: Buf, y: Buf): void { ew.add(length, a, b, y); }
  axpy(length: number, alpha: number, x: Buf, y: Buf): void { ew.axpy(length, alpha, x, y); }
  scale(length: number, alpha: number, x: Buf, y: Buf): void { ew.scale(length, alpha, x, y); }
  mul(length: number, a: Buf, b: Buf, y: Buf): void { ew.mul(length, a, b, y); }
  sumSquares(length: number, x: Buf, out: Buf): void { ew.sumSquares(length, x, out); }

  channelScale(p: ChannelScaleParams, x: Buf, s: Buf, y: Buf): void { cs.channelScale(p, x, s, y); }
  channelScaleBackward(p: ChannelScaleParams, x: Buf, s: Buf, dy: Buf, dx: Buf, ds: Buf): void { cs.channelScaleBackward(p, x, s, dy, dx, ds); }

  concat(p: ConcatParams, inputs: readonly Buf[], y: Buf): void { cc.concat(p, inputs, y); }
  split(p: ConcatParams, y: Buf, outputs: readonly Buf[]): void { cc.split(p, y, outputs); }

  dropoutMask(length: number, rate: number, seed: number, mask: Buf): void { dr.dropoutMask(length, rate, seed, mask); }

  softmaxCrossEntropy(p: SoftmaxXentParams, logits: Buf, labels: Buf, probs: Buf, loss: Buf): void {
    sx.softmaxCrossEntropy(p, logits, labels, probs, loss);
  }
  softmaxCrossEntropyBackward(p: SoftmaxXentParams, probs: Buf, labels: Buf, gradScale: number, dlogits: Buf): void {
    sx.softmaxCrossEntropyBackward(p, probs, labels, gradScale, dlogits);
  }

  sgdUpdate(p: SgdParams, param: Buf, grad: Buf, velocity: Buf): void { op.sgdUpdate(p, param, grad, velocity); }
  adamwUpdate(p: AdamWParams, param: Buf, grad: Buf, m: Buf, v: Buf): void { op.adamwUpdate(p, param, grad, m, v); }
}

/** The table entry core/registry.ts loads. */
export const factory: BackendFactory = {
  unavailableReason: async () => null,
  create: async (opts?: BackendOptions) => new JsBackend({ dtype: opts?.dtype }),
};
