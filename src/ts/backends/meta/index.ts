// The counting (meta) backend: buffers are lengths only, so a model is built for its parameter counts,
// MACs and shapes without storage (`createModel(name, { init: 'none' })`, through core's
// withCountingBackend). Memory calls are no-ops that allocate nothing; reading back or running a kernel
// is a ConvnetsError naming the kernel, since a counting build has no values to compute on.
import { ConvnetsError, KERNEL_NAMES } from '../../core/backend.js';
import type { Backend, BackendBuffer, KernelName } from '../../core/backend.js';

/** A storage-less buffer: its length and nothing else. */
class MetaBuffer implements BackendBuffer {
  constructor(readonly length: number) {}
}

function refuse(what: string): never {
  throw new ConvnetsError(`this model was built with init: 'none' (counting only) and cannot run '${what}'; build it with init: 'default'`);
}

// The kernels come from KERNEL_NAMES (below), so a kernel added to the contract is refused here too.
export interface MetaBackend extends Pick<Backend, KernelName> {}

export class MetaBackend implements Backend {
  readonly name = 'meta';
  readonly dtype = 'float32' as const;

  alloc(length: number): BackendBuffer {
    if (!Number.isInteger(length) || length < 0) throw new ConvnetsError(`meta.alloc: length must be a non-negative integer, got ${length}`);
    return new MetaBuffer(length);
  }
  free(): void {}
  /** A view of a counting buffer is another length (nothing is stored). */
  view(_b: BackendBuffer, _offset: number, length: number): BackendBuffer { return new MetaBuffer(length); }
  write(): void {}
  fill(): void {}
  copy(): void {}
  read(): Float32Array { return refuse('read'); }
  readAsync(): Promise<Float32Array> { return Promise.resolve().then(() => refuse('readAsync')); }
  allocated(): number { return 0; }
  dispose(): void {}
}

for (const k of KERNEL_NAMES) {
  Object.defineProperty(MetaBackend.prototype, k, { value: (): never => refuse(k), writable: true, configurable: true });
}
