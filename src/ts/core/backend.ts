// The kernel contract: every backend (js, wasm, native) implements ALL of it, forward and backward.
// Kernels see only opaque buffers of scalars and fully resolved parameter records (all sizes
// computed by core/shape.ts); they write into buffers the caller allocated and allocate only scratch.
//
// Layouts: activations NHWC, conv filters OHWI (= cuDNN KRSC), dense weights [out, in] (torchvision).
// Gradient kernels OVERWRITE their outputs (cuDNN beta = 0); accumulation is an explicit axpy.

import { ENUMS, KERNELS } from './abi.js';
export { ConvnetsError, RuntimeFailure, UsageError } from './errors.js';

/** Opaque handle to a backend's storage of `length` scalars. */
export interface BackendBuffer {
  readonly length: number;
}

/** Pointwise activations: the schema's activation enum (core/abi.ts) without 'none'. */
export type ActivationKind = Exclude<(typeof ENUMS.activation)[number], 'none'>;
export const ACTIVATIONS: readonly ActivationKind[] = ENUMS.activation.filter((a): a is ActivationKind => a !== 'none');

/**
 * A fully resolved 2-D convolution, NHWC x OHWI -> NHWC.
 * Input x: [n, inH, inW, inC]; filter w: [outC, kH, kW, inC / groups]; bias: [outC]; y: [n, outH, outW, outC].
 * Output pixel (oh, ow) reads input rows oh*strideH - padTop + kh*dilationH (likewise columns); the
 * bottom/right padding is implied by outH/outW (asymmetric padding is therefore expressible).
 */
export interface Conv2dParams {
  n: number; inH: number; inW: number; inC: number;
  outH: number; outW: number; outC: number;
  kH: number; kW: number;
  strideH: number; strideW: number;
  padTop: number; padLeft: number;
  dilationH: number; dilationW: number;
  groups: number;
  /** Optional fused epilogue for inference: y = act(conv + bias). Backward kernels ignore it. */
  activation?: ActivationKind;
}

/** Pooling window, NHWC. avg: divisor as torchvision (countIncludePad counts padding but not ceil-mode overhang). */
export interface Pool2dParams {
  n: number; inH: number; inW: number; c: number;
  outH: number; outW: number;
  kH: number; kW: number;
  strideH: number; strideW: number;
  padTop: number; padLeft: number;
  /**
   * Padding below / right of the input, which only the avg divisor with countIncludePad reads (windows
   * never read padding). torch pads pools symmetrically (= padTop / padLeft); 'same' padding and
   * explicit [top, bottom, left, right] pads may not.
   */
  padBottom: number; padRight: number;
  /** Avg pool only: count padded positions in the divisor (torch count_include_pad). */
  countIncludePad: boolean;
}

/** torch's AdaptiveAvgPool2d, NHWC: output cell (oh, ow) averages rows [floor(oh*inH/outH), ceil((oh+1)*inH/outH)) x columns likewise. */
export interface AdaptivePool2dParams { n: number; inH: number; inW: number; c: number; outH: number; outW: number; }

/** Batch norm over the last (channel) axis of a [rows, c] view of an NHWC tensor (rows = n*h*w). */
export interface BatchNormParams {
  rows: number; c: number; eps: number;
  /** Running-stat update factor as torchvision: running = (1 - momentum) * running + momentum * batch (unbiased var). */
  momentum: number;
}

/** Global average pool: x [n, hw, c] -> y [n, c]. */
export interface GlobalPoolParams { n: number; hw: number; c: number; }

/** Dense: x [n, inF] . w[outF, inF]^T + b[outF] -> y [n, outF]. */
export interface DenseParams { n: number; inF: number; outF: number; }

/** Channel scale (squeeze-excite, drop-connect): y[i, p, c] = x[i, p, c] * s[i, c], x as [n, hw, c]. */
export interface ChannelScaleParams { n: number; hw: number; c: number; }

/** Concat/split along the channel (last) axis of [rows, sum(channels)]. */
export interface ConcatParams { rows: number; channels: readonly number[]; }

/** Softmax cross-entropy on logits [n, classes] with labels [n] (class index stored as a float). */
export interface SoftmaxXentParams {
  n: number; classes: number;
  /** Label smoothing epsilon: target = (1 - s) * onehot + s / classes. */
  smoothing: number;
}

/** SGD with momentum as torch.optim.SGD (dampening 0): g += wd*p; v = m*v + g; p -= lr * (nesterov ? g + m*v : v). */
export interface SgdParams { length: number; lr: number; momentum: number; weightDecay: number; nesterov: boolean; }

