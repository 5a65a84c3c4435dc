// The wasm backend's contract implementation, the same on every platform: memory calls go to the
// runtime, each kernel to its family's file (kernels/<family>.ts), which marshals it through the ABI
// schema (core/abi.ts). index.ts (Node) and web.ts (browsers) bind it to a platform.
import type {
  ActivationKind, AdamWParams, AdaptivePool2dParams, Backend, BatchNormParams, Buf, ChannelScaleParams, ConcatParams,
  Conv2dParams, DenseParams, GlobalPoolParams, Pool2dParams, SgdParams, SoftmaxXentParams,
} from '../../core/backend.js';
import type { WasmBackendInfo, WasmRuntime } from './runtime.js';
import * as conv from './kernels/conv2d.js';
import * as dw from './kernels/dwconv2d.js';
import * as pw from './kernels/pwconv2d.js';
import * as bn from './kernels/batchnorm.js';
import * as pool from './kernels/pool.js';
import * as gp from './kernels/globalpool.js';
import * as dn from './kernels/dense.js';
import * as act from './kernels/activation.js';
import * as ew from './kernels/elementwise.js';
import * as cs from './kernels/channelscale.js';
import * as cc from './kernels/concat.js';
import * as dr from './kernels/dropout.js';
import * as sx from './kernels/softmax_xent.js';
import * as opt from './kernels/optim.js';

export class WasmKernels implements Backend {
  readonly name = 'wasm';
  readonly dtype = 'float32' as const;

  protected constructor(readonly rt: WasmRuntime) {}

  get threads(): number { return this.rt.threads; }
  get relaxedSimd(): boolean { return this.rt.relaxedSimd; }
  info(): WasmBackendInfo { return this.rt.info(); }

  // ---- memory ---------------------------------------------------------------------------------------
  alloc(length: number): Buf { return this.rt.alloc(length); }
  free(b: Buf): void { this.rt.free(b); }
  view(b: Buf, offset: number, length: number): Buf { return this.rt.view(b, offset, length); }
  write(b: Buf, data: ArrayLike<number>, offset = 0): void { this.rt.write(b, data, offset); }
  read(b: Buf): Float32Array { return this.rt.read(b); }
  async readAsync(b: Buf): Promise<Float32Array> { return this.rt.read(b); }
  fill(b: Buf, value: number): void { this.rt.fill(b, value); }
  copy(src: Buf, dst: Buf): void { this.rt.copy(src, dst); }
  allocated(): number { return this.rt.allocated(); }
  dispose(): void { this.rt.dispose(); }

  // ---- kernels, by family ------------------------------------------------------------------------------
  conv2d(p: Conv2dParams, x: Buf, w: Buf, bias: Buf | null, y: Buf): void { conv.conv2d(this.rt, p, x, w, bias, y); }
  conv2dBackwardData(p: Conv2dParams, dy: Buf, w: Buf, dx: Buf): void { conv.conv2dBackwardData(this.rt, p, dy, w, dx); }
  conv2dBackwardFilter(p: Conv2dParams, x: Buf, dy: Buf, dw: Buf, dbias: Buf | null): void { conv.conv2dBackwardFilter(this.rt, p, x, dy, dw, dbias); }
  dwconv2d(p: Conv2dParams, x: Buf, w: Buf, bias: Buf | null, y: Buf): void { dw.dwconv2d(this.rt, p, x, w, bias, y); }
  dwconv2dBackwardData(p: Conv2dParams, dy: Buf, w: Buf, dx: Buf): void { dw.dwconv2dBackwardData(this.rt, p, dy, w, dx); }
  dwconv2dBackwardFilter(p: Conv2dParams, x: Buf, dy: Buf, dw_: Buf, dbias: Buf | null): void { dw.dwconv2dBackwardFilter(this.rt, p, x, dy, dw_, dbias); }
  pwconv2d(p: Conv2dParams, x: Buf, w: Buf, bias: Buf | null, y: Buf): void { pw.pwconv2d(this.rt, p, x, w, bias, y); }
  pwconv2dBackwardData(p: Conv2dParams, dy: Buf, w: Buf, dx: Buf): void { pw.pwconv2dBackwardData(this.rt, p, dy, w, dx); }
  pwconv2dBackwardFilter(p: Conv2dParams, x: Buf, dy: Buf, dw_: Buf, dbias: Buf | null): void { pw.pwconv2dBackwardFilter(this.rt, p, x, dy, dw_, dbias); }

  batchNormTrain(p: BatchNormParams, x: Buf, gamma: Buf, beta: Buf, y: Buf, runningMean: Buf, runningVar: Buf, saveMean: Buf, saveInvStd: Buf): void {
    bn.batchNormTrain(this.rt, p, x, gamma, beta, y, runningMean, runningVar, saveMean, saveInvStd);
  }
  batchNormInference(p: BatchNormParams, x: Buf, gamma: Buf, beta: Buf, mean: Buf, variance: Buf, y: Buf): void {
    bn.batchNormInference(this.rt, p, x, gamma, beta, mean, variance, y);
  }
  batchNormTrainBackward(p: BatchNormParams, x: Buf, dy: Buf, gamma: Buf, saveMean: Buf, saveInvStd: Buf, dx: Buf, dgamma: Buf, dbeta: Buf): void {
    bn.batchNormTrainBackward(this.rt, p, x, dy, gamma, saveMean, saveInvStd, dx, dgamma, dbeta);
  }
  batchNormInferenceBackward(p: BatchNormParams, x: Buf, dy: Buf, gamma: Buf, mean: Buf, variance: Buf, dx: Buf, dgamma: Buf, dbeta: Buf): void {
    bn.batchNormInferenceBackward(this.rt, p, x, dy, gamma, mean, variance, dx, dgamma, dbeta);
  }

