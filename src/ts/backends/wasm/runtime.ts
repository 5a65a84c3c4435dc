// The wasm backend's runtime: finding and compiling the build, one shared WebAssembly.Memory with a
// first-fit arena (buffers are byte offsets into it), grow-only scratch, the packed-weight cache, the
// thread pool, and the parameter block every kernel reads (layouts from the ABI schema, core/abi.ts).
// The kernel families (./kernels/*.ts) marshal their arguments through params() and call run().
import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { setFlagsFromString } from 'node:v8';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConvnetsError } from '../../core/backend.js';
import type { BackendBuffer, Buf } from '../../core/backend.js';
import { encodeFields, wasmLayout } from '../../core/abi.js';
import type { WasmLayoutName } from '../../core/abi.js';
import type { BackendOptions } from '../../core/registry.js';
import { ThreadPool } from './threads.js';

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

/** Finds build/<name> from src/ts/backends/wasm (tests) or dist/src/ts/backends/wasm (package). */
function findBuild(name: string): string | null {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 7; i++) {
    const p = join(dir, 'build', name);
    if (existsSync(p)) return p;
    dir = dirname(dir);
  }
  return null;
}

let relaxedOk: boolean | null = null;

/**
 * Lets this process use the relaxed-SIMD build (fused multiply-add: 1.2-1.4x on conv-heavy models)
 * on runtimes that ship relaxed SIMD behind a flag (Node 20: --experimental-wasm-relaxed-simd) by
 * setting that V8 flag at run time. V8 reads wasm feature flags when it validates/compiles a module,
 * so this must run before the first wasm backend is created; the flag is process-wide, so only
 * entry points that own the process (the CLI, the benchmark runner) call it, never the library on
 * its own. Returns whether the relaxed build validates afterwards; CONVNETS_WASM_RELAXED=0 opts out.
 */
export function enableRelaxedSimd(): boolean {
  const relaxed = findBuild('convnets-relaxed.wasm');
  if (!relaxed || process.env.CONVNETS_WASM_RELAXED === '0') return false;
  const bytes = readFileSync(relaxed);
  if (!WebAssembly.validate(bytes)) setFlagsFromString('--experimental-wasm-relaxed-simd');
  relaxedOk = WebAssembly.validate(bytes);
  return relaxedOk;
}

/**
 * Which wasm build a backend created now runs: its file, and whether it is the relaxed-SIMD one (used
 * where this runtime validates it; Node 20 needs --experimental-wasm-relaxed-simd or enableRelaxedSimd()).
 */
export function wasmBuild(): { path: string; relaxed: boolean } | null {
  const plain = findBuild('convnets.wasm');
  const relaxed = findBuild('convnets-relaxed.wasm');
  if (relaxed && process.env.CONVNETS_WASM_RELAXED !== '0') {
    if (relaxedOk === null) relaxedOk = WebAssembly.validate(readFileSync(relaxed));
    if (relaxedOk) return { path: relaxed, relaxed: true };
  }
  return plain ? { path: plain, relaxed: false } : null;
}

/** Why the wasm backend cannot run here, or null. */
export async function wasmUnavailableReason(): Promise<string | null> {
  if (typeof WebAssembly !== 'object' || typeof SharedArrayBuffer !== 'function') return 'WebAssembly or SharedArrayBuffer is not available';
  const b = wasmBuild();
  if (!b) return 'build/convnets.wasm is missing (run npm run build:wasm)';
  try {
    if (!WebAssembly.validate(readFileSync(b.path))) return `${b.path} does not validate (this runtime lacks WebAssembly SIMD/threads?)`;
  } catch (e) {
    return `cannot read ${b.path}: ${(e as Error).message}`;
  }
  return null;
}

const compiled = new Map<string, WebAssembly.Module>();

type EntryFn = (tid: number, nt: number) => number;

export interface WasmBackendInfo { threads: number; relaxedSimd: boolean; memoryBytes: number; }

export class WasmRuntime {
  readonly relaxedSimd: boolean;
  readonly memory: WebAssembly.Memory;
  /** Every function the module exports, by name; `run` dispatches the kernel entry points. */
  readonly exports: Record<string, EntryFn>;
  private readonly entryIndex: Map<string, number>;
  private pool: ThreadPool | null;
  f32!: Float32Array;
  i32!: Int32Array;
  private readonly pi: Int32Array;
  private readonly pf: Float32Array;
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

  private constructor(module: WebAssembly.Module, memory: WebAssembly.Memory, pool: ThreadPool | null, relaxed: boolean,
    entries: readonly string[], readonly threads: number, grain: number) {
    this.memory = memory;
    this.grain = grain;
    const inst = new WebAssembly.Instance(module, { env: { memory } });
    this.exports = inst.exports as unknown as Record<string, EntryFn>;
    this.entryIndex = new Map(entries.map((k, i) => [k, i]));
    this.pool = pool;
    this.relaxedSimd = relaxed;
    this.refreshViews();
    this.pi = new Int32Array(memory.buffer, PARAMS, PARAM_SLOTS);
    this.pf = new Float32Array(memory.buffer, PARAMS, PARAM_SLOTS);
  }

  static async create(opts: BackendOptions = {}): Promise<WasmRuntime> {
    const build = wasmBuild();
    if (!build) throw new ConvnetsError('wasm backend: build/convnets.wasm is missing (run npm run build:wasm)');
    let module = compiled.get(build.path);
    if (!module) {
      module = new WebAssembly.Module(readFileSync(build.path));
      compiled.set(build.path, module);
    }
    const threads = opts.threads ?? availableParallelism();
    if (!Number.isInteger(threads) || threads < 1 || threads > 256) {
      throw new ConvnetsError(`wasm backend: threads must be an integer in [1, 256], got ${threads}`);
    }
    // Entry points: every exported function, in the module's order (the workers see the same list).
    const entries = WebAssembly.Module.exports(module).filter((e) => e.kind === 'function').map((e) => e.name);
    const memory = new WebAssembly.Memory({ initial: 64, maximum: MAX_PAGES, shared: true });
    const pool = threads > 1 ? await ThreadPool.start(threads, module, memory, entries) : null;
    const grain = typeof opts.grain === 'number' && opts.grain >= 0 ? opts.grain : 16384;
    return new WasmRuntime(module, memory, pool, build.relaxed, entries, threads, grain);
  }

  info(): WasmBackendInfo { return { threads: this.threads, relaxedSimd: this.relaxedSimd, memoryBytes: this.memory.buffer.byteLength }; }

  private refreshViews(): void {
    const buf = this.memory.buffer;
    this.f32 = new Float32Array(buf);
    this.i32 = new Int32Array(buf);
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
