// The wasm backend's runtime, the same in Node and browsers: one WebAssembly.Memory (shared when threads
// run) with a first-fit arena (buffers are byte offsets into it), grow-only scratch, the packed-weight
// cache, the thread pool, and the parameter block every kernel reads (layouts from the ABI schema,
// core/abi.ts). What differs by platform (finding the build, workers, cores) is a WasmPlatform
// (platform-node.ts, platform-web.ts). The kernel families (./kernels/*.ts) marshal their arguments
// through params() and call run().
import { ConvnetsError } from '../../core/backend.js';
import type { BackendBuffer, Buf } from '../../core/backend.js';
import { encodeFields, wasmLayout } from '../../core/abi.js';
import type { WasmLayoutName } from '../../core/abi.js';
import type { BackendOptions } from '../../core/registry.js';

const PARAMS = 1024;          // parameter block (bytes), as assembly/memory.ts
const PARAM_SLOTS = 256;
const ARENA_BASE = 65536;     // above the module's static data (memoryBase 8 KiB)
const ALIGN = 64;
const PAD = 64;               // bytes after every buffer: SIMD tails may read (never write) past the end
const PAGE = 65536;
const MAX_PAGES = 65536;

export class WasmBuffer implements BackendBuffer {
  private dead = false;
  /** Bumped whenever the contents may change: keys the packed-weight cache. */
  version = 0;
  /** `parent`: set for views (offset arithmetic into the parent's bytes), which die with it. */
  constructor(readonly offset: number, readonly length: number, readonly bytes: number, readonly owner: WasmRuntime,
    readonly parent: WasmBuffer | null = null) {}
  get freed(): boolean { return this.dead || (this.parent !== null && this.parent.freed); }
  set freed(v: boolean) { this.dead = v; }
}

/** Packed weights of one filter buffer and direction, valid while the filter (and bias) are unchanged. */
export interface PackEntry { key: string; version: number; bias: WasmBuffer | null; biasVersion: number; pack: WasmBuffer; }

/** A pool of worker threads over the module's shared memory (Node: worker_threads; browsers: Web Workers). */
export interface ThreadPoolLike {
  /** Runs fn on the caller (thread 0) and entry `k` on workers 1..nt-1; returns when all are done. */
  run(k: number, nt: number, fn: (tid: number, nt: number) => void): void;
  closeNow(): void;
}

/** What differs between Node and browsers: where the build comes from, threads, core count. */
export interface WasmPlatform {
  readonly name: 'node' | 'web';
  /**
   * The module to run: compiled from `opts.wasm` (bytes, a compiled WebAssembly.Module, a file or URL,
   * or a folder holding the builds) or from the platform's default location. `shared` says which
   * memory its import expects (threads need shared memory; a page without cross-origin isolation
   * gets the single-thread build over plain memory), or null when unknown (a Module handed in).
   */
  load(opts: BackendOptions, shared: boolean): Promise<{ module: WebAssembly.Module; relaxed: boolean; shared: boolean | null }>;
  /** Threads the platform offers by default. */
  cores(): number;
  /** Whether shared memory (and so threads) can be had here, and if not why. */
  sharedMemory(): string | null;
  /** Why the calling thread may not block on the pool (a browser's main thread), or null. */
  blockingRefused(): string | null;
  startPool(size: number, module: WebAssembly.Module, memory: WebAssembly.Memory, entries: readonly string[]): Promise<ThreadPoolLike>;
}

type EntryFn = (tid: number, nt: number) => number;

export interface WasmBackendInfo { threads: number; relaxedSimd: boolean; memoryBytes: number; shared: boolean; platform: 'node' | 'web'; }