  maxPool2d(p: Pool2dParams, x: Buf, y: Buf): void { pool.maxPool2d(this.rt, p, x, y); }
  maxPool2dBackward(p: Pool2dParams, x: Buf, dy: Buf, dx: Buf): void { pool.maxPool2dBackward(this.rt, p, x, dy, dx); }
  avgPool2d(p: Pool2dParams, x: Buf, y: Buf): void { pool.avgPool2d(this.rt, p, x, y); }
  avgPool2dBackward(p: Pool2dParams, dy: Buf, dx: Buf): void { pool.avgPool2dBackward(this.rt, p, dy, dx); }
  adaptiveAvgPool2d(p: AdaptivePool2dParams, x: Buf, y: Buf): void { pool.adaptiveAvgPool2d(this.rt, p, x, y); }
  adaptiveAvgPool2dBackward(p: AdaptivePool2dParams, dy: Buf, dx: Buf): void { pool.adaptiveAvgPool2dBackward(this.rt, p, dy, dx); }
  globalAvgPool(p: GlobalPoolParams, x: Buf, y: Buf): void { gp.globalAvgPool(this.rt, p, x, y); }
  globalAvgPoolBackward(p: GlobalPoolParams, dy: Buf, dx: Buf): void { gp.globalAvgPoolBackward(this.rt, p, dy, dx); }

  dense(p: DenseParams, x: Buf, w: Buf, bias: Buf | null, y: Buf): void { dn.dense(this.rt, p, x, w, bias, y); }
  denseBackwardData(p: DenseParams, dy: Buf, w: Buf, dx: Buf): void { dn.denseBackwardData(this.rt, p, dy, w, dx); }
  denseBackwardFilter(p: DenseParams, x: Buf, dy: Buf, dw_: Buf, dbias: Buf | null): void { dn.denseBackwardFilter(this.rt, p, x, dy, dw_, dbias); }

  activation(kind: ActivationKind, length: number, x: Buf, y: Buf): void { act.activation(this.rt, kind, length, x, y); }
  activationBackward(kind: ActivationKind, length: number, x: Buf, y: Buf, dy: Buf, dx: Buf): void {
    act.activationBackward(this.rt, kind, length, x, y, dy, dx);
  }
  add(length: number, a: Buf, b: Buf, y: Buf): void { ew.add(this.rt, length, a, b, y); }
  axpy(length: number, alpha: number, x: Buf, y: Buf): void { ew.axpy(this.rt, length, alpha, x, y); }
  scale(length: number, alpha: number, x: Buf, y: Buf): void { ew.scale(this.rt, length, alpha, x, y); }
  mul(length: number, a: Buf, b: Buf, y: Buf): void { ew.mul(this.rt, length, a, b, y); }
  sumSquares(length: number, x: Buf, out: Buf): void { ew.sumSquares(this.rt, length, x, out); }

  channelScale(p: ChannelScaleParams, x: Buf, s: Buf, y: Buf): void { cs.channelScale(this.rt, p, x, s, y); }
  channelScaleBackward(p: ChannelScaleParams, x: Buf, s: Buf, dy: Buf, dx: Buf, ds: Buf): void { cs.channelScaleBackward(this.rt, p, x, s, dy, dx, ds); }
  concat(p: ConcatParams, inputs: readonly Buf[], y: Buf): void { cc.concat(this.rt, p, inputs, y); }
  split(p: ConcatParams, y: Buf, outputs: readonly Buf[]): void { cc.split(this.rt, p, y, outputs); }
  dropoutMask(length: number, rate: number, seed: number, mask: Buf): void { dr.dropoutMask(this.rt, length, rate, seed, mask); }

  softmaxCrossEntropy(p: SoftmaxXentParams, logits: Buf, labels: Buf, probs: Buf, loss: Buf): void {
    sx.softmaxCrossEntropy(this.rt, p, logits, labels, probs, loss);
  }
  softmaxCrossEntropyBackward(p: SoftmaxXentParams, probs: Buf, labels: Buf, gradScale: number, dlogits: Buf): void {
    sx.softmaxCrossEntropyBackward(this.rt, p, probs, labels, gradScale, dlogits);
  }
  sgdUpdate(p: SgdParams, param: Buf, grad: Buf, velocity: Buf): void { opt.sgdUpdate(this.rt, p, param, grad, velocity); }
  adamwUpdate(p: AdamWParams, param: Buf, grad: Buf, m: Buf, v: Buf): void { opt.adamwUpdate(this.rt, p, param, grad, m, v); }
}
