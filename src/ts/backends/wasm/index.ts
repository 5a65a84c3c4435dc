// The wasm backend: AssemblyScript kernels (assembly/ -> build/*.wasm), SIMD128 (+ relaxed SIMD where
// the runtime validates it), threads over one shared memory. Buffers are byte offsets into that memory,
// handed out by a first-fit arena with a free list; kernels read their arguments from a parameter block
// (see assembly/memory.ts) and split work by thread index. Scratch (packed weights, pointer tables,
// partial sums) is grow-only and kept across calls, so a training loop allocates nothing after step one.
import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { setFlagsFromString } from 'node:v8';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConvnetsError } from '../../core/backend.js';
import type {
  ActivationKind, AdamWParams, Backend, BackendBuffer, BatchNormParams, Buf, ChannelScaleParams, ConcatParams,
  Conv2dParams, DenseParams, GlobalPoolParams, Pool2dParams, SgdParams, SoftmaxXentParams,
} from '../../core/backend.js';
import type { BackendFactory } from '../../core/registry.js';
import type { BackendOptions } from '../../core/registry.js';
import { dropThreshold } from '../../core/random.js';
import { ThreadPool } from './pool.js';

const PARAMS = 1024;          // parameter block (bytes), as assembly/memory.ts
const ARENA_BASE = 65536;     // above the module's static data (memoryBase 8 KiB)
const ALIGN = 64;
const PAD = 64;               // bytes after every buffer: SIMD tails may read (never write) past the end
const PAGE = 65536;
const MAX_PAGES = 65536;
const MB = 32, MC = 64;      // row blocks of igemm / convBwdFilter (assembly/gemm.ts)

const KERNELS = [
  'igemm', 'igemmPack', 'convBwdFilter', 'convBwdFilterFinish', 'denseBwdFilterSmall', 'dwPack', 'dwForward', 'dwBackwardData',
  'dwBackwardFilter', 'bnTrainStats', 'bnInferencePrep', 'bnBackwardStats', 'bnApply', 'poolForward', 'poolBackward',
  'gapForward', 'gapBackward', 'actForward', 'actBackward', 'elementwise', 'sumSquaresPartial', 'csForward',
  'csBackward', 'concatPart', 'dropoutMask', 'xentForward', 'xentBackward', 'sgdUpdate', 'adamwUpdate',
] as const;
type Kernel = (typeof KERNELS)[number];
const KIDX = new Map<string, number>(KERNELS.map((k, i) => [k, i]));

const ACT_CODE: Record<ActivationKind, number> = { relu: 1, relu6: 2, silu: 3, sigmoid: 4, hardswish: 5, hardsigmoid: 6 };

// Conv parameter slots (assembly/gemm.ts).
const P_A = 0, P_W = 1, P_BIAS = 2, P_C = 3, P_PACK = 4, P_SCR = 5, P_ZERO = 6, P_SCRT = 7, P_DWT = 8, P_DB = 9,
  P_N = 10, P_ACT = 26, P_HASB = 27, P_MODE = 28, P_NTU = 29;

interface PackEntry { key: string; version: number; bias: WasmBuffer | null; biasVersion: number; pack: WasmBuffer; }

export class WasmBuffer implements BackendBuffer {
  freed = false;
  /** Bumped whenever the contents may change: keys the packed-weight cache. */
  version = 0;
  constructor(readonly offset: number, readonly length: number, readonly bytes: number, readonly owner: WasmBackend) {}
}

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

const compiled = new Map<string, WebAssembly.Module>();

export interface WasmBackendInfo { threads: number; relaxedSimd: boolean; memoryBytes: number; }

export class WasmBackend implements Backend {
  readonly name = 'wasm';
  readonly dtype = 'float32' as const;
  readonly relaxedSimd: boolean;
  private memory: WebAssembly.Memory;
  private exports: Record<string, (tid: number, nt: number) => number>;
  private pool: ThreadPool | null;
  private f32!: Float32Array;
  private i32!: Int32Array;
  private u8!: Uint8Array;
  private readonly pi: Int32Array;
  private readonly pf: Float32Array;
  // Arena: bump pointer + sorted free list of [offset, bytes].
  private top = ARENA_BASE;
  private freeList: { off: number; bytes: number }[] = [];
  private live = 0;
  private scratch = new Map<string, WasmBuffer>();
  /** Packed weights per filter buffer and direction, reused while the filter (and bias) are unchanged. */
  private packs = new Map<WasmBuffer, Map<string, PackEntry>>();
  private disposed = false;
  /** Scalar operations per thread below which a kernel runs on fewer threads (option `grain`; 0 = always all). */
  private readonly grain: number;

  private constructor(module: WebAssembly.Module, memory: WebAssembly.Memory, pool: ThreadPool | null, relaxed: boolean,
    readonly threads: number, grain: number) {
    this.memory = memory;
    this.grain = grain;
    const inst = new WebAssembly.Instance(module, { env: { memory } });
    this.exports = inst.exports as unknown as Record<string, (tid: number, nt: number) => number>;
    for (const k of KERNELS) {
      if (typeof this.exports[k] !== 'function') throw new ConvnetsError(`wasm backend: build lacks kernel export '${k}' (rebuild with npm run build:wasm)`);
    }
    this.pool = pool;
    this.relaxedSimd = relaxed;
    this.refreshViews();
    this.pi = new Int32Array(memory.buffer, PARAMS, 64);
    this.pf = new Float32Array(memory.buffer, PARAMS, 64);
  }

  static async create(opts: BackendOptions = {}): Promise<WasmBackend> {
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
    const memory = new WebAssembly.Memory({ initial: 64, maximum: MAX_PAGES, shared: true });
    const pool = threads > 1 ? await ThreadPool.start(threads, module, memory, KERNELS) : null;
    const grain = typeof opts.grain === 'number' && opts.grain >= 0 ? opts.grain : 16384;
    return new WasmBackend(module, memory, pool, build.relaxed, threads, grain);
  }

  info(): WasmBackendInfo { return { threads: this.threads, relaxedSimd: this.relaxedSimd, memoryBytes: this.memory.buffer.byteLength }; }