export class WasmRuntime {
  readonly relaxedSimd: boolean;
  readonly memory: WebAssembly.Memory;
  /** Every function the module exports, by name; `run` dispatches the kernel entry points. */
  readonly exports: Record<string, EntryFn>;
  private readonly entryIndex: Map<string, number>;
  private pool: ThreadPoolLike | null;
  f32!: Float32Array;
  i32!: Int32Array;
  private pi!: Int32Array;
  private pf!: Float32Array;
  // Arena: bump pointer + sorted free list of [offset, bytes].
  private top = ARENA_BASE;
  private freeList: { off: number; bytes: number }[] = [];
  private live = 0;
  private scratch = new Map<string, WasmBuffer>();
  /** Packed weights per filter buffer and direction. */
  readonly packs = new Map<WasmBuffer, Map<string, PackEntry>>();
  private disposed = false;
  /** Scalar operations per thread below which a kernel runs on fewer threads (option `grain`; 0 = always all). */
  private readonly grain: number;

  private constructor(inst: WebAssembly.Instance, memory: WebAssembly.Memory, pool: ThreadPoolLike | null, relaxed: boolean,
    entries: readonly string[], readonly threads: number, grain: number, readonly shared: boolean, readonly platform: 'node' | 'web') {
    this.memory = memory;
    this.grain = grain;
    this.exports = inst.exports as unknown as Record<string, EntryFn>;
    this.entryIndex = new Map(entries.map((k, i) => [k, i]));
    this.pool = pool;
    this.relaxedSimd = relaxed;
    this.refreshViews();
  }

  static async create(opts: BackendOptions, platform: WasmPlatform): Promise<WasmRuntime> {
    const threads = opts.threads ?? platform.cores();
    if (!Number.isInteger(threads) || threads < 1 || threads > 256) {
      throw new ConvnetsError(`wasm backend: threads must be an integer in [1, 256], got ${threads}`);
    }
    const noShared = platform.sharedMemory();
    if (threads > 1) {
      if (noShared) throw new ConvnetsError(`wasm backend: ${threads} threads need shared memory, which ${noShared}; use threads: 1`);
      const noBlock = platform.blockingRefused();
      if (noBlock) throw new ConvnetsError(`wasm backend: ${threads} threads: ${noBlock}`);
    }
    const { module, relaxed, shared: wanted } = await platform.load(opts, noShared === null);
    // A module handed in says nothing about its memory: try the memory it most likely imports first.
    const order = wanted === null ? [noShared === null, noShared !== null] : [wanted];
    let inst: WebAssembly.Instance | null = null, memory: WebAssembly.Memory | null = null, shared = false, err: unknown = null;
    for (const sh of order) {
      try {
        memory = new WebAssembly.Memory({ initial: 64, maximum: MAX_PAGES, shared: sh });
        inst = new WebAssembly.Instance(module, { env: { memory } });
        shared = sh;
        break;
      } catch (e) { err = e; inst = null; }
    }
    if (!inst || !memory) throw new ConvnetsError(`wasm backend: cannot instantiate the kernels: ${(err as Error)?.message ?? String(err)}`);
    if (threads > 1 && !shared) throw new ConvnetsError('wasm backend: the module given is the single-thread build (plain memory): use threads: 1 or the threaded build');
    // Entry points: every exported function, in the module's order (the workers see the same list).
    const entries = WebAssembly.Module.exports(module).filter((e) => e.kind === 'function').map((e) => e.name);
    const pool = threads > 1 ? await platform.startPool(threads, module, memory, entries) : null;
    const grain = typeof opts.grain === 'number' && opts.grain >= 0 ? opts.grain : 16384;
    return new WasmRuntime(inst, memory, pool, relaxed, entries, threads, grain, shared, platform.name);
  }

  info(): WasmBackendInfo {
    return { threads: this.threads, relaxedSimd: this.relaxedSimd, memoryBytes: this.memory.buffer.byteLength, shared: this.shared, platform: this.platform };
  }

  /** Views over the memory; growing plain (non-shared) memory detaches the old buffer, so they are remade. */
  private refreshViews(): void {
    const buf = this.memory.buffer;
    this.f32 = new Float32Array(buf);
    this.i32 = new Int32Array(buf);
    this.pi = new Int32Array(buf, PARAMS, PARAM_SLOTS);
    this.pf = new Float32Array(buf, PARAMS, PARAM_SLOTS);
  }

