// The CPU backend ('cpu'): the whole contract in C++ in the CPU addon (native/cpu), for servers where
// WebAssembly's 128-bit SIMD leaves half the machine idle: packed-panel GEMM over an AVX-512 / AVX2 /
// portable register tile chosen at run time by CPUID, direct kernels for the rest, a persistent pool
// of threads, buffers on the native heap (no 4 GiB ceiling). Records are checked here as js and wasm
// check them (core/params.ts: the same messages), and again by the addon with every buffer's size.
import { ConvnetsError } from '../../core/backend.js';
import type { KernelName } from '../../core/backend.js';
import { KERNEL_NAMES } from '../../core/backend.js';
import { checkKernelParams } from '../../core/params.js';
import type { BackendFactory, BackendOptions } from '../../core/registry.js';
import { loadCpuAddon } from './addon.js';
import type { CpuAddon, CpuAddonInfo, CpuContext, CpuStats } from './addon.js';
import { AddonBackend, translate } from './addon-backend.js';

export { loadCpuAddon } from './addon.js';
export type { CpuAddonInfo, CpuIsaInfo, CpuStats } from './addon.js';

/** A kernel's index in the schema's table, which the addon's abi::KERNELS has in the same order. */
const KERNEL_INDEX = Object.fromEntries(KERNEL_NAMES.map((k, i) => [k, i])) as Record<KernelName, number>;

export interface CpuBackendOptions {
  /** Threads of the pool, the calling thread included (default: the cores Node reports available). */
  threads?: number;
  /** 'avx512' | 'avx2' | 'portable' (default: the widest this CPU runs; CONVNETS_CPU_ISA overrides). */
  isa?: string;
  /** 0: every kernel splits across all threads even on tiny shapes (tests); absent: each kernel's own grain. */
  grain?: number;
}

export class CpuBackend extends AddonBackend {
  readonly name = 'cpu';
  protected readonly ctx: CpuContext;

  constructor(readonly addon: CpuAddon, opts: CpuBackendOptions = {}) {
    super();
    const threads = opts.threads;
    if (threads !== undefined && (!Number.isInteger(threads) || threads < 1 || threads > 256)) {
      throw new ConvnetsError(`cpu backend: threads must be an integer in [1, 256], got ${threads}`);
    }
    if (opts.isa !== undefined && typeof opts.isa !== 'string') throw new ConvnetsError('cpu backend: isa must be a string');
    try {
      this.ctx = new addon.Context({ threads, isa: opts.isa, grain: opts.grain });
      this.ctx.bind(this.slots, this.ids);
    } catch (e) {
      throw translate(e);
    }
  }

  protected override check(name: KernelName, values: object): void { checkKernelParams(name, values); }
  protected dispatch(name: KernelName, nslots: number, nids: number): void { this.ctx.exec(KERNEL_INDEX[name], nslots, nids); }
  protected override rebound(): void { this.ctx.bind(this.slots, this.ids); }

  get threads(): number { return this.stats().threads; }
  get isa(): string { return this.stats().isa; }

  /** Memory in use and at peak, workspaces, threads, the ISA path and why, kernel call counts. */
  stats(): CpuStats { return this.call(() => this.ctx.stats()); }

  /** Returns the per-worker workspaces (packing panels, tiles) to the heap. */
  trim(): void { this.call(() => this.ctx.trim()); }
}

/** What the CPU addon can run here (ISA paths, the default and why), or null when it is not loadable. */
export function cpuInfo(): CpuAddonInfo | null {
  const l = loadCpuAddon();
  return l.addon ? l.addon.info() : null;
}

export async function cpuUnavailableReason(): Promise<string | null> {
  try {
    const l = loadCpuAddon();
    return l.addon ? null : l.error;
  } catch (e) {
    return `cpu availability check failed: ${(e as Error).message}`;
  }
}

/** The table entry core/registry.ts loads. */
export const factory: BackendFactory = {
  unavailableReason: cpuUnavailableReason,
  create: async (opts?: BackendOptions) => {
    const l = loadCpuAddon();
    if (!l.addon) throw new ConvnetsError(`backend 'cpu' is unavailable: ${l.error}`);
    const isa = typeof opts?.isa === 'string' ? opts.isa : process.env.CONVNETS_CPU_ISA || undefined;
    const { availableParallelism } = await import('node:os');
    const grain = typeof opts?.grain === 'number' ? opts.grain : undefined;
    return new CpuBackend(l.addon, { threads: opts?.threads ?? availableParallelism(), isa, grain });
  },
};
