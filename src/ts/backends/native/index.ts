// The native backend: the contract on a CUDA GPU through the addon in native/ (own kernels, cuDNN and
// cuBLAS when present). Buffers are ids of device allocations owned by one backend instance; every
// addon error becomes a NativeBackendError (a ConvnetsError) naming the op and carrying the library's
// code and message. Available only when the addon is built AND a GPU is present; otherwise
// unavailableReason() says why (and initBackend() falls back to wasm).
import { ConvnetsError } from '../../core/backend.js';
import type {
  ActivationKind, AdamWParams, Backend, BatchNormParams, Buf, ChannelScaleParams, ConcatParams, Conv2dParams,
  DenseParams, GlobalPoolParams, Pool2dParams, SgdParams, SoftmaxXentParams,
} from '../../core/backend.js';
import { registerBackend } from '../../core/registry.js';
import type { BackendOptions } from '../../core/registry.js';
import { loadAddon, noDeviceReason } from './addon.js';
import type { NativeAddon, NativeContext, NativeContextOptions, NativeErrorFields, NativeStats } from './addon.js';
import { activationCode, floats, ints, packConv, packPool } from './params.js';

export * from './addon.js';
export { packConv, packPool, ACTIVATION_CODES } from './params.js';

/** An error reported by the addon: a CUDA/cuDNN/cuBLAS status (lib, code, codeName) or bad arguments. */
export class NativeBackendError extends ConvnetsError {
  constructor(message: string, readonly op: string, readonly lib: string, readonly code: number, readonly codeName: string) {
    super(message);
    this.name = 'NativeBackendError';
  }
}

function translate(e: unknown): Error {
  if (e instanceof ConvnetsError) return e;
  const f = e as Error & NativeErrorFields;
  if (f && f.native) {
    return new NativeBackendError(`native: ${f.message}`, f.op ?? '', f.lib ?? '', f.code ?? 0, f.codeName ?? '');
  }
  return new ConvnetsError(`native: ${(e as Error)?.message ?? String(e)}`);
}

/** A device buffer: an id in its backend's handle table. */
export class NativeBuffer {
  constructor(readonly id: number, readonly length: number, readonly owner: NativeBackend) {}
}

const NO_FLOATS = new Float64Array(0);

export interface NativeBackendOptions extends NativeContextOptions {}

export class NativeBackend implements Backend {
  readonly name = 'native';
  readonly dtype = 'float32' as const;
  private ctx: NativeContext;

  constructor(readonly addon: NativeAddon, opts: NativeBackendOptions = {}) {
    try {
      this.ctx = new addon.Context(opts);
    } catch (e) {
      throw translate(e);
    }
  }

  private call<T>(f: () => T): T {
    try {
      return f();
    } catch (e) {
      throw translate(e);
    }
  }

  private id(op: string, arg: string, b: Buf | null, optional = false): number {
    if (b === null || b === undefined) {
      if (optional) return -1;
      throw new ConvnetsError(`${op}: argument '${arg}' is required`);
    }
    if (!(b instanceof NativeBuffer)) {
      throw new ConvnetsError(`${op}: argument '${arg}' is not a native buffer (it belongs to another backend; copy it with tensor.to(backend))`);
    }
    if (b.owner !== this) throw new ConvnetsError(`${op}: argument '${arg}' belongs to another native backend instance`);
    return b.id;
  }

  private run(op: string, i: Int32Array, f: Float64Array, bufs: [string, Buf | null, boolean?][]): void {
    const ids = new Float64Array(bufs.length);
    bufs.forEach(([name, b, optional], k) => { ids[k] = this.id(op, name, b, optional); });
    this.call(() => this.ctx.run(op, i, f, ids));
  }

  // ---- memory ---------------------------------------------------------------------------------------
  alloc(length: number): Buf {
    if (!Number.isInteger(length) || length < 0) throw new ConvnetsError(`alloc: length must be a non-negative integer, got ${length}`);
    return new NativeBuffer(this.call(() => this.ctx.alloc(length)), length, this);
  }

  free(b: Buf): void {
    const id = this.id('free', 'buffer', b);
    this.call(() => this.ctx.free(id));
  }

  write(b: Buf, data: ArrayLike<number>, offset = 0): void {
    const id = this.id('write', 'buffer', b);
    const f = data instanceof Float32Array ? data : Float32Array.from(data);
    this.call(() => this.ctx.write(id, f, offset));
  }

