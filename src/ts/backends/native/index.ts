// The CUDA backend ('cuda'; 'native' is its older name and an alias): the contract on a CUDA GPU through
// the addon in native/src (own kernels, cuDNN and cuBLAS when present). Buffers are ids of device
// allocations owned by one backend instance; kernels cross as AddonBackend sends them
// (addon-backend.ts). Available only when the addon is built AND a GPU is present; otherwise
// unavailableReason() says why (and initBackend() moves on to cpu, then wasm).
import { ConvnetsError } from '../../core/backend.js';
import type { Buf, KernelName } from '../../core/backend.js';
import type { BackendFactory } from '../../core/registry.js';
import type { BackendOptions } from '../../core/registry.js';
import { loadAddon, noDeviceReason } from './addon.js';
import type { NativeAddon, NativeContext, NativeContextOptions, NativeStats } from './addon.js';
import { AddonBackend, translate } from './addon-backend.js';

export * from './addon.js';
export { AddonBackend, NativeBackendError, NativeBuffer, encodeRecord } from './addon-backend.js';

export interface NativeBackendOptions extends NativeContextOptions {}

export class NativeBackend extends AddonBackend {
  readonly name = 'cuda';
  protected readonly ctx: NativeContext;

  constructor(readonly addon: NativeAddon, opts: NativeBackendOptions = {}) {
    super();
    try {
      this.ctx = new addon.Context(opts);
    } catch (e) {
      throw translate(e);
    }
  }

  protected dispatch(name: KernelName, nslots: number, nids: number): void {
    this.ctx.run(name, this.slots.slice(0, nslots), this.ids.slice(0, nids));
  }

  /** An asynchronous copy into pinned memory, polled without blocking the event loop on the GPU. */
  override async readAsync(b: Buf): Promise<Float32Array> {
    const id = this.id('readAsync', 'buffer', b);
    const ticket = this.call(() => this.ctx.beginRead(id));
    for (let k = 0; ; k++) {
      const r = this.call(() => this.ctx.pollRead(ticket));
      if (r) return r;
      // A few immediate turns for short queues, then 1 ms naps so a long one does not spin.
      await new Promise<void>((res) => (k < 16 ? setImmediate(res) : setTimeout(res, 1)));
    }
  }

  /** Allocator and library state (bytes in use/cached, cache hits, cuDNN/cuBLAS in use), and per kernel
   *  the calls each path executed and cuDNN's refusals with their reasons (paths). */
  stats(): NativeStats { return this.call(() => this.ctx.stats()); }

  /** Returns cached device blocks to the driver. */
  emptyCache(): void { this.call(() => this.ctx.emptyCache()); }

  /** Waits for queued kernels; reports an asynchronous failure (or a bad label seen by a softmax kernel). */
  synchronize(): void { this.call(() => this.ctx.synchronize()); }
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

/** The table entry core/registry.ts loads. */
export const factory: BackendFactory = {
  unavailableReason: nativeUnavailableReason,
  create: async (opts?: BackendOptions) => {
    const l = loadAddon();
    if (!l.addon) throw new ConvnetsError(`backend 'cuda' is unavailable: ${l.error}`);
    return new NativeBackend(l.addon, {
      tf32: truthy(opts?.tf32) || truthy(process.env.CONVNETS_TF32),
      device: typeof opts?.device === 'number' ? opts.device : Number(process.env.CONVNETS_CUDA_DEVICE ?? 0) || 0,
    });
  },
};