  // ---- arena ---------------------------------------------------------------------------------------
  grab(bytes: number): number {
    const fl = this.freeList;
    for (let i = 0; i < fl.length; i++) {
      const b = fl[i];
      if (b.bytes >= bytes) {
        const off = b.off;
        if (b.bytes === bytes) fl.splice(i, 1);
        else { b.off += bytes; b.bytes -= bytes; }
        return off;
      }
    }
    const off = this.top;
    const end = off + bytes;
    const have = this.memory.buffer.byteLength;
    if (end > have) {
      const pages = Math.ceil((end - have) / PAGE);
      try {
        this.memory.grow(pages);
      } catch (e) {
        throw new ConvnetsError(`wasm backend: cannot grow memory by ${pages} pages to ${((have + pages * PAGE) / 2 ** 20).toFixed(0)} MiB ` +
          `(limit ${MAX_PAGES * PAGE / 2 ** 30} GiB; in use ${(this.top / 2 ** 20).toFixed(0)} MiB): ${(e as Error).message}; ` +
          'wasm32 memory cannot exceed 4 GiB: use a smaller batch or input size (or the native backend)');
      }
      this.refreshViews();
    }
    this.top = end;
    return off;
  }

  release(off: number, bytes: number): void {
    const fl = this.freeList;
    let lo = 0, hi = fl.length;
    while (lo < hi) { const mid = (lo + hi) >> 1; if (fl[mid].off < off) lo = mid + 1; else hi = mid; }
    fl.splice(lo, 0, { off, bytes });
    // Coalesce with the next and previous blocks.
    if (lo + 1 < fl.length && fl[lo].off + fl[lo].bytes === fl[lo + 1].off) { fl[lo].bytes += fl[lo + 1].bytes; fl.splice(lo + 1, 1); }
    if (lo > 0 && fl[lo - 1].off + fl[lo - 1].bytes === fl[lo].off) { fl[lo - 1].bytes += fl[lo].bytes; fl.splice(lo, 1); lo--; }
    // A free block at the top returns to the bump region.
    const last = fl[fl.length - 1];
    if (last && last.off + last.bytes === this.top) { this.top = last.off; fl.pop(); }
  }

  static bytesFor(floats: number): number { return Math.ceil((floats * 4 + PAD) / ALIGN) * ALIGN; }

  /** A buffer outside allocated()'s count (packed weights). */
  rawBuffer(floats: number): WasmBuffer {
    const bytes = WasmRuntime.bytesFor(floats);
    return new WasmBuffer(this.grab(bytes), floats, bytes, this);
  }

  alloc(length: number): WasmBuffer {
    this.alive();
    if (!Number.isInteger(length) || length < 0) throw new ConvnetsError(`wasm alloc: length must be a non-negative integer, got ${length}`);
    const b = this.rawBuffer(length);
    this.live += length;
    return b;
  }

  free(b: Buf): void {
    const w = this.buf('free', 'buffer', b, 0);
    if (w.parent) throw new ConvnetsError('free: buffer is a view; free the buffer it views');
    w.freed = true;
    this.live -= w.length;
    const cached = this.packs.get(w);
    if (cached) {
      for (const e of cached.values()) this.release(e.pack.offset, e.pack.bytes);
      this.packs.delete(w);
    }
    this.release(w.offset, w.bytes);
  }

  view(b: Buf, offset: number, length: number): WasmBuffer {
    if (!Number.isInteger(offset) || offset < 0 || !Number.isInteger(length) || length < 0) {
      throw new ConvnetsError(`view: offset and length must be non-negative integers, got ${offset}, ${length}`);
    }
    const w = this.buf('view', 'buffer', b, offset + length);
    return new WasmBuffer(w.offset + offset * 4, length, length * 4, this, w);
  }

  allocated(): number { return this.live; }

  /** Grow-only scratch of at least `floats` scalars, kept across calls (not counted by allocated()). */
  scr(name: string, floats: number): WasmBuffer {
    let s = this.scratch.get(name);
    if (!s || s.length < floats) {
      if (s) this.release(s.offset, s.bytes);
      const len = Math.max(floats, s ? Math.ceil(s.length * 1.25) : 0);
      s = this.rawBuffer(len);
      this.scratch.set(name, s);
      if (name === 'zero') this.f32.fill(0, s.offset >>> 2, (s.offset + s.bytes) >>> 2);
    }
    return s;
  }