  read(b: Buf): Float32Array {
    const id = this.id('read', 'buffer', b);
    return this.call(() => this.ctx.read(id));
  }

  fill(b: Buf, value: number): void {
    const id = this.id('fill', 'buffer', b);
    this.call(() => this.ctx.fill(id, value));
  }

  copy(src: Buf, dst: Buf): void {
    const s = this.id('copy', 'src', src), d = this.id('copy', 'dst', dst);
    this.call(() => this.ctx.copy(s, d));
  }

  /** Needs the addon's Context.view(id, offset, length) -> id (a handle to the parent's storage + offset). */
  view(b: Buf, offset: number, length: number): Buf {
    const id = this.id('view', 'buffer', b);
    const ctx = this.ctx as NativeContext & { view?: (id: number, offset: number, length: number) => number };
    if (typeof ctx.view !== 'function') throw new ConvnetsError('view: this native addon build has no sub-buffer views (Context.view)');
    if (!Number.isInteger(offset) || offset < 0 || !Number.isInteger(length) || length < 0 || offset + length > b.length) {
      throw new ConvnetsError(`view: [${offset}, ${offset + length}) does not lie in a buffer of ${b.length}`);
    }
    return new NativeBuffer(this.call(() => ctx.view!(id, offset, length)), length, this);
  }

  allocated(): number { return this.call(() => this.ctx.stats().scalars); }

  /** Allocator and library state (bytes in use/cached, cache hits, cuDNN/cuBLAS in use). */
  stats(): NativeStats { return this.call(() => this.ctx.stats()); }

  /** Returns cached device blocks to the driver. */
  emptyCache(): void { this.call(() => this.ctx.emptyCache()); }

  /** Waits for queued kernels; reports an asynchronous failure. */
  synchronize(): void { this.call(() => this.ctx.synchronize()); }

  dispose(): void { this.call(() => this.ctx.dispose()); }

  // ---- convolution ------------------------------------------------------------------------------------
  private convFwd(op: string, p: Conv2dParams, x: Buf, w: Buf, bias: Buf | null, y: Buf): void {
    this.run(op, packConv(op, p), NO_FLOATS, [['x', x], ['w', w], ['bias', bias, true], ['y', y]]);
  }
  private convData(op: string, p: Conv2dParams, dy: Buf, w: Buf, dx: Buf): void {
    this.run(op, packConv(op, p), NO_FLOATS, [['dy', dy], ['w', w], ['dx', dx]]);
  }
  private convFilter(op: string, p: Conv2dParams, x: Buf, dy: Buf, dw: Buf, dbias: Buf | null): void {
    this.run(op, packConv(op, p), NO_FLOATS, [['x', x], ['dy', dy], ['dw', dw], ['dbias', dbias, true]]);
  }
  conv2d(p: Conv2dParams, x: Buf, w: Buf, bias: Buf | null, y: Buf): void { this.convFwd('conv2d', p, x, w, bias, y); }
  conv2dBackwardData(p: Conv2dParams, dy: Buf, w: Buf, dx: Buf): void { this.convData('conv2dBackwardData', p, dy, w, dx); }
  conv2dBackwardFilter(p: Conv2dParams, x: Buf, dy: Buf, dw: Buf, dbias: Buf | null): void {
    this.convFilter('conv2dBackwardFilter', p, x, dy, dw, dbias);
  }
  dwconv2d(p: Conv2dParams, x: Buf, w: Buf, bias: Buf | null, y: Buf): void { this.convFwd('dwconv2d', p, x, w, bias, y); }
  dwconv2dBackwardData(p: Conv2dParams, dy: Buf, w: Buf, dx: Buf): void { this.convData('dwconv2dBackwardData', p, dy, w, dx); }
  dwconv2dBackwardFilter(p: Conv2dParams, x: Buf, dy: Buf, dw: Buf, dbias: Buf | null): void {
    this.convFilter('dwconv2dBackwardFilter', p, x, dy, dw, dbias);
  }
  pwconv2d(p: Conv2dParams, x: Buf, w: Buf, bias: Buf | null, y: Buf): void { this.convFwd('pwconv2d', p, x, w, bias, y); }
  pwconv2dBackwardData(p: Conv2dParams, dy: Buf, w: Buf, dx: Buf): void { this.convData('pwconv2dBackwardData', p, dy, w, dx); }
  pwconv2dBackwardFilter(p: Conv2dParams, x: Buf, dy: Buf, dw: Buf, dbias: Buf | null): void {
    this.convFilter('pwconv2dBackwardFilter', p, x, dy, dw, dbias);
  }