/** AdamW as torch.optim.AdamW: p *= 1 - lr*wd; m,v moments; bias-corrected with `step` (1-based). */
export interface AdamWParams {
  length: number; lr: number; beta1: number; beta2: number; eps: number; weightDecay: number; step: number;
}

export type Buf = BackendBuffer;

/**
 * The contract. Keep this list, `KERNEL_NAMES` below and test/contract.test.ts in step:
 * the coverage test fails when a kernel lacks a forward test or a gradient check.
 */
export interface Backend {
  readonly name: string;
  /** Scalar type of buffers: the js reference can run in float64 for gradient checks. */
  readonly dtype: 'float32' | 'float64';

  // ---- memory -------------------------------------------------------------------------------
  alloc(length: number): Buf;
  free(b: Buf): void;
  write(b: Buf, data: ArrayLike<number>, offset?: number): void;
  read(b: Buf): Float32Array | Float64Array;
  /**
   * The same as read(), for callers that can wait: a backend that can only read back asynchronously
   * (a GPU queue, a worker-hosted wasm module) implements the whole contract through it.
   */
  readAsync(b: Buf): Promise<Float32Array | Float64Array>;
  fill(b: Buf, value: number): void;
  copy(src: Buf, dst: Buf): void;
  /**
   * Scalars [offset, offset + length) of `b` as a buffer of its own, without a copy (the memory
   * planner's arena hands out tensors this way). A view is never freed; it is invalid once its
   * parent is freed. Not counted by allocated().
   */
  view(b: Buf, offset: number, length: number): Buf;
  /** Scalars currently allocated (for leak tests). */
  allocated(): number;
  /** Release everything the backend holds (workers, device context). */
  dispose(): void;

  // ---- convolution (general, depthwise, pointwise share one signature; ops picks) -------------
  conv2d(p: Conv2dParams, x: Buf, w: Buf, bias: Buf | null, y: Buf): void;
  conv2dBackwardData(p: Conv2dParams, dy: Buf, w: Buf, dx: Buf): void;
  conv2dBackwardFilter(p: Conv2dParams, x: Buf, dy: Buf, dw: Buf, dbias: Buf | null): void;
  /** groups === inC, outC = inC * multiplier. */
  dwconv2d(p: Conv2dParams, x: Buf, w: Buf, bias: Buf | null, y: Buf): void;
  dwconv2dBackwardData(p: Conv2dParams, dy: Buf, w: Buf, dx: Buf): void;
  dwconv2dBackwardFilter(p: Conv2dParams, x: Buf, dy: Buf, dw: Buf, dbias: Buf | null): void;
  /** 1x1, stride 1, no padding, groups 1: a GEMM [n*h*w, inC] x [outC, inC]^T. */
  pwconv2d(p: Conv2dParams, x: Buf, w: Buf, bias: Buf | null, y: Buf): void;
  pwconv2dBackwardData(p: Conv2dParams, dy: Buf, w: Buf, dx: Buf): void;
  pwconv2dBackwardFilter(p: Conv2dParams, x: Buf, dy: Buf, dw: Buf, dbias: Buf | null): void;

  // ---- batch norm -------------------------------------------------------------------------------
  /** Batch statistics; updates running stats; saves mean and 1/sqrt(var+eps) for backward. */
  batchNormTrain(p: BatchNormParams, x: Buf, gamma: Buf, beta: Buf, y: Buf,
    runningMean: Buf, runningVar: Buf, saveMean: Buf, saveInvStd: Buf): void;
  /** Running statistics (eval, and frozen BN in training). */
  batchNormInference(p: BatchNormParams, x: Buf, gamma: Buf, beta: Buf, mean: Buf, variance: Buf, y: Buf): void;
  batchNormTrainBackward(p: BatchNormParams, x: Buf, dy: Buf, gamma: Buf, saveMean: Buf, saveInvStd: Buf,
    dx: Buf, dgamma: Buf, dbeta: Buf): void;
  /** Backward of batchNormInference (frozen BN): statistics are constants. */
  batchNormInferenceBackward(p: BatchNormParams, x: Buf, dy: Buf, gamma: Buf, mean: Buf, variance: Buf,
    dx: Buf, dgamma: Buf, dbeta: Buf): void;

  // ---- pooling ------------------------------------------------------------------------------------
  maxPool2d(p: Pool2dParams, x: Buf, y: Buf): void;
  /** Gradient goes to the first maximal element of each window (row-major scan), as the forward picks. */
  maxPool2dBackward(p: Pool2dParams, x: Buf, dy: Buf, dx: Buf): void;
  avgPool2d(p: Pool2dParams, x: Buf, y: Buf): void;
  avgPool2dBackward(p: Pool2dParams, dy: Buf, dx: Buf): void;
  adaptiveAvgPool2d(p: AdaptivePool2dParams, x: Buf, y: Buf): void;
  adaptiveAvgPool2dBackward(p: AdaptivePool2dParams, dy: Buf, dx: Buf): void;
  globalAvgPool(p: GlobalPoolParams, x: Buf, y: Buf): void;
  globalAvgPoolBackward(p: GlobalPoolParams, dy: Buf, dx: Buf): void;