  /** A buffer argument a kernel reads: of this backend, live, at least `len` long. */
  buf(kernel: string, name: string, b: Buf | null | undefined, len: number): WasmBuffer {
    if (!(b instanceof WasmBuffer) || b.owner !== this) {
      throw new ConvnetsError(`${kernel}: ${name} is not a buffer of this wasm backend (got ${b === null || b === undefined ? String(b) : (b as object).constructor?.name ?? typeof b})`);
    }
    if (b.freed) throw new ConvnetsError(`${kernel}: ${name} was freed`);
    if (b.length < len) throw new ConvnetsError(`${kernel}: ${name} has ${b.length} elements, expected at least ${len}`);
    return b;
  }

  /** A buffer a kernel writes: as buf(), and its contents version moves on. */
  out(kernel: string, name: string, b: Buf | null | undefined, len: number): WasmBuffer {
    const w = this.buf(kernel, name, b, len);
    w.version++;
    return w;
  }

  /** An optional buffer argument (null stays null). */
  opt(kernel: string, name: string, b: Buf | null | undefined, len: number, written = false): WasmBuffer | null {
    if (b === null || b === undefined) return null;
    return written ? this.out(kernel, name, b, len) : this.buf(kernel, name, b, len);
  }

  write(b: Buf, data: ArrayLike<number>, offset = 0): void {
    const w = this.out('write', 'buffer', b, 0);
    if (!Number.isInteger(offset) || offset < 0 || offset + data.length > w.length) {
      throw new ConvnetsError(`write: ${data.length} values at offset ${offset} do not fit a buffer of ${w.length}`);
    }
    this.f32.set(data, (w.offset >>> 2) + offset);
  }

  read(b: Buf): Float32Array {
    const w = this.buf('read', 'buffer', b, 0);
    return this.f32.slice(w.offset >>> 2, (w.offset >>> 2) + w.length);
  }

  fill(b: Buf, value: number): void {
    const w = this.out('fill', 'buffer', b, 0);
    this.f32.fill(value, w.offset >>> 2, (w.offset >>> 2) + w.length);
  }

  copy(src: Buf, dst: Buf): void {
    const s = this.buf('copy', 'src', src, 0);
    const d = this.out('copy', 'dst', dst, s.length);
    this.f32.copyWithin(d.offset >>> 2, s.offset >>> 2, (s.offset >>> 2) + s.length);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.pool?.closeNow();
    this.pool = null;
    this.scratch.clear();
    this.packs.clear();
  }

  private alive(): void {
    if (this.disposed) throw new ConvnetsError('wasm backend: used after dispose()');
  }

  // ---- dispatch ------------------------------------------------------------------------------------
  /** Threads worth using for `work` scalar operations (a wake-up costs a few microseconds). */
  nt(work: number): number {
    if (!this.pool) return 1;
    if (this.grain <= 0) return this.threads;
    return work < 2 * this.grain ? 1 : Math.min(this.threads, Math.floor(work / this.grain));
  }

  /** Writes a kernel's arguments into the parameter block by field name (schema layout `layout`). */
  params(kernel: string, layout: WasmLayoutName, values: Readonly<Record<string, unknown>>): void {
    encodeFields(kernel, wasmLayout(layout), values, this.pi, this.pf);
  }

  /** Runs entry point `entry` on `nt` threads (the caller is thread 0). */
  run(entry: string, nt: number): void {
    this.alive();
    const fn = this.exports[entry];
    if (typeof fn !== 'function') throw new ConvnetsError(`wasm backend: build lacks kernel export '${entry}' (rebuild with npm run build:wasm)`);
    if (nt <= 1 || !this.pool) { fn(0, 1); return; }
    this.pool.run(this.entryIndex.get(entry)!, nt, fn);
  }
}
