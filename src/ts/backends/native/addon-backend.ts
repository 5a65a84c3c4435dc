// What the two addon backends (cuda: index.ts, cpu: cpu.ts) share: buffers as ids in the addon's handle
// table, and one path for every kernel: its parameter record encoded by the schema (core/abi.ts
// encodeFields into 4-byte slots, which native/src/abi.h reads as a struct) and its buffers' ids in
// the schema's argument order. Every addon error becomes a NativeBackendError (a ConvnetsError)
// naming the op and carrying the library's code and message.
import { ConvnetsError } from '../../core/backend.js';
import type {
  ActivationKind, AdamWParams, AdaptivePool2dParams, Backend, BatchNormParams, Buf, ChannelScaleParams, ConcatParams,
  Conv2dParams, DenseParams, GlobalPoolParams, KernelName, Pool2dParams, SgdParams, SoftmaxXentParams,
} from '../../core/backend.js';
import { KERNELS, encodeFields, recordLayout, slotsNeeded } from '../../core/abi.js';
import type { AddonContext, NativeErrorFields } from './addon.js';

/** An error reported by the addon: a CUDA/cuDNN/cuBLAS status (lib, code, codeName) or bad arguments. */
export class NativeBackendError extends ConvnetsError {
  constructor(message: string, readonly op: string, readonly lib: string, readonly code: number, readonly codeName: string) {
    super(message);
    this.name = 'NativeBackendError';
  }
}

export function translate(e: unknown): Error {
  if (e instanceof ConvnetsError) return e;
  const f = e as Error & NativeErrorFields;
  if (f && f.native) {
    return new NativeBackendError(`native: ${f.message}`, f.op ?? '', f.lib ?? '', f.code ?? 0, f.codeName ?? '');
  }
  return new ConvnetsError(`native: ${(e as Error)?.message ?? String(e)}`);
}

/** A buffer of an addon backend: an id in its backend's handle table. */
export class NativeBuffer {
  constructor(readonly id: number, readonly length: number, readonly owner: AddonBackend) {}
}


type Arg = Buf | null | readonly Buf[];

/** A kernel's record as the addon reads it: the schema's slots, as an Int32Array over the same bytes as the floats. */
export function encodeRecord(kernel: KernelName, values: object): Int32Array {
  const layout = recordLayout(KERNELS[kernel].record);
  const v = values as Readonly<Record<string, unknown>>;
  const mem = new ArrayBuffer(4 * slotsNeeded(layout, v));
  const i32 = new Int32Array(mem);
  encodeFields(kernel, layout, v, i32, new Float32Array(mem));
  return i32;
}

export abstract class AddonBackend implements Backend {
  abstract readonly name: string;
  readonly dtype = 'float32' as const;
  protected abstract readonly ctx: AddonContext;

  protected call<T>(f: () => T): T {
    try {
      return f();
    } catch (e) {
      throw translate(e);
    }
  }

  protected id(op: string, arg: string, b: Buf | null, optional = false): number {
    if (b === null || b === undefined) {
      if (optional) return -1;
      throw new ConvnetsError(`${op}: argument '${arg}' is required`);
    }
    if (!(b instanceof NativeBuffer)) {
      throw new ConvnetsError(`${op}: argument '${arg}' is not a ${this.name} buffer (it belongs to another backend; copy it with tensor.to(backend))`);
    }
    if (b.owner !== this) throw new ConvnetsError(`${op}: argument '${arg}' belongs to another ${this.name} backend instance`);
    return b.id;
  }

  /** Hook before a kernel crosses: the cpu backend checks the record as js and wasm do (core/params.ts). */
  protected check(_name: KernelName, _values: object): void {}

  // Each kernel's record and buffer ids are encoded in place into these (grown on demand): no typed
  // array is made per call. The record's f32 slots share the i32 view's bytes.
  private slotMem = new ArrayBuffer(4 * 256);
  protected slots = new Int32Array(this.slotMem);
  private slotsF32 = new Float32Array(this.slotMem);
  protected ids = new Float64Array(64);

