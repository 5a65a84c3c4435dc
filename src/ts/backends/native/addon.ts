// Finding and loading the two addons (native/build/Release/, built by scripts/build-native.mjs): the
// CUDA addon convnets_native.node and the CPU addon convnets_cpu.node (also shipped prebuilt in
// prebuilds/<platform>-<arch>/, node-gyp-build's folder convention). Loading never throws: it reports
// what was searched and why it failed, which `convnets doctor` and unavailableReason() print.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface NativeDeviceInfo {
  count: number;
  /** cudaGetDeviceCount's status: 35 (insufficient driver) or 100 (no device) mean "no GPU here". */
  status: number;
  statusName: string;
  statusMessage: string;
  runtimeVersion: number;
  driverVersion: number;
  devices: { name: string; computeCapability: string; multiprocessors: number; totalMemory: number }[];
}

export interface NativeLibraryInfo { found: boolean; library: string; version: string; error: string; }

/** One kernel's calls by path: cuDNN, cuBLAS (GEMM families), own kernels; cuDNN refusals by reason. */
export interface NativePathCounts { cudnn: number; cublas: number; own: number; refused: number; reasons: Record<string, number>; }

export interface NativeStats {
  scalars: number; buffers: number; bytesInUse: number; bytesCached: number; peakBytes: number;
  cacheHits: number; rawAllocs: number; oomRetries: number; algoCacheSize: number;
  cudnn: boolean; cublas: boolean; hostOnly: boolean; tf32: boolean;
  /** By kernel name (which names the direction too): only kernels that ran appear. */
  paths: Record<string, NativePathCounts>;
}

/** hostOnly test contexts: recording stand-ins for cuDNN and cuBLAS (native/src/lib/fake.h). */
export interface NativeFakeLibs {
  /** Entry point (findFwd, fwd, bnFwdTrain, bnBwd, sgemm, findFwd.algo, ...) -> statuses of its next calls. */
  statuses?: Record<string, number[]>;
  /** Math type and workspace the fake algorithm search reports. */
  findMathType?: number;
  findMemory?: number;
}

/** A call the stand-ins recorded (arguments as numbers: descriptor ids, dimensions, eps ...). */
export interface NativeHostCall { fn: string; args: number[]; }

export interface NativeContextOptions {
  /** Host memory and no kernel launches: exercises handles, allocator and argument checks without a GPU. */
  hostOnly?: boolean;
  /** hostOnly: simulated device capacity in bytes (0 = unlimited), to test out-of-memory handling. */
  hostLimitBytes?: number;
  tf32?: boolean;
  device?: number;
  /** hostOnly: run the cuDNN/cuBLAS paths against recording stand-ins (hostCalls() returns what they got). */
  fakeLibs?: NativeFakeLibs;
}

/** The memory and kernel entry points of both addons' Context (native/src/lib/napi_context.h). */
export interface AddonContext {
  alloc(length: number): number;
  free(id: number): void;
  /** A handle to elements [offset, offset + length) of buffer id: no copy, dies with its parent. */
  view(id: number, offset: number, length: number): number;
  write(id: number, data: Float32Array, offset?: number): void;
  read(id: number): Float32Array;
  fill(id: number, value: number): void;
  copy(src: number, dst: number): void;
  /** One kernel: its record (the schema's slots, core/abi.ts) and buffer ids in the schema's order (-1 = null). */
  run(op: string, record: Int32Array, ids: Float64Array): void;
  stats(): { scalars: number };
  dispose(): void;
}

export interface NativeContext extends AddonContext {
  beginRead(id: number): number;
  pollRead(ticket: number): Float32Array | null;
  hostCalls(): NativeHostCall[];
  stats(): NativeStats;
  emptyCache(): void;
  synchronize(): void;
}

export interface NativeConvPlan {
  activation: string; cudnnUsable: boolean; reason: string;
  xDesc: number[]; wDesc: number[]; yDesc: number[]; convDesc: number[]; groups: number; mathType: number;
  key: string; im2colK: number; imgsPerChunk: number; colFloats: number; identity: boolean;
}

/** An Error thrown by the addon: what failed (op), in which library, with its status code. */
export interface NativeErrorFields { op?: string; lib?: string; code?: number; codeName?: string; native?: boolean; }

export interface NativeAddon {
  version: string;
  deviceInfo(): NativeDeviceInfo;
  libraries(): { cudnn: NativeLibraryInfo; cublas: NativeLibraryInfo };
  Context: new (opts?: NativeContextOptions) => NativeContext;
  /** A record read back through its C++ struct (abi.h), field by field: the ABI test compares it with the TS encoding. */
  abiProbe(record: string, slots: Int32Array): Record<string, number | boolean | number[]>;
  _test: {
    hash32(seed: number, index: number): number;
    avgPoolDivisor(oh: number, ow: number, inH: number, inW: number, kH: number, kW: number, sH: number, sW: number,
      padTop: number, padLeft: number, padBottom: number, padRight: number, countIncludePad: boolean): number;
    bucket(bytes: number): number;
    /** params: a conv2d record (encodeRecord). */
    convPlan(params: Int32Array, tf32?: boolean, maxColBytes?: number): NativeConvPlan;
    /** device.cuh's activation formulas run on the host: [act(x), dy * act'(x)] for a schema code. */
    activation(code: number, x: number, dy: number): [number, number];
    /** device.cuh's adaptive-pool windows ([start, end) per output) and gather ranges ([lo, hi] per input). */
    adaptiveWindows(inSize: number, outSize: number): { windows: [number, number][]; gather: [number, number][] };
    /** The NHWC shape [n, c, h, w] cuDNN's batch norm is given for a [rows, c] record. */
    bnShape(rows: number, c: number): number[];
    cudaError(code: number, op: string): Error & NativeErrorFields;
    kernelNames(): string[];
  };
}