  // ---- dense ----------------------------------------------------------------------------------------
  dense(p: DenseParams, x: Buf, w: Buf, bias: Buf | null, y: Buf): void;
  denseBackwardData(p: DenseParams, dy: Buf, w: Buf, dx: Buf): void;
  denseBackwardFilter(p: DenseParams, x: Buf, dy: Buf, dw: Buf, dbias: Buf | null): void;

  // ---- elementwise ----------------------------------------------------------------------------------
  activation(kind: ActivationKind, length: number, x: Buf, y: Buf): void;
  /** dx from the forward input x (and/or output y) and dy. */
  activationBackward(kind: ActivationKind, length: number, x: Buf, y: Buf, dy: Buf, dx: Buf): void;
  /** y = a + b (y may alias a or b). Backward of add is the identity: dy flows to both inputs. */
  add(length: number, a: Buf, b: Buf, y: Buf): void;
  /** y += alpha * x (gradient accumulation, residual backward). */
  axpy(length: number, alpha: number, x: Buf, y: Buf): void;
  /** y = alpha * x (y may alias x). */
  scale(length: number, alpha: number, x: Buf, y: Buf): void;
  /** y = a * b elementwise (dropout apply, its backward with the same mask). */
  mul(length: number, a: Buf, b: Buf, y: Buf): void;
  /** out[0] = sum of x^2 (global-norm gradient clipping). */
  sumSquares(length: number, x: Buf, out: Buf): void;

  // ---- squeeze-excite channel scaling ---------------------------------------------------------------
  channelScale(p: ChannelScaleParams, x: Buf, s: Buf, y: Buf): void;
  channelScaleBackward(p: ChannelScaleParams, x: Buf, s: Buf, dy: Buf, dx: Buf, ds: Buf): void;

  // ---- concat / split along channels (split is concat's backward) -----------------------------------
  concat(p: ConcatParams, inputs: readonly Buf[], y: Buf): void;
  split(p: ConcatParams, y: Buf, outputs: readonly Buf[]): void;

  // ---- dropout ------------------------------------------------------------------------------------------
  /**
   * mask[i] = keep ? 1/(1-rate) : 0 with keep decided by dropoutKeep(seed, i, rate) (core/random.ts),
   * a counter-based hash, so every backend draws the same mask for the same seed.
   */
  dropoutMask(length: number, rate: number, seed: number, mask: Buf): void;

  // ---- loss ---------------------------------------------------------------------------------------------
  /**
   * probs = softmax(logits) saved for backward; loss[i] = -sum_c target[i,c] log probs[i,c]. Both
   * kernels check the labels themselves (an integer in [0, classes)): a bad label is a ConvnetsError
   * naming the sample, with no readback by the caller.
   */
  softmaxCrossEntropy(p: SoftmaxXentParams, logits: Buf, labels: Buf, probs: Buf, loss: Buf): void;
  /** dlogits = (probs - target) * gradScale (gradScale = 1/n for a mean loss). */
  softmaxCrossEntropyBackward(p: SoftmaxXentParams, probs: Buf, labels: Buf, gradScale: number, dlogits: Buf): void;

  // ---- optimiser updates (parameters never leave the backend) ------------------------------------------
  sgdUpdate(p: SgdParams, param: Buf, grad: Buf, velocity: Buf): void;
  adamwUpdate(p: AdamWParams, param: Buf, grad: Buf, m: Buf, v: Buf): void;
}

/** Every kernel name of the contract, from the schema (core/abi.ts): the conformance and coverage tests enumerate it. */
export type KernelName = keyof typeof KERNELS;
export const KERNEL_NAMES = Object.keys(KERNELS) as KernelName[];
// Compile-time: the schema's kernels and the Backend interface's kernels are the same set.
type MemoryMembers = 'name' | 'dtype' | 'alloc' | 'free' | 'write' | 'read' | 'readAsync' | 'fill' | 'copy' | 'view' | 'allocated' | 'dispose';
type Same<A, B> = [Exclude<A, B>, Exclude<B, A>] extends [never, never] ? true : { missing: Exclude<A, B>; extra: Exclude<B, A> };
export const KERNELS_MATCH_CONTRACT: Same<KernelName, Exclude<keyof Backend, MemoryMembers>> = true;