  // ---- batch norm -------------------------------------------------------------------------------------
  private bnInts(op: string, p: BatchNormParams): Int32Array { return ints(op, ['params.rows', 'params.c'], [p.rows, p.c]); }
  batchNormTrain(p: BatchNormParams, x: Buf, gamma: Buf, beta: Buf, y: Buf, runningMean: Buf, runningVar: Buf,
    saveMean: Buf, saveInvStd: Buf): void {
    const op = 'batchNormTrain';
    this.run(op, this.bnInts(op, p), floats(op, ['params.eps', 'params.momentum'], [p.eps, p.momentum]), [['x', x],
      ['gamma', gamma], ['beta', beta], ['y', y], ['runningMean', runningMean], ['runningVar', runningVar],
      ['saveMean', saveMean], ['saveInvStd', saveInvStd]]);
  }
  batchNormInference(p: BatchNormParams, x: Buf, gamma: Buf, beta: Buf, mean: Buf, variance: Buf, y: Buf): void {
    const op = 'batchNormInference';
    this.run(op, this.bnInts(op, p), floats(op, ['params.eps', 'params.momentum'], [p.eps, p.momentum]), [['x', x],
      ['gamma', gamma], ['beta', beta], ['mean', mean], ['variance', variance], ['y', y]]);
  }
  batchNormTrainBackward(p: BatchNormParams, x: Buf, dy: Buf, gamma: Buf, saveMean: Buf, saveInvStd: Buf,
    dx: Buf, dgamma: Buf, dbeta: Buf): void {
    const op = 'batchNormTrainBackward';
    this.run(op, this.bnInts(op, p), NO_FLOATS, [['x', x], ['dy', dy], ['gamma', gamma], ['saveMean', saveMean],
      ['saveInvStd', saveInvStd], ['dx', dx], ['dgamma', dgamma], ['dbeta', dbeta]]);
  }
  batchNormInferenceBackward(p: BatchNormParams, x: Buf, dy: Buf, gamma: Buf, mean: Buf, variance: Buf,
    dx: Buf, dgamma: Buf, dbeta: Buf): void {
    const op = 'batchNormInferenceBackward';
    this.run(op, this.bnInts(op, p), floats(op, ['params.eps'], [p.eps]), [['x', x], ['dy', dy], ['gamma', gamma],
      ['mean', mean], ['variance', variance], ['dx', dx], ['dgamma', dgamma], ['dbeta', dbeta]]);
  }

  // ---- pooling ------------------------------------------------------------------------------------------
  maxPool2d(p: Pool2dParams, x: Buf, y: Buf): void {
    this.run('maxPool2d', packPool('maxPool2d', p), NO_FLOATS, [['x', x], ['y', y]]);
  }
  maxPool2dBackward(p: Pool2dParams, x: Buf, dy: Buf, dx: Buf): void {
    this.run('maxPool2dBackward', packPool('maxPool2dBackward', p), NO_FLOATS, [['x', x], ['dy', dy], ['dx', dx]]);
  }
  avgPool2d(p: Pool2dParams, x: Buf, y: Buf): void {
    this.run('avgPool2d', packPool('avgPool2d', p), NO_FLOATS, [['x', x], ['y', y]]);
  }
  avgPool2dBackward(p: Pool2dParams, dy: Buf, dx: Buf): void {
    this.run('avgPool2dBackward', packPool('avgPool2dBackward', p), NO_FLOATS, [['dy', dy], ['dx', dx]]);
  }
  private gpInts(op: string, p: GlobalPoolParams): Int32Array { return ints(op, ['params.n', 'params.hw', 'params.c'], [p.n, p.hw, p.c]); }
  globalAvgPool(p: GlobalPoolParams, x: Buf, y: Buf): void {
    this.run('globalAvgPool', this.gpInts('globalAvgPool', p), NO_FLOATS, [['x', x], ['y', y]]);
  }
  globalAvgPoolBackward(p: GlobalPoolParams, dy: Buf, dx: Buf): void {
    this.run('globalAvgPoolBackward', this.gpInts('globalAvgPoolBackward', p), NO_FLOATS, [['dy', dy], ['dx', dx]]);
  }