export const ADDON_FILE = 'convnets_native.node';
export const CPU_ADDON_FILE = 'convnets_cpu.node';

/** The package root (package.json beside native/CMakeLists.txt), found by walking up from this file
 *  (works from src/ under tap and from dist/), or null. */
function packageRoot(): string | null {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 7; i++) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'native', 'CMakeLists.txt'))) return dir;
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return null;
}

/** Where an addon may be: the environment's override, then native/build/Release and build/Release of
 *  the package root, then (the CPU addon) the prebuilt binary for this platform. */
export function addonCandidates(file = ADDON_FILE): string[] {
  const out: string[] = [];
  const env = file === ADDON_FILE ? process.env.CONVNETS_NATIVE_ADDON : process.env.CONVNETS_CPU_ADDON;
  if (env) out.push(resolve(env));
  const root = packageRoot();
  if (root) {
    out.push(join(root, 'native', 'build', 'Release', file), join(root, 'build', 'Release', file));
    if (file === CPU_ADDON_FILE) out.push(join(root, 'prebuilds', `${process.platform}-${process.arch}`, file));
  }
  return out;
}

export interface AddonLoad<A = NativeAddon> { addon: A | null; path: string | null; error: string | null; searched: string[]; }

function load<A>(file: string, what: string, howToBuild: string): AddonLoad<A> {
  const searched = addonCandidates(file);
  const found = searched.find((p) => existsSync(p));
  if (!found) {
    return { addon: null, path: null, searched, error: `the ${what} is not built (looked for ${searched.join(', ') || file}); ${howToBuild}` };
  }
  try {
    return { addon: createRequire(import.meta.url)(found) as A, path: found, error: null, searched };
  } catch (e) {
    return { addon: null, path: found, error: `the ${what} at ${found} failed to load: ${(e as Error).message}`, searched };
  }
}

let cached: AddonLoad | null = null;
let cachedCpu: AddonLoad<CpuAddon> | null = null;

export function loadAddon(): AddonLoad {
  cached ??= load<NativeAddon>(ADDON_FILE, 'CUDA addon',
    'build it with `npm run build:native` on a machine with the CUDA toolkit (nvcc) and cmake');
  return cached;
}

export function loadCpuAddon(): AddonLoad<CpuAddon> {
  cachedCpu ??= load<CpuAddon>(CPU_ADDON_FILE, 'CPU addon',
    'build it with `npm run build:native` (cmake and a C++17 compiler), or install a package that ships prebuilds/');
  return cachedCpu;
}

// ---- the CPU addon -----------------------------------------------------------------------------------------

/** One instruction-set path compiled into the CPU addon. */
export interface CpuIsaInfo { name: string; vectorBytes: number; gemmTile: string; runs: boolean; why: string; }

export interface CpuAddonInfo {
  /** Widest first. */
  isas: CpuIsaInfo[];
  /** The path a context takes by default, and why. */
  chosen: string;
  reason: string;
  hardwareThreads: number;
}

export interface CpuStats {
  scalars: number; buffers: number; bytesInUse: number; peakBytes: number;
  /** Per-worker packing/tile workspaces kept across calls, and the peak of per-call scratch. */
  workspaceBytes: number; scratchPeakBytes: number;
  threads: number; isa: string; isaReason: string; vectorBytes: number;
  /** Kernels run, by name. */
  calls: Record<string, number>;
}

export interface CpuContextOptions {
  /** Threads of the context's pool, the caller included (0 or absent: the hardware threads). */
  threads?: number;
  /** 'avx512' | 'avx2' | 'portable' (absent: the widest this CPU runs). */
  isa?: string;
  /** 0: every job splits across all threads (tests). */
  grain?: number;
}

export interface CpuContext extends AddonContext {
  /** The arrays exec() reads a kernel's record and buffer ids from. */
  bind(slots: Int32Array, ids: Float64Array): void;
  /** One kernel by its index in KERNEL_NAMES (= abi.h KERNELS), record in slots[0, nslots), ids in ids[0, nids). */
  exec(kernel: number, nslots: number, nids: number): void;
  stats(): CpuStats;
  /** Returns the per-worker workspaces to the heap. */
  trim(): void;
}

export interface CpuAddon {
  Context: new (opts?: CpuContextOptions) => CpuContext;
  info(): CpuAddonInfo;
  kernelNames(): string[];
}

/** Why no GPU can be used, from cudaGetDeviceCount's status, or null when there is one. */
export function noDeviceReason(info: NativeDeviceInfo): string | null {
  if (info.count > 0) return null;
  if (info.status === 35 || info.status === 100 || info.status === 999 || info.status === 34) {
    return `no CUDA GPU on this machine (cudaGetDeviceCount: ${info.statusName || 'status ' + info.status}, ` +
      `${info.statusMessage || 'no device'}; driver version ${info.driverVersion || 'none'})`;
  }
  if (info.status !== 0) {
    return `CUDA cannot use a GPU here (cudaGetDeviceCount: error ${info.status} ${info.statusName}: ${info.statusMessage})`;
  }
  return 'no CUDA GPU on this machine (cudaGetDeviceCount found 0 devices)';
}