  /** Sends one encoded kernel: its record in slots[0, nslots), its buffer ids in ids[0, nids). */
  protected abstract dispatch(name: KernelName, nslots: number, nids: number): void;
  /** After the scratch arrays were replaced by larger ones (the cpu backend binds them once). */
  protected rebound(): void {}

  /** The one path of every kernel: record by the schema, buffer ids in KERNELS[name].buffers order. */
  protected kernel(name: KernelName, values: object, ...args: Arg[]): void {
    this.check(name, values);
    const layout = recordLayout(KERNELS[name].record);
    const v = values as Readonly<Record<string, unknown>>;
    const nslots = slotsNeeded(layout, v);
    const spec: readonly string[] = KERNELS[name].buffers;
    if (args.length !== spec.length) throw new ConvnetsError(`${name}: expected ${spec.length} buffer arguments, got ${args.length}`);
    let nids = 0;
    for (let k = 0; k < spec.length; k++) {
      const arg = spec[k], a = args[k];
      if (arg.endsWith('*')) {
        const list = arg.slice(0, -1);
        if (!Array.isArray(a)) throw new ConvnetsError(`${name}: argument '${list}' must be an array of buffers`);
        nids += (a as readonly Buf[]).length;
      } else nids++;
    }
    if (nslots > this.slots.length || nids > this.ids.length) {
      this.slotMem = new ArrayBuffer(4 * Math.max(nslots, this.slots.length * 2));
      this.slots = new Int32Array(this.slotMem);
      this.slotsF32 = new Float32Array(this.slotMem);
      this.ids = new Float64Array(Math.max(nids, this.ids.length * 2));
      this.rebound();
    }
    encodeFields(name, layout, v, this.slots, this.slotsF32);
    let at = 0;
    for (let k = 0; k < spec.length; k++) {
      const arg = spec[k], a = args[k];
      if (arg.endsWith('*')) {
        const list = arg.slice(0, -1);
        (a as readonly Buf[]).forEach((b, i) => { this.ids[at++] = this.id(name, `${list}[${i}]`, b); });
      } else {
        const optional = arg.endsWith('?');
        this.ids[at++] = this.id(name, optional ? arg.slice(0, -1) : arg, a as Buf | null, optional);
      }
    }
    this.call(() => this.dispatch(name, nslots, nids));
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

  async readAsync(b: Buf): Promise<Float32Array> { return this.read(b); }

  fill(b: Buf, value: number): void {
    const id = this.id('fill', 'buffer', b);
    this.call(() => this.ctx.fill(id, value));
  }

  copy(src: Buf, dst: Buf): void {
    const s = this.id('copy', 'src', src), d = this.id('copy', 'dst', dst);
    this.call(() => this.ctx.copy(s, d));
  }

  /** A view into the parent's allocation (the addon's handle table; freeing a view is refused). */
  view(b: Buf, offset: number, length: number): Buf {
    const id = this.id('view', 'buffer', b);
    if (!Number.isInteger(offset) || offset < 0 || !Number.isInteger(length) || length < 0 || offset + length > b.length) {
      throw new ConvnetsError(`view: [${offset}, ${offset + length}) does not lie in a buffer of ${b.length}`);
    }
    return new NativeBuffer(this.call(() => this.ctx.view(id, offset, length)), length, this);
  }

  allocated(): number { return this.call(() => this.ctx.stats().scalars); }

  dispose(): void { this.call(() => this.ctx.dispose()); }

  // ---- convolution ------------------------------------------------------------------------------------
  conv2d(p: Conv2dParams, x: Buf, w: Buf, bias: Buf | null, y: Buf): void { this.kernel('conv2d', p, x, w, bias, y); }
  conv2dBackwardData(p: Conv2dParams, dy: Buf, w: Buf, dx: Buf): void { this.kernel('conv2dBackwardData', p, dy, w, dx); }
  conv2dBackwardFilter(p: Conv2dParams, x: Buf, dy: Buf, dw: Buf, dbias: Buf | null): void {
    this.kernel('conv2dBackwardFilter', p, x, dy, dw, dbias);
  }
  dwconv2d(p: Conv2dParams, x: Buf, w: Buf, bias: Buf | null, y: Buf): void { this.kernel('dwconv2d', p, x, w, bias, y); }
  dwconv2dBackwardData(p: Conv2dParams, dy: Buf, w: Buf, dx: Buf): void { this.kernel('dwconv2dBackwardData', p, dy, w, dx); }
  dwconv2dBackwardFilter(p: Conv2dParams, x: Buf, dy: Buf, dw: Buf, dbias: Buf | null): void {
    this.kernel('dwconv2dBackwardFilter', p, x, dy, dw, dbias);
  }
  pwconv2d(p: Conv2dParams, x: Buf, w: Buf, bias: Buf | null, y: Buf): void { this.kernel('pwconv2d', p, x, w, bias, y); }
  pwconv2dBackwardData(p: Conv2dParams, dy: Buf, w: Buf, dx: Buf): void { this.kernel('pwconv2dBackwardData', p, dy, w, dx); }
  pwconv2dBackwardFilter(p: Conv2dParams, x: Buf, dy: Buf, dw: Buf, dbias: Buf | null): void {
    this.kernel('pwconv2dBackwardFilter', p, x, dy, dw, dbias);
  }

  // ---- batch norm -------------------------------------------------------------------------------------
  batchNormTrain(p: BatchNormParams, x: Buf, gamma: Buf, beta: Buf, y: Buf, runningMean: Buf, runningVar: Buf,
    saveMean: Buf, saveInvStd: Buf): void {
    this.kernel('batchNormTrain', p, x, gamma, beta, y, runningMean, runningVar, saveMean, saveInvStd);
  }
  batchNormInference(p: BatchNormParams, x: Buf, gamma: Buf, beta: Buf, mean: Buf, variance: Buf, y: Buf): void {
    this.kernel('batchNormInference', p, x, gamma, beta, mean, variance, y);
  }
  batchNormTrainBackward(p: BatchNormParams, x: Buf, dy: Buf, gamma: Buf, saveMean: Buf, saveInvStd: Buf,
    dx: Buf, dgamma: Buf, dbeta: Buf): void {
    this.kernel('batchNormTrainBackward', p, x, dy, gamma, saveMean, saveInvStd, dx, dgamma, dbeta);
  }
  batchNormInferenceBackward(p: BatchNormParams, x: Buf, dy: Buf, gamma: Buf, mean: Buf, variance: Buf,
    dx: Buf, dgamma: Buf, dbeta: Buf): void {
    this.kernel('batchNormInferenceBackward', p, x, dy, gamma, mean, variance, dx, dgamma, dbeta);
  }

  // ---- pooling ------------------------------------------------------------------------------------------
  maxPool2d(p: Pool2dParams, x: Buf, y: Buf): void { this.kernel('maxPool2d', p, x, y); }
  maxPool2dBackward(p: Pool2dParams, x: Buf, dy: Buf, dx: Buf): void { this.kernel('maxPool2dBackward', p, x, dy, dx); }
  avgPool2d(p: Pool2dParams, x: Buf, y: Buf): void { this.kernel('avgPool2d', p, x, y); }
  avgPool2dBackward(p: Pool2dParams, dy: Buf, dx: Buf): void { this.kernel('avgPool2dBackward', p, dy, dx); }
  adaptiveAvgPool2d(p: AdaptivePool2dParams, x: Buf, y: Buf): void { this.kernel('adaptiveAvgPool2d', p, x, y); }
  adaptiveAvgPool2dBackward(p: AdaptivePool2dParams, dy: Buf, dx: Buf): void { this.kernel('adaptiveAvgPool2dBackward', p, dy, dx); }
  globalAvgPool(p: GlobalPoolParams, x: Buf, y: Buf): void { this.kernel('globalAvgPool', p, x, y); }
  globalAvgPoolBackward(p: GlobalPoolParams, dy: Buf, dx: Buf): void { this.kernel('globalAvgPoolBackward', p, dy, dx); }

  // ---- dense ----------------------------------------------------------------------------------------------
  dense(p: DenseParams, x: Buf, w: Buf, bias: Buf | null, y: Buf): void { this.kernel('dense', p, x, w, bias, y); }
  denseBackwardData(p: DenseParams, dy: Buf, w: Buf, dx: Buf): void { this.kernel('denseBackwardData', p, dy, w, dx); }
  denseBackwardFilter(p: DenseParams, x: Buf, dy: Buf, dw: Buf, dbias: Buf | null): void {
    this.kernel('denseBackwardFilter', p, x, dy, dw, dbias);
  }

  // ---- elementwise (alpha is unused by add, mul and sumSquares: 0) ------------------------------------------
  activation(kind: ActivationKind, length: number, x: Buf, y: Buf): void { this.kernel('activation', { kind, length }, x, y); }
  activationBackward(kind: ActivationKind, length: number, x: Buf, y: Buf, dy: Buf, dx: Buf): void {
    this.kernel('activationBackward', { kind, length }, x, y, dy, dx);
  }
  add(length: number, a: Buf, b: Buf, y: Buf): void { this.kernel('add', { length, alpha: 0 }, a, b, y); }
  axpy(length: number, alpha: number, x: Buf, y: Buf): void { this.kernel('axpy', { length, alpha }, x, y); }
  scale(length: number, alpha: number, x: Buf, y: Buf): void { this.kernel('scale', { length, alpha }, x, y); }
  mul(length: number, a: Buf, b: Buf, y: Buf): void { this.kernel('mul', { length, alpha: 0 }, a, b, y); }
  sumSquares(length: number, x: Buf, out: Buf): void { this.kernel('sumSquares', { length, alpha: 0 }, x, out); }

  // ---- channel scale, concat, dropout ------------------------------------------------------------------------
  channelScale(p: ChannelScaleParams, x: Buf, s: Buf, y: Buf): void { this.kernel('channelScale', p, x, s, y); }
  channelScaleBackward(p: ChannelScaleParams, x: Buf, s: Buf, dy: Buf, dx: Buf, ds: Buf): void {
    this.kernel('channelScaleBackward', p, x, s, dy, dx, ds);
  }
  concat(p: ConcatParams, inputs: readonly Buf[], y: Buf): void { this.kernel('concat', p, inputs, y); }
  split(p: ConcatParams, y: Buf, outputs: readonly Buf[]): void { this.kernel('split', p, y, outputs); }
  dropoutMask(length: number, rate: number, seed: number, mask: Buf): void {
    if (!Number.isInteger(seed)) throw new ConvnetsError(`dropoutMask: seed must be an integer, got ${seed}`);
    // seed | 0: the same 32 bits core/random.ts hashes.
    this.kernel('dropoutMask', { length, rate, seed: seed | 0 }, mask);
  }

  // ---- loss and optimisers (the forward has no gradScale: 0) ---------------------------------------------------
  softmaxCrossEntropy(p: SoftmaxXentParams, logits: Buf, labels: Buf, probs: Buf, loss: Buf): void {
    this.kernel('softmaxCrossEntropy', { ...p, gradScale: 0 }, logits, labels, probs, loss);
  }
  softmaxCrossEntropyBackward(p: SoftmaxXentParams, probs: Buf, labels: Buf, gradScale: number, dlogits: Buf): void {
    this.kernel('softmaxCrossEntropyBackward', { ...p, gradScale }, probs, labels, dlogits);
  }
  sgdUpdate(p: SgdParams, param: Buf, grad: Buf, velocity: Buf): void { this.kernel('sgdUpdate', p, param, grad, velocity); }
  adamwUpdate(p: AdamWParams, param: Buf, grad: Buf, m: Buf, v: Buf): void { this.kernel('adamwUpdate', p, param, grad, m, v); }
}