  private refreshViews(): void {
    const buf = this.memory.buffer;
    this.f32 = new Float32Array(buf);
    this.i32 = new Int32Array(buf);
    this.u8 = new Uint8Array(buf);
  }

  // ---- arena ---------------------------------------------------------------------------------------
  private grab(bytes: number): number {
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

  private release(off: number, bytes: number): void {
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

  alloc(length: number): Buf {
    if (this.disposed) throw new ConvnetsError('wasm backend: used after dispose()');
    if (!Number.isInteger(length) || length < 0) throw new ConvnetsError(`wasm alloc: length must be a non-negative integer, got ${length}`);
    const bytes = Math.ceil((length * 4 + PAD) / ALIGN) * ALIGN;
    const off = this.grab(bytes);
    this.live += length;
    return new WasmBuffer(off, length, bytes, this);
  }

  free(b: Buf): void {
    const w = this.buf('free', 'buffer', b, 0);
    w.freed = true;
    this.live -= w.length;
    const cached = this.packs.get(w);
    if (cached) {
      for (const e of cached.values()) this.release(e.pack.offset, e.pack.bytes);
      this.packs.delete(w);
    }
    this.release(w.offset, w.bytes);
  }

  allocated(): number { return this.live; }

  /** Grow-only scratch of at least `floats` scalars, kept across calls (not counted by allocated()). */
  private scr(name: string, floats: number): WasmBuffer {
    let s = this.scratch.get(name);
    if (!s || s.length < floats) {
      if (s) this.release(s.offset, s.bytes);
      const len = Math.max(floats, s ? Math.ceil(s.length * 1.25) : 0);
      const bytes = Math.ceil((len * 4 + PAD) / ALIGN) * ALIGN;
      s = new WasmBuffer(this.grab(bytes), len, bytes, this);
      this.scratch.set(name, s);
      if (name === 'zero') this.f32.fill(0, s.offset >>> 2, (s.offset + s.bytes) >>> 2);
    }
    return s;
  }

  private buf(kernel: string, name: string, b: Buf | null | undefined, len: number): WasmBuffer {
    if (!(b instanceof WasmBuffer) || b.owner !== this) {
      throw new ConvnetsError(`${kernel}: ${name} is not a buffer of this wasm backend (got ${b === null || b === undefined ? String(b) : (b as object).constructor?.name ?? typeof b})`);
    }
    if (b.freed) throw new ConvnetsError(`${kernel}: ${name} was freed`);
    if (b.length < len) throw new ConvnetsError(`${kernel}: ${name} has ${b.length} elements, expected at least ${len}`);
    return b;
  }

  /** A buffer a kernel writes: as buf(), and its contents version moves on. */
  private out(kernel: string, name: string, b: Buf | null | undefined, len: number): WasmBuffer {
    const w = this.buf(kernel, name, b, len);
    w.version++;
    return w;
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

  // ---- dispatch ------------------------------------------------------------------------------------
  /** Threads worth using for `work` scalar operations (a wake-up costs a few microseconds). */
  private nt(work: number): number {
    if (!this.pool) return 1;
    if (this.grain <= 0) return this.threads;
    return work < 2 * this.grain ? 1 : Math.min(this.threads, Math.floor(work / this.grain));
  }

  private run(k: Kernel, nt: number): void {
    if (this.disposed) throw new ConvnetsError('wasm backend: used after dispose()');
    const fn = this.exports[k];
    if (nt <= 1 || !this.pool) { fn(0, 1); return; }
    this.pool.run(KIDX.get(k)!, nt, fn);
  }

  private setPtr(i: number, b: WasmBuffer | null): void { this.pi[i] = b ? b.offset : 0; }

  // ---- convolution ---------------------------------------------------------------------------------
  private checkConv(kernel: string, p: Conv2dParams): void {
    for (const k of ['n', 'inH', 'inW', 'inC', 'outH', 'outW', 'outC', 'kH', 'kW', 'strideH', 'strideW', 'dilationH', 'dilationW', 'groups'] as const) {
      if (!Number.isInteger(p[k]) || p[k] <= 0) throw new ConvnetsError(`${kernel}: params.${k} must be a positive integer, got ${p[k]}`);
    }
    for (const k of ['padTop', 'padLeft'] as const) {
      if (!Number.isInteger(p[k]) || p[k] < 0) throw new ConvnetsError(`${kernel}: params.${k} must be a non-negative integer, got ${p[k]}`);
    }
    if (p.inC % p.groups !== 0 || p.outC % p.groups !== 0) {
      throw new ConvnetsError(`${kernel}: channels (in ${p.inC}, out ${p.outC}) must be divisible by groups (${p.groups})`);
    }
    if (p.activation !== undefined && !(p.activation in ACT_CODE)) throw new ConvnetsError(`${kernel}: unknown activation '${p.activation}'`);
  }

  private setConv(p: Conv2dParams, mode: number, act: number): void {
    const v = [p.n, p.inH, p.inW, p.inC, p.outH, p.outW, p.outC, p.kH, p.kW, p.strideH, p.strideW, p.padTop, p.padLeft,
      p.dilationH, p.dilationW, p.groups];
    for (let i = 0; i < v.length; i++) this.pi[P_N + i] = v[i];
    this.pi[P_ACT] = act;
    this.pi[P_MODE] = mode;
  }

  private static isPointwise(p: Conv2dParams): boolean {
    return p.kH === 1 && p.kW === 1 && p.strideH === 1 && p.strideW === 1 && p.padTop === 0 && p.padLeft === 0 &&
      p.groups === 1 && p.outH === p.inH && p.outW === p.inW;
  }

  private packedFloats(p: Conv2dParams, fwd: boolean, KK: number): number {
    const cpg = p.inC / p.groups, opg = p.outC / p.groups;
    const K = fwd ? cpg : opg, cols = fwd ? opg : cpg;
    return p.groups * Math.ceil(cols / 8) * (8 + KK * K * 8);
  }

  /** Forward and backward-data through the indirect GEMM. mode: 0 conv fwd, 1 conv bwd data, 2 direct fwd, 3 direct bwd data. */
  private igemm(kernel: string, p: Conv2dParams, mode: number, a: WasmBuffer, w: WasmBuffer, bias: WasmBuffer | null, c: WasmBuffer): void {
    // Few input channels, dilation-1 rows (stems): merge each kernel row into one tap of kW*inC floats.
    if (mode === 0 && p.groups === 1 && p.dilationW === 1 && p.inC <= 16 && p.kW > 1) mode = 4;
    const KK = mode === 2 || mode === 3 ? 1 : p.kH * p.kW;
    const fwd = mode === 0 || mode === 2 || mode === 4;
    const floats = this.packedFloats(p, fwd, KK);
    const dir = fwd ? 'f' : 'b';
    let byDir = this.packs.get(w);
    if (!byDir) { byDir = new Map(); this.packs.set(w, byDir); }
    const key = `${p.groups},${p.inC},${p.outC},${KK}`;
    let e = byDir.get(dir);
    let fresh = !!e && e.key === key && e.version === w.version && e.bias === bias && e.biasVersion === (bias ? bias.version : 0);
    if (!e || e.pack.length < floats) {
      if (e) this.release(e.pack.offset, e.pack.bytes);
      const bytes = Math.ceil((floats * 4 + PAD) / ALIGN) * ALIGN;
      e = { key, version: -1, bias: null, biasVersion: 0, pack: new WasmBuffer(this.grab(bytes), floats, bytes, this) };
      byDir.set(dir, e);
      fresh = false;
    }
    e.key = key; e.version = w.version; e.bias = bias; e.biasVersion = bias ? bias.version : 0;
    const pack = e.pack;
    const rowsM = fwd ? p.n * p.outH * p.outW : p.n * p.inH * p.inW;
    const flops = rowsM * KK * (p.inC / p.groups) * p.outC;
    const nt = this.nt(flops);
    // Pointer table; mode 4 adds a staging area for border windows (MB rows x kH segments of kW*inC).
    const scrT = mode === 4 ? MB * KK * 4 + MB * p.kH * p.kW * p.inC * 4 : MB * KK * 4;
    const ptrs = this.scr('ptr', (scrT * nt) / 4);
    const zero = this.scr('zero', Math.max(p.inC * p.kW, p.outC, p.inC) + 16);
    this.setConv(p, mode, fwd && p.activation ? ACT_CODE[p.activation] : 0);
    this.setPtr(P_A, a); this.setPtr(P_W, w); this.setPtr(P_BIAS, bias); this.setPtr(P_C, c);
    this.setPtr(P_PACK, pack); this.setPtr(P_SCR, ptrs); this.setPtr(P_ZERO, zero);
    this.pi[P_SCRT] = scrT;
    this.pi[P_HASB] = bias ? 1 : 0;
    if (!fresh) this.run('igemmPack', this.nt(floats * 8));
    this.run('igemm', nt);
    void kernel;
  }

  private bwdFilter(p: Conv2dParams, direct: boolean, x: WasmBuffer, dy: WasmBuffer, dw: WasmBuffer, db: WasmBuffer | null): void {
    const KK = direct ? 1 : p.kH * p.kW;
    const cpg = p.inC / p.groups, opg = p.outC / p.groups;
    const cB = Math.ceil(cpg / 4), oB = Math.ceil(opg / 8);
    const tiles = p.groups * KK * cB * oB;
    const M = p.n * p.outH * p.outW;
    const flops = M * KK * cpg * p.outC;
    if (direct && M <= 2 * MC) {
      // Few rows (dense at small batch): outer-product updates beat packing panels.
      this.setConv(p, 2, 0);
      this.setPtr(P_A, x); this.setPtr(P_C, dy); this.setPtr(P_W, dw); this.setPtr(P_DB, db);
      this.pi[P_HASB] = db ? 1 : 0;
      this.run('denseBwdFilterSmall', Math.min(p.outC, this.nt(flops)));
      return;
    }
    const nt = Math.min(this.nt(flops), Math.ceil(M / MC));
    const dwt = this.scr('dwt', (tiles * 32 + p.groups * oB * 8) * nt);
    const scrT = MC * KK * 4 + KK * cB * MC * 16 + oB * MC * 32;
    const ptrs = this.scr('ptr', (scrT * nt) / 4);
    const zero = this.scr('zero', Math.max(p.inC, p.outC) + 16);
    this.setConv(p, direct ? 2 : 0, 0);
    this.setPtr(P_A, x); this.setPtr(P_C, dy); this.setPtr(P_W, dw); this.setPtr(P_DB, db);
    this.setPtr(P_DWT, dwt); this.setPtr(P_SCR, ptrs); this.setPtr(P_ZERO, zero);
    this.pi[P_SCRT] = scrT;
    this.pi[P_HASB] = db ? 1 : 0;
    this.pi[P_NTU] = nt;
    this.run('convBwdFilter', nt);
    this.run('convBwdFilterFinish', this.nt(tiles * 32 * nt));
  }

  private convArgs(kernel: string, p: Conv2dParams) {
    this.checkConv(kernel, p);
    return {
      nx: p.n * p.inH * p.inW * p.inC, ny: p.n * p.outH * p.outW * p.outC,
      nw: p.outC * p.kH * p.kW * (p.inC / p.groups),
    };
  }

  conv2d(p: Conv2dParams, x: Buf, w: Buf, bias: Buf | null, y: Buf): void {
    const K = 'conv2d', s = this.convArgs(K, p);
    const xb = this.buf(K, 'x', x, s.nx), wb = this.buf(K, 'w', w, s.nw), yb = this.out(K, 'y', y, s.ny);
    const bb = bias ? this.buf(K, 'bias', bias, p.outC) : null;
    if (p.groups === p.inC && p.groups > 1) { this.dwFwd(K, p, xb, wb, bb, yb); return; }
    this.igemm(K, p, WasmBackend.isPointwise(p) ? 2 : 0, xb, wb, bb, yb);
  }

  conv2dBackwardData(p: Conv2dParams, dy: Buf, w: Buf, dx: Buf): void {
    const K = 'conv2dBackwardData', s = this.convArgs(K, p);
    const dyb = this.buf(K, 'dy', dy, s.ny), wb = this.buf(K, 'w', w, s.nw), dxb = this.out(K, 'dx', dx, s.nx);
    if (p.groups === p.inC && p.groups > 1) { this.dwBwdData(K, p, dyb, wb, dxb); return; }
    this.igemm(K, p, WasmBackend.isPointwise(p) ? 3 : 1, dyb, wb, null, dxb);
  }

  conv2dBackwardFilter(p: Conv2dParams, x: Buf, dy: Buf, dw: Buf, dbias: Buf | null): void {
    const K = 'conv2dBackwardFilter', s = this.convArgs(K, p);
    const xb = this.buf(K, 'x', x, s.nx), dyb = this.buf(K, 'dy', dy, s.ny), dwb = this.out(K, 'dw', dw, s.nw);
    const db = dbias ? this.out(K, 'dbias', dbias, p.outC) : null;
    if (p.groups === p.inC && p.groups > 1) { this.dwBwdFilter(p, xb, dyb, dwb, db); return; }
    this.bwdFilter(p, WasmBackend.isPointwise(p), xb, dyb, dwb, db);
  }

  // ---- depthwise ---------------------------------------------------------------------------------
  private checkDw(kernel: string, p: Conv2dParams): void {
    if (p.groups !== p.inC || p.outC % p.inC !== 0) {
      throw new ConvnetsError(`${kernel}: depthwise needs groups === inC and outC a multiple of inC (groups ${p.groups}, inC ${p.inC}, outC ${p.outC})`);
    }
  }

  private dwSetup(p: Conv2dParams, act: number): void {
    this.setConv(p, 0, act);
    const KK = p.kH * p.kW, Cp = Math.ceil(p.outC / 16) * 16;
    const pack = this.scr('pack', KK * Cp + 16);
    this.setPtr(P_PACK, pack);
    // Per-thread tap lists (KK pairs of u32).
    this.setPtr(P_SCR, this.scr('ptr', (KK * 16 * this.threads) / 4 + 4));
    this.pi[P_SCRT] = KK * 16;
  }

  private dwFwd(_k: string, p: Conv2dParams, x: WasmBuffer, w: WasmBuffer, bias: WasmBuffer | null, y: WasmBuffer): void {
    this.dwSetup(p, p.activation ? ACT_CODE[p.activation] : 0);
    this.setPtr(P_A, x); this.setPtr(P_W, w); this.setPtr(P_BIAS, bias); this.setPtr(P_C, y);
    this.pi[P_HASB] = bias ? 1 : 0;
    if (p.outC === p.inC) this.run('dwPack', 1);
    this.run('dwForward', this.nt(p.n * p.outH * p.outW * p.outC * p.kH * p.kW));
  }

  private dwBwdData(_k: string, p: Conv2dParams, dy: WasmBuffer, w: WasmBuffer, dx: WasmBuffer): void {
    this.dwSetup(p, 0);
    this.setPtr(P_A, dy); this.setPtr(P_W, w); this.setPtr(P_C, dx);
    const nt = this.nt(p.n * p.outH * p.outW * p.outC * p.kH * p.kW);
    if (p.outC === p.inC) this.run('dwPack', 1);
    this.run('dwBackwardData', nt);
  }

  private dwBwdFilter(p: Conv2dParams, x: WasmBuffer, dy: WasmBuffer, dw: WasmBuffer, db: WasmBuffer | null): void {
    this.setConv(p, 0, 0);
    const KK = p.kH * p.kW, Cp = Math.ceil(p.outC / 16) * 16;
    const acc = this.scr('dwt', (KK + 1) * Cp + 16);
    this.setPtr(P_A, x); this.setPtr(P_C, dy); this.setPtr(P_W, dw); this.setPtr(P_DWT, acc); this.setPtr(P_DB, db);
    this.pi[P_HASB] = db ? 1 : 0;
    this.run('dwBackwardFilter', Math.min(this.nt(p.n * p.outH * p.outW * p.outC * KK), Cp / 16));
  }

  dwconv2d(p: Conv2dParams, x: Buf, w: Buf, bias: Buf | null, y: Buf): void {
    const K = 'dwconv2d', s = this.convArgs(K, p);
    this.checkDw(K, p);
    const bb = bias ? this.buf(K, 'bias', bias, p.outC) : null;
    this.dwFwd(K, p, this.buf(K, 'x', x, s.nx), this.buf(K, 'w', w, s.nw), bb, this.out(K, 'y', y, s.ny));
  }

  dwconv2dBackwardData(p: Conv2dParams, dy: Buf, w: Buf, dx: Buf): void {
    const K = 'dwconv2dBackwardData', s = this.convArgs(K, p);
    this.checkDw(K, p);
    this.dwBwdData(K, p, this.buf(K, 'dy', dy, s.ny), this.buf(K, 'w', w, s.nw), this.out(K, 'dx', dx, s.nx));
  }

  dwconv2dBackwardFilter(p: Conv2dParams, x: Buf, dy: Buf, dw: Buf, dbias: Buf | null): void {
    const K = 'dwconv2dBackwardFilter', s = this.convArgs(K, p);
    this.checkDw(K, p);
    const db = dbias ? this.out(K, 'dbias', dbias, p.outC) : null;
    this.dwBwdFilter(p, this.buf(K, 'x', x, s.nx), this.buf(K, 'dy', dy, s.ny), this.out(K, 'dw', dw, s.nw), db);
  }

  // ---- pointwise -----------------------------------------------------------------------------------
  private checkPw(kernel: string, p: Conv2dParams): void {
    if (!WasmBackend.isPointwise(p)) throw new ConvnetsError(`${kernel}: needs a 1x1 stride-1 unpadded conv with groups 1 and equal in/out sizes`);
  }

  pwconv2d(p: Conv2dParams, x: Buf, w: Buf, bias: Buf | null, y: Buf): void {
    const K = 'pwconv2d', s = this.convArgs(K, p);
    this.checkPw(K, p);
    const bb = bias ? this.buf(K, 'bias', bias, p.outC) : null;
    this.igemm(K, p, 2, this.buf(K, 'x', x, s.nx), this.buf(K, 'w', w, s.nw), bb, this.out(K, 'y', y, s.ny));
  }

  pwconv2dBackwardData(p: Conv2dParams, dy: Buf, w: Buf, dx: Buf): void {
    const K = 'pwconv2dBackwardData', s = this.convArgs(K, p);
    this.checkPw(K, p);
    this.igemm(K, p, 3, this.buf(K, 'dy', dy, s.ny), this.buf(K, 'w', w, s.nw), null, this.out(K, 'dx', dx, s.nx));
  }

  pwconv2dBackwardFilter(p: Conv2dParams, x: Buf, dy: Buf, dw: Buf, dbias: Buf | null): void {
    const K = 'pwconv2dBackwardFilter', s = this.convArgs(K, p);
    this.checkPw(K, p);
    const db = dbias ? this.out(K, 'dbias', dbias, p.outC) : null;
    this.bwdFilter(p, true, this.buf(K, 'x', x, s.nx), this.buf(K, 'dy', dy, s.ny), this.out(K, 'dw', dw, s.nw), db);
  }

  // ---- dense (a pointwise conv over n rows) -----------------------------------------------------------
  private denseConv(kernel: string, p: DenseParams): Conv2dParams {
    for (const k of ['n', 'inF', 'outF'] as const) {
      if (!Number.isInteger(p[k]) || p[k] <= 0) throw new ConvnetsError(`${kernel}: params.${k} must be a positive integer, got ${p[k]}`);
    }
    return { n: p.n, inH: 1, inW: 1, inC: p.inF, outH: 1, outW: 1, outC: p.outF, kH: 1, kW: 1, strideH: 1, strideW: 1,
      padTop: 0, padLeft: 0, dilationH: 1, dilationW: 1, groups: 1 };
  }

  dense(p: DenseParams, x: Buf, w: Buf, bias: Buf | null, y: Buf): void {
    const K = 'dense', c = this.denseConv(K, p);
    const bb = bias ? this.buf(K, 'bias', bias, p.outF) : null;
    this.igemm(K, c, 2, this.buf(K, 'x', x, p.n * p.inF), this.buf(K, 'w', w, p.outF * p.inF), bb, this.out(K, 'y', y, p.n * p.outF));
  }

  denseBackwardData(p: DenseParams, dy: Buf, w: Buf, dx: Buf): void {
    const K = 'denseBackwardData', c = this.denseConv(K, p);
    this.igemm(K, c, 3, this.buf(K, 'dy', dy, p.n * p.outF), this.buf(K, 'w', w, p.outF * p.inF), null, this.out(K, 'dx', dx, p.n * p.inF));
  }

  denseBackwardFilter(p: DenseParams, x: Buf, dy: Buf, dw: Buf, dbias: Buf | null): void {
    const K = 'denseBackwardFilter', c = this.denseConv(K, p);
    const db = dbias ? this.out(K, 'dbias', dbias, p.outF) : null;
    this.bwdFilter(c, true, this.buf(K, 'x', x, p.n * p.inF), this.buf(K, 'dy', dy, p.n * p.outF), this.out(K, 'dw', dw, p.outF * p.inF), db);
  }

  // ---- batch norm ------------------------------------------------------------------------------------
  private bnSetup(kernel: string, p: BatchNormParams, train: boolean): WasmBuffer {
    if (!Number.isInteger(p.rows) || p.rows <= 0 || !Number.isInteger(p.c) || p.c <= 0) {
      throw new ConvnetsError(`${kernel}: rows and c must be positive integers, got rows ${p.rows}, c ${p.c}`);
    }
    if (!(p.eps > 0)) throw new ConvnetsError(`${kernel}: eps must be > 0, got ${p.eps}`);
    if (train && p.rows < 2) throw new ConvnetsError(`${kernel}: training batch norm needs more than one value per channel (rows ${p.rows})`);
    const Cp = Math.ceil(p.c / 8) * 8;
    const scr = this.scr('bn', 7 * Cp + 16);
    this.setPtr(8, scr);
    this.pi[16] = p.rows; this.pi[17] = p.c; this.pf[18] = p.eps; this.pf[19] = p.momentum;
    return scr;
  }

  private bnApply(p: BatchNormParams, u: WasmBuffer, v: WasmBuffer | null, out: WasmBuffer): void {
    this.setPtr(11, u); this.setPtr(12, v ?? u); this.setPtr(13, out);
    this.pi[21] = v ? 1 : 0;
    this.run('bnApply', this.nt(p.rows * p.c * 2));
  }

  batchNormTrain(p: BatchNormParams, x: Buf, gamma: Buf, beta: Buf, y: Buf, runningMean: Buf, runningVar: Buf, saveMean: Buf, saveInvStd: Buf): void {
    const K = 'batchNormTrain', n = p.rows * p.c;
    this.bnSetup(K, p, true);
    const xb = this.buf(K, 'x', x, n);
    this.setPtr(0, xb); this.setPtr(1, this.buf(K, 'gamma', gamma, p.c)); this.setPtr(2, this.buf(K, 'beta', beta, p.c));
    this.setPtr(4, this.out(K, 'runningMean', runningMean, p.c)); this.setPtr(5, this.out(K, 'runningVar', runningVar, p.c));
    this.setPtr(6, this.out(K, 'saveMean', saveMean, p.c)); this.setPtr(7, this.out(K, 'saveInvStd', saveInvStd, p.c));
    const yb = this.out(K, 'y', y, n);
    this.run('bnTrainStats', Math.min(p.c, this.nt(n * 3)));
    this.bnApply(p, xb, null, yb);
  }

  batchNormInference(p: BatchNormParams, x: Buf, gamma: Buf, beta: Buf, mean: Buf, variance: Buf, y: Buf): void {
    const K = 'batchNormInference', n = p.rows * p.c;
    this.bnSetup(K, p, false);
    const xb = this.buf(K, 'x', x, n), yb = this.out(K, 'y', y, n);
    this.setPtr(1, this.buf(K, 'gamma', gamma, p.c)); this.setPtr(2, this.buf(K, 'beta', beta, p.c));
    this.setPtr(4, this.buf(K, 'mean', mean, p.c)); this.setPtr(5, this.buf(K, 'variance', variance, p.c));
    this.run('bnInferencePrep', 1);
    this.bnApply(p, xb, null, yb);
  }

  private bnBackward(K: string, p: BatchNormParams, train: boolean, x: Buf, dy: Buf, gamma: Buf, m: Buf, v: Buf, dx: Buf, dgamma: Buf, dbeta: Buf): void {
    const n = p.rows * p.c;
    this.bnSetup(K, p, false);
    const xb = this.buf(K, 'x', x, n), dyb = this.buf(K, 'dy', dy, n), dxb = this.out(K, 'dx', dx, n);
    this.setPtr(0, xb); this.setPtr(1, this.buf(K, 'gamma', gamma, p.c)); this.setPtr(3, dyb);
    if (train) { this.setPtr(6, this.out(K, 'saveMean', m, p.c)); this.setPtr(7, this.out(K, 'saveInvStd', v, p.c)); }
    else { this.setPtr(4, this.buf(K, 'mean', m, p.c)); this.setPtr(5, this.buf(K, 'variance', v, p.c)); }
    this.setPtr(9, this.out(K, 'dgamma', dgamma, p.c)); this.setPtr(10, this.out(K, 'dbeta', dbeta, p.c));
    this.pi[20] = train ? 1 : 0;
    this.run('bnBackwardStats', Math.min(p.c, this.nt(n * 3)));
    this.bnApply(p, dyb, train ? xb : null, dxb);
  }

  batchNormTrainBackward(p: BatchNormParams, x: Buf, dy: Buf, gamma: Buf, saveMean: Buf, saveInvStd: Buf, dx: Buf, dgamma: Buf, dbeta: Buf): void {
    this.bnBackward('batchNormTrainBackward', p, true, x, dy, gamma, saveMean, saveInvStd, dx, dgamma, dbeta);
  }

  batchNormInferenceBackward(p: BatchNormParams, x: Buf, dy: Buf, gamma: Buf, mean: Buf, variance: Buf, dx: Buf, dgamma: Buf, dbeta: Buf): void {
    this.bnBackward('batchNormInferenceBackward', p, false, x, dy, gamma, mean, variance, dx, dgamma, dbeta);
  }

  // ---- pooling ---------------------------------------------------------------------------------------
  private poolSetup(kernel: string, p: Pool2dParams, mode: number): { nx: number; ny: number } {
    for (const k of ['n', 'inH', 'inW', 'c', 'outH', 'outW', 'kH', 'kW', 'strideH', 'strideW'] as const) {
      if (!Number.isInteger(p[k]) || p[k] <= 0) throw new ConvnetsError(`${kernel}: params.${k} must be a positive integer, got ${p[k]}`);
    }
    for (const k of ['padTop', 'padLeft', 'padBottom', 'padRight'] as const) {
      if (!Number.isInteger(p[k]) || p[k] < 0) throw new ConvnetsError(`${kernel}: params.${k} must be a non-negative integer, got ${p[k]}`);
    }
    if ((p.outH - 1) * p.strideH - p.padTop >= p.inH || (p.outW - 1) * p.strideW - p.padLeft >= p.inW || p.padTop >= p.kH || p.padLeft >= p.kW) {
      throw new ConvnetsError(`${kernel}: a window would lie entirely in padding (in ${p.inH}x${p.inW}, out ${p.outH}x${p.outW}, ` +
        `kernel ${p.kH}x${p.kW}, stride ${p.strideH}x${p.strideW}, pad ${p.padTop},${p.padLeft})`);
    }
    const v = [p.n, p.inH, p.inW, p.c, p.outH, p.outW, p.kH, p.kW, p.strideH, p.strideW, p.padTop, p.padLeft,
      p.countIncludePad ? 1 : 0, p.padBottom, p.padRight, mode];
    for (let i = 0; i < v.length; i++) this.pi[16 + i] = v[i];
    return { nx: p.n * p.inH * p.inW * p.c, ny: p.n * p.outH * p.outW * p.c };
  }

  maxPool2d(p: Pool2dParams, x: Buf, y: Buf): void { this.poolFwd('maxPool2d', p, 0, x, y); }
  avgPool2d(p: Pool2dParams, x: Buf, y: Buf): void { this.poolFwd('avgPool2d', p, 1, x, y); }

  private poolFwd(K: string, p: Pool2dParams, mode: number, x: Buf, y: Buf): void {
    const s = this.poolSetup(K, p, mode);
    this.setPtr(0, this.buf(K, 'x', x, s.nx)); this.setPtr(1, this.out(K, 'y', y, s.ny));
    this.run('poolForward', Math.min(p.n * p.outH, this.nt(s.ny * p.kH * p.kW)));
  }

  maxPool2dBackward(p: Pool2dParams, x: Buf, dy: Buf, dx: Buf): void {
    const K = 'maxPool2dBackward', s = this.poolSetup(K, p, 0);
    this.setPtr(0, this.buf(K, 'x', x, s.nx)); this.setPtr(1, this.buf(K, 'dy', dy, s.ny)); this.setPtr(2, this.out(K, 'dx', dx, s.nx));
    this.run('poolBackward', Math.min(p.c, this.nt(s.ny * p.kH * p.kW)));
  }

  avgPool2dBackward(p: Pool2dParams, dy: Buf, dx: Buf): void {
    const K = 'avgPool2dBackward', s = this.poolSetup(K, p, 1);
    this.setPtr(1, this.buf(K, 'dy', dy, s.ny)); this.setPtr(2, this.out(K, 'dx', dx, s.nx));
    this.run('poolBackward', Math.min(p.c, this.nt(s.ny * p.kH * p.kW)));
  }

  private nhc(kernel: string, p: { n: number; hw: number; c: number }): number {
    for (const k of ['n', 'hw', 'c'] as const) {
      if (!Number.isInteger(p[k]) || p[k] <= 0) throw new ConvnetsError(`${kernel}: params.${k} must be a positive integer, got ${p[k]}`);
    }
    this.pi[16] = p.n; this.pi[17] = p.hw; this.pi[18] = p.c;
    return p.n * p.hw * p.c;
  }

  globalAvgPool(p: GlobalPoolParams, x: Buf, y: Buf): void {
    const K = 'globalAvgPool', n = this.nhc(K, p);
    this.setPtr(0, this.buf(K, 'x', x, n)); this.setPtr(1, this.out(K, 'y', y, p.n * p.c));
    this.run('gapForward', this.nt(n));
  }

  globalAvgPoolBackward(p: GlobalPoolParams, dy: Buf, dx: Buf): void {
    const K = 'globalAvgPoolBackward', n = this.nhc(K, p);
    this.setPtr(0, this.buf(K, 'dy', dy, p.n * p.c)); this.setPtr(1, this.out(K, 'dx', dx, n));
    this.run('gapBackward', this.nt(n));
  }

  // ---- elementwise -----------------------------------------------------------------------------------
  private len(kernel: string, n: number): void {
    if (!Number.isInteger(n) || n < 0) throw new ConvnetsError(`${kernel}: length must be a non-negative integer, got ${n}`);
    this.pi[16] = n;
  }

  activation(kind: ActivationKind, length: number, x: Buf, y: Buf): void {
    const K = 'activation';
    this.len(K, length);
    if (!(kind in ACT_CODE)) throw new ConvnetsError(`${K}: unknown activation '${kind}' (expected one of ${Object.keys(ACT_CODE).join(', ')})`);
    this.pi[17] = ACT_CODE[kind];
    this.setPtr(0, this.buf(K, 'x', x, length)); this.setPtr(1, this.out(K, 'y', y, length));
    this.run('actForward', this.nt(length * 4));
  }

  activationBackward(kind: ActivationKind, length: number, x: Buf, y: Buf, dy: Buf, dx: Buf): void {
    const K = 'activationBackward';
    this.len(K, length);
    if (!(kind in ACT_CODE)) throw new ConvnetsError(`${K}: unknown activation '${kind}'`);
    this.pi[17] = ACT_CODE[kind];
    this.setPtr(0, this.buf(K, 'x', x, length)); this.setPtr(1, this.out(K, 'y', y, length));
    this.setPtr(2, this.buf(K, 'dy', dy, length)); this.setPtr(3, this.out(K, 'dx', dx, length));
    this.run('actBackward', this.nt(length * 4));
  }

  private ew(K: string, op: number, length: number, a: Buf, b: Buf | null, y: Buf, alpha = 0): void {
    this.len(K, length);
    this.pi[17] = op; this.pf[18] = alpha;
    this.setPtr(0, this.buf(K, op === 1 || op === 2 ? 'x' : 'a', a, length));
    this.setPtr(1, b ? this.buf(K, op === 1 ? 'y' : 'b', b, length) : null);
    this.setPtr(2, this.out(K, 'y', y, length));
    this.run('elementwise', this.nt(length));
  }

  add(length: number, a: Buf, b: Buf, y: Buf): void { this.ew('add', 0, length, a, b, y); }
  axpy(length: number, alpha: number, x: Buf, y: Buf): void { this.ew('axpy', 1, length, x, y, y, alpha); }
  scale(length: number, alpha: number, x: Buf, y: Buf): void { this.ew('scale', 2, length, x, null, y, alpha); }
  mul(length: number, a: Buf, b: Buf, y: Buf): void { this.ew('mul', 3, length, a, b, y); }

  sumSquares(length: number, x: Buf, out: Buf): void {
    const K = 'sumSquares';
    this.len(K, length);
    const ob = this.out(K, 'out', out, 1);
    this.setPtr(0, this.buf(K, 'x', x, length));
    const nt = this.nt(length);
    const parts = this.scr('parts', 2 * 256);
    this.setPtr(3, parts);
    this.run('sumSquaresPartial', nt);
    const f64 = new Float64Array(this.memory.buffer, parts.offset, nt);
    let s = 0;
    for (let i = 0; i < nt; i++) s += f64[i];
    this.f32[ob.offset >>> 2] = s;
  }

  // ---- channel scale -------------------------------------------------------------------------------------
  channelScale(p: ChannelScaleParams, x: Buf, s: Buf, y: Buf): void {
    const K = 'channelScale', n = this.nhc(K, p);
    this.setPtr(0, this.buf(K, 'x', x, n)); this.setPtr(1, this.buf(K, 's', s, p.n * p.c)); this.setPtr(2, this.out(K, 'y', y, n));
    this.run('csForward', this.nt(n));
  }

  channelScaleBackward(p: ChannelScaleParams, x: Buf, s: Buf, dy: Buf, dx: Buf, ds: Buf): void {
    const K = 'channelScaleBackward', n = this.nhc(K, p);
    this.setPtr(0, this.buf(K, 'x', x, n)); this.setPtr(1, this.buf(K, 's', s, p.n * p.c)); this.setPtr(2, this.buf(K, 'dy', dy, n));
    this.setPtr(3, this.out(K, 'dx', dx, n)); this.setPtr(4, this.out(K, 'ds', ds, p.n * p.c));
    this.run('csBackward', this.nt(n * 2));
  }

  // ---- concat / split ----------------------------------------------------------------------------------
  private concatParts(kernel: string, p: ConcatParams, parts: readonly Buf[], whole: Buf, dir: number): void {
    if (!Number.isInteger(p.rows) || p.rows <= 0) throw new ConvnetsError(`${kernel}: rows must be a positive integer, got ${p.rows}`);
    if (parts.length !== p.channels.length) throw new ConvnetsError(`${kernel}: ${parts.length} buffers for ${p.channels.length} channel counts`);
    let total = 0;
    for (const c of p.channels) {
      if (!Number.isInteger(c) || c <= 0) throw new ConvnetsError(`${kernel}: channel counts must be positive integers, got ${p.channels.join(', ')}`);
      total += c;
    }
    const wb = dir === 0 ? this.out(kernel, 'y', whole, p.rows * total) : this.buf(kernel, 'y', whole, p.rows * total);
    const bufs = parts.map((b, i) => (dir === 0 ? this.buf : this.out).call(this, kernel, `${dir === 0 ? 'inputs' : 'outputs'}[${i}]`, b, p.rows * p.channels[i]));
    let off = 0;
    for (let i = 0; i < bufs.length; i++) {
      this.setPtr(0, bufs[i]); this.setPtr(1, wb);
      this.pi[16] = p.rows; this.pi[17] = p.channels[i]; this.pi[18] = total; this.pi[19] = off; this.pi[20] = dir;
      this.run('concatPart', this.nt(p.rows * p.channels[i] / 4));
      off += p.channels[i];
    }
  }

  concat(p: ConcatParams, inputs: readonly Buf[], y: Buf): void { this.concatParts('concat', p, inputs, y, 0); }
  split(p: ConcatParams, y: Buf, outputs: readonly Buf[]): void { this.concatParts('split', p, outputs, y, 1); }

  // ---- dropout -------------------------------------------------------------------------------------------
  dropoutMask(length: number, rate: number, seed: number, mask: Buf): void {
    const K = 'dropoutMask';
    this.len(K, length);
    if (!(rate >= 0 && rate < 1)) throw new ConvnetsError(`${K}: rate must be in [0, 1), got ${rate}`);
    this.setPtr(0, this.out(K, 'mask', mask, length));
    this.pi[17] = seed | 0;
    this.pi[18] = dropThreshold(rate) | 0;
    this.pf[19] = 1 / (1 - rate);
    this.run('dropoutMask', this.nt(length * 4));
  }

  // ---- loss ------------------------------------------------------------------------------------------------
  private xentSetup(K: string, p: SoftmaxXentParams, labels: Buf): void {
    for (const k of ['n', 'classes'] as const) {
      if (!Number.isInteger(p[k]) || p[k] <= 0) throw new ConvnetsError(`${K}: params.${k} must be a positive integer, got ${p[k]}`);
    }
    if (!(p.smoothing >= 0 && p.smoothing <= 1)) throw new ConvnetsError(`${K}: smoothing must be in [0, 1], got ${p.smoothing}`);
    const lb = this.buf(K, 'labels', labels, p.n);
    const base = lb.offset >>> 2;
    for (let i = 0; i < p.n; i++) {
      const l = this.f32[base + i];
      if (!Number.isInteger(l) || l < 0 || l >= p.classes) {
        throw new ConvnetsError(`${K}: label of sample ${i} must be an integer class index in [0, ${p.classes - 1}], got ${l}`);
      }
    }
    this.setPtr(1, lb);
    this.pi[16] = p.n; this.pi[17] = p.classes; this.pf[18] = p.smoothing;
  }

  softmaxCrossEntropy(p: SoftmaxXentParams, logits: Buf, labels: Buf, probs: Buf, loss: Buf): void {
    const K = 'softmaxCrossEntropy';
    this.xentSetup(K, p, labels);
    const n = p.n * p.classes;
    this.setPtr(0, this.buf(K, 'logits', logits, n)); this.setPtr(2, this.out(K, 'probs', probs, n)); this.setPtr(3, this.out(K, 'loss', loss, p.n));
    this.run('xentForward', Math.min(p.n, this.nt(n * 8)));
  }

  softmaxCrossEntropyBackward(p: SoftmaxXentParams, probs: Buf, labels: Buf, gradScale: number, dlogits: Buf): void {
    const K = 'softmaxCrossEntropyBackward';
    this.xentSetup(K, p, labels);
    const n = p.n * p.classes;
    this.setPtr(0, this.out(K, 'probs', probs, n)); this.setPtr(2, this.out(K, 'dlogits', dlogits, n));
    this.pf[19] = gradScale;
    this.run('xentBackward', Math.min(p.n, this.nt(n * 2)));
  }

  // ---- optimisers ----------------------------------------------------------------------------------------
  sgdUpdate(p: SgdParams, param: Buf, grad: Buf, velocity: Buf): void {
    const K = 'sgdUpdate';
    this.len(K, p.length);
    this.setPtr(0, this.out(K, 'param', param, p.length)); this.setPtr(1, this.buf(K, 'grad', grad, p.length));
    this.setPtr(2, this.out(K, 'velocity', velocity, p.length));
    this.pf[17] = p.lr; this.pf[18] = p.momentum; this.pf[19] = p.weightDecay; this.pi[20] = p.nesterov ? 1 : 0;
    this.run('sgdUpdate', this.nt(p.length * 4));
  }

  adamwUpdate(p: AdamWParams, param: Buf, grad: Buf, m: Buf, v: Buf): void {
    const K = 'adamwUpdate';
    this.len(K, p.length);
    if (!Number.isInteger(p.step) || p.step < 1) throw new ConvnetsError(`${K}: params.step must be an integer >= 1 (1-based), got ${p.step}`);
    this.setPtr(0, this.out(K, 'param', param, p.length)); this.setPtr(1, this.buf(K, 'grad', grad, p.length));
    this.setPtr(2, this.out(K, 'm', m, p.length)); this.setPtr(3, this.out(K, 'v', v, p.length));
    this.pf[17] = p.lr; this.pf[18] = p.beta1; this.pf[19] = p.beta2; this.pf[20] = p.eps; this.pf[21] = p.weightDecay;
    this.pf[22] = 1 - Math.pow(p.beta1, p.step); this.pf[23] = Math.sqrt(1 - Math.pow(p.beta2, p.step));
    this.run('adamwUpdate', this.nt(p.length * 8));
  }
}

/** The table entry core/registry.ts loads. */
export const factory: BackendFactory = {
  async unavailableReason() {
    if (typeof WebAssembly !== 'object' || typeof SharedArrayBuffer !== 'function') return 'WebAssembly or SharedArrayBuffer is not available';
    const b = wasmBuild();
    if (!b) return 'build/convnets.wasm is missing (run npm run build:wasm)';
    try {
      if (!WebAssembly.validate(readFileSync(b.path))) return `${b.path} does not validate (this runtime lacks WebAssembly SIMD/threads?)`;
    } catch (e) {
      return `cannot read ${b.path}: ${(e as Error).message}`;
    }
    return null;
  },
  create: (opts) => WasmBackend.create(opts),
};