  // ---- dense ----------------------------------------------------------------------------------------------
  private dInts(op: string, p: DenseParams): Int32Array { return ints(op, ['params.n', 'params.inF', 'params.outF'], [p.n, p.inF, p.outF]); }
  dense(p: DenseParams, x: Buf, w: Buf, bias: Buf | null, y: Buf): void {
    this.run('dense', this.dInts('dense', p), NO_FLOATS, [['x', x], ['w', w], ['bias', bias, true], ['y', y]]);
  }
  denseBackwardData(p: DenseParams, dy: Buf, w: Buf, dx: Buf): void {
    this.run('denseBackwardData', this.dInts('denseBackwardData', p), NO_FLOATS, [['dy', dy], ['w', w], ['dx', dx]]);
  }
  denseBackwardFilter(p: DenseParams, x: Buf, dy: Buf, dw: Buf, dbias: Buf | null): void {
    this.run('denseBackwardFilter', this.dInts('denseBackwardFilter', p), NO_FLOATS,
      [['x', x], ['dy', dy], ['dw', dw], ['dbias', dbias, true]]);
  }

  // ---- elementwise ----------------------------------------------------------------------------------------
  activation(kind: ActivationKind, length: number, x: Buf, y: Buf): void {
    const op = 'activation';
    this.run(op, ints(op, ['kind', 'length'], [activationCode(op, kind), length]), NO_FLOATS, [['x', x], ['y', y]]);
  }
  activationBackward(kind: ActivationKind, length: number, x: Buf, y: Buf, dy: Buf, dx: Buf): void {
    const op = 'activationBackward';
    this.run(op, ints(op, ['kind', 'length'], [activationCode(op, kind), length]), NO_FLOATS,
      [['x', x], ['y', y], ['dy', dy], ['dx', dx]]);
  }
  add(length: number, a: Buf, b: Buf, y: Buf): void {
    this.run('add', ints('add', ['length'], [length]), NO_FLOATS, [['a', a], ['b', b], ['y', y]]);
  }
  axpy(length: number, alpha: number, x: Buf, y: Buf): void {
    this.run('axpy', ints('axpy', ['length'], [length]), floats('axpy', ['alpha'], [alpha]), [['x', x], ['y', y]]);
  }
  scale(length: number, alpha: number, x: Buf, y: Buf): void {
    this.run('scale', ints('scale', ['length'], [length]), floats('scale', ['alpha'], [alpha]), [['x', x], ['y', y]]);
  }
  mul(length: number, a: Buf, b: Buf, y: Buf): void {
    this.run('mul', ints('mul', ['length'], [length]), NO_FLOATS, [['a', a], ['b', b], ['y', y]]);
  }
  sumSquares(length: number, x: Buf, out: Buf): void {
    this.run('sumSquares', ints('sumSquares', ['length'], [length]), NO_FLOATS, [['x', x], ['out', out]]);
  }

  // ---- channel scale, concat, dropout ------------------------------------------------------------------------
  private csInts(op: string, p: ChannelScaleParams): Int32Array { return ints(op, ['params.n', 'params.hw', 'params.c'], [p.n, p.hw, p.c]); }
  channelScale(p: ChannelScaleParams, x: Buf, s: Buf, y: Buf): void {
    this.run('channelScale', this.csInts('channelScale', p), NO_FLOATS, [['x', x], ['s', s], ['y', y]]);
  }
  channelScaleBackward(p: ChannelScaleParams, x: Buf, s: Buf, dy: Buf, dx: Buf, ds: Buf): void {
    this.run('channelScaleBackward', this.csInts('channelScaleBackward', p), NO_FLOATS,
      [['x', x], ['s', s], ['dy', dy], ['dx', dx], ['ds', ds]]);
  }
  private ccInts(op: string, p: ConcatParams, count: number): Int32Array {
    if (p.channels.length !== count) {
      throw new ConvnetsError(`${op}: params.channels has ${p.channels.length} entries but ${count} buffers were given`);
    }
    return ints(op, ['params.rows', 'count', ...p.channels.map((_, i) => `params.channels[${i}]`)],
      [p.rows, p.channels.length, ...p.channels]);
  }
  concat(p: ConcatParams, inputs: readonly Buf[], y: Buf): void {
    this.run('concat', this.ccInts('concat', p, inputs.length), NO_FLOATS,
      [...inputs.map((b, i): [string, Buf] => [`inputs[${i}]`, b]), ['y', y]]);
  }
  split(p: ConcatParams, y: Buf, outputs: readonly Buf[]): void {
    this.run('split', this.ccInts('split', p, outputs.length), NO_FLOATS,
      [['y', y], ...outputs.map((b, i): [string, Buf] => [`outputs[${i}]`, b])]);
  }
  dropoutMask(length: number, rate: number, seed: number, mask: Buf): void {
    const op = 'dropoutMask';
    if (!Number.isInteger(seed)) throw new ConvnetsError(`${op}: seed must be an integer, got ${seed}`);
    // seed | 0: the same 32 bits core/random.ts hashes.
    this.run(op, ints(op, ['length', 'seed'], [length, seed | 0]), floats(op, ['rate'], [rate]), [['mask', mask]]);
  }

  // ---- loss and optimisers ------------------------------------------------------------------------------------
  softmaxCrossEntropy(p: SoftmaxXentParams, logits: Buf, labels: Buf, probs: Buf, loss: Buf): void {
    const op = 'softmaxCrossEntropy';
    this.run(op, ints(op, ['params.n', 'params.classes'], [p.n, p.classes]), floats(op, ['params.smoothing'], [p.smoothing]),
      [['logits', logits], ['labels', labels], ['probs', probs], ['loss', loss]]);
  }
  softmaxCrossEntropyBackward(p: SoftmaxXentParams, probs: Buf, labels: Buf, gradScale: number, dlogits: Buf): void {
    const op = 'softmaxCrossEntropyBackward';
    this.run(op, ints(op, ['params.n', 'params.classes'], [p.n, p.classes]),
      floats(op, ['params.smoothing', 'gradScale'], [p.smoothing, gradScale]),
      [['probs', probs], ['labels', labels], ['dlogits', dlogits]]);
  }
  sgdUpdate(p: SgdParams, param: Buf, grad: Buf, velocity: Buf): void {
    const op = 'sgdUpdate';
    this.run(op, ints(op, ['params.length', 'params.nesterov'], [p.length, p.nesterov ? 1 : 0]),
      floats(op, ['params.lr', 'params.momentum', 'params.weightDecay'], [p.lr, p.momentum, p.weightDecay]),
      [['param', param], ['grad', grad], ['velocity', velocity]]);
  }
  adamwUpdate(p: AdamWParams, param: Buf, grad: Buf, m: Buf, v: Buf): void {
    const op = 'adamwUpdate';
    if (!Number.isInteger(p.step) || p.step < 1) throw new ConvnetsError(`${op}: params.step must be an integer >= 1 (1-based), got ${p.step}`);
    this.run(op, ints(op, ['params.length', 'params.step'], [p.length, p.step]),
      floats(op, ['params.lr', 'params.beta1', 'params.beta2', 'params.eps', 'params.weightDecay'],
        [p.lr, p.beta1, p.beta2, p.eps, p.weightDecay]),
      [['param', param], ['grad', grad], ['m', m], ['v', v]]);
  }
}

/** Why the native backend cannot run here, or null. Never throws. */
export async function nativeUnavailableReason(): Promise<string | null> {
  try {
    const l = loadAddon();
    if (!l.addon) return l.error;
    return noDeviceReason(l.addon.deviceInfo());
  } catch (e) {
    return `native availability check failed: ${(e as Error).message}`;
  }
}

function truthy(v: unknown): boolean {
  return v === true || (typeof v === 'string' && v !== '' && v !== '0' && v !== 'false');
}

registerBackend('native', {
  unavailableReason: nativeUnavailableReason,
  create: async (opts?: BackendOptions) => {
    const l = loadAddon();
    if (!l.addon) throw new ConvnetsError(`backend 'native' is unavailable: ${l.error}`);
    return new NativeBackend(l.addon, {
      tf32: truthy(opts?.tf32) || truthy(process.env.CONVNETS_TF32),
      device: typeof opts?.device === 'number' ? opts.device : Number(process.env.CONVNETS_CUDA_DEVICE ?? 0) || 0,
    });
  },
});
