// `convnets doctor [--json]`: which backends can run here and, for each that cannot, why; for the
// cpu backend the CPU addon (where it was loaded from, or why not), every ISA path compiled into it
// (runs here, or why not), the one chosen and why, and the hardware threads; for the cuda backend
// (report key `native`, its old name) whether the addon is built, the CUDA runtime/driver, the GPUs,
// and whether cuDNN/cuBLAS were found (and their versions). A report: it exits 0 whatever it finds.
import type { Command } from 'commander';
import { arch, platform } from 'node:os';
import { backendAvailability, registeredBackends } from '../core/registry.js';
import { ALIASES as NODE_ALIASES } from '../core/backend-table.js';
import type { NativeDeviceInfo, NativeLibraryInfo, NativePathCounts } from '../backends/native/index.js';
import type { CpuIsaInfo } from '../backends/native/cpu.js';

export interface DoctorReport {
  node: string;
  platform: string;
  backends: { name: string; available: boolean; reason: string | null }[];
  /** Older names that still select a backend ('native' -> 'cuda'). */
  aliases: Record<string, string>;
  /** What initBackend() picks without CONVNETS_BACKEND: the first available in priority order. */
  defaultBackend: string | null;
  envBackend: string | null;
  /** The wasm build this process would run (relaxed SIMD = fused multiply-add), or null when not built. */
  wasm: { build: string; relaxedSimd: boolean } | null;
  /** The CPU addon (the cpu backend). */
  cpu: {
    addonPath: string | null;
    /** Why it is not loaded (not built, or failed to load), or null. */
    loadError: string | null;
    searched: string[];
    /** Every ISA path compiled in, widest first: whether it runs on this CPU and, if not, why. */
    isas: CpuIsaInfo[];
    chosen: string | null;
    reason: string | null;
    hardwareThreads: number | null;
    /** CONVNETS_CPU_ISA (the path a backend takes) and CONVNETS_CPU_MAX_ISA (masks wider paths off). */
    envIsa: string | null;
    envMaxIsa: string | null;
  };
  /** The CUDA addon (the cuda backend, formerly 'native'). */
  native: {
    addonBuilt: boolean;
    addonPath: string | null;
    loadError: string | null;
    searched: string[];
    cudaRuntime: string | null;
    cudaDriver: string | null;
    deviceStatus: string | null;
    devices: NativeDeviceInfo['devices'];
    cudnn: NativeLibraryInfo | null;
    cublas: NativeLibraryInfo | null;
    /** With a GPU: the path each probe kernel took (cuDNN / cuBLAS / own) and cuDNN's refusals with reasons. */
    paths: Record<string, NativePathCounts> | null;
    pathsError: string | null;
  };
}

function cudaVersion(v: number): string | null {
  return v > 0 ? `${Math.floor(v / 1000)}.${Math.floor((v % 1000) / 10)}` : null;
}

/** The message of a failed import, for the report (the module is then reported, never thrown). */
function failure(e: unknown): string {
  return `its module failed to load: ${(e as Error)?.message ?? String(e)}`;
}

export async function doctorReport(): Promise<DoctorReport> {
  const backends = [];
  for (const name of registeredBackends()) {
    const reason = await backendAvailability(name);
    backends.push({ name, available: reason === null, reason });
  }
  // The backend-specific probes load their modules here too: a module that cannot load is reported.
  let wasm: DoctorReport['wasm'] = null;
  try {
    const w = (await import('../backends/wasm/index.js')).wasmBuild();
    wasm = w ? { build: w.path, relaxedSimd: w.relaxed } : null;
  } catch { /* reported under backends */ }
  const cpu = await cpuSection();
  const native: DoctorReport['native'] = {
    addonBuilt: false, addonPath: null, loadError: null, searched: [],
    cudaRuntime: null, cudaDriver: null, deviceStatus: null, devices: [], cudnn: null, cublas: null,
    paths: null, pathsError: null,
  };
  let mod: typeof import('../backends/native/index.js') | null = null;
  try { mod = await import('../backends/native/index.js'); } catch (e) { native.loadError = failure(e); }
  const l = mod?.loadAddon();
  if (mod && l) {
    Object.assign(native, { addonBuilt: l.path !== null, addonPath: l.path, loadError: l.error, searched: l.searched });
  }
  if (mod && l?.addon) {
    try {
      const d = l.addon.deviceInfo();
      native.cudaRuntime = cudaVersion(d.runtimeVersion);
      native.cudaDriver = cudaVersion(d.driverVersion);
      native.deviceStatus = mod.noDeviceReason(d) ?? `${d.count} device(s)`;
      native.devices = d.devices;
      const libs = l.addon.libraries();
      native.cudnn = libs.cudnn;
      native.cublas = libs.cublas;
      if (d.count > 0) {
        try {
          native.paths = (await import('../backends/native/probe.js')).probePaths(l.addon);
        } catch (e) {
          native.pathsError = (e as Error).message;
        }
      }
    } catch (e) {
      native.loadError = `addon loaded but its device query failed: ${(e as Error).message}`;
    }
  }
  return {
    node: process.version,
    platform: `${platform()} ${arch()}`,
    backends,
    defaultBackend: backends.find((b) => b.available)?.name ?? null,
    envBackend: process.env.CONVNETS_BACKEND ?? null,
    aliases: { ...NODE_ALIASES },
    wasm,
    cpu,
    native,
  };
}

async function cpuSection(): Promise<DoctorReport['cpu']> {
  const c: DoctorReport['cpu'] = {
    addonPath: null, loadError: null, searched: [], isas: [], chosen: null, reason: null, hardwareThreads: null,
    envIsa: process.env.CONVNETS_CPU_ISA || null, envMaxIsa: process.env.CONVNETS_CPU_MAX_ISA || null,
  };
  try {
    const l = (await import('../backends/native/cpu.js')).loadCpuAddon();
    Object.assign(c, { addonPath: l.path, loadError: l.error, searched: l.searched });
    if (l.addon) {
      const i = l.addon.info();
      Object.assign(c, { isas: i.isas, chosen: i.chosen, reason: i.reason, hardwareThreads: i.hardwareThreads });
    }
  } catch (e) {
    c.loadError = c.addonPath ? `the CPU addon loaded but its ISA query failed: ${(e as Error).message}` : failure(e);
  }
  return c;
}

function cpuLines(c: DoctorReport['cpu']): string[] {
  const out = ['cpu (native CPU kernels):'];
  out.push(`  addon: ${c.loadError ? `not loaded - ${c.loadError}` : `loaded (${c.addonPath})`}`);
  for (const i of c.isas) {
    out.push(`  isa ${i.name.padEnd(8)} ${i.runs ? 'runs' : `cannot run: ${i.why}`} (${8 * i.vectorBytes}-bit vectors, ${i.gemmTile} GEMM tile)`);
  }
  if (c.chosen) out.push(`  chosen: ${c.chosen} (${c.reason})${c.envIsa ? `; CONVNETS_CPU_ISA=${c.envIsa} overrides it for new backends` : ''}`);
  if (c.envMaxIsa && c.isas.length && !c.isas.some((i) => i.name === c.envMaxIsa)) {
    out.push(`  CONVNETS_CPU_MAX_ISA=${c.envMaxIsa} is not an ISA of this addon: creating a cpu backend will fail`);
  }
  if (c.hardwareThreads !== null) out.push(`  hardware threads: ${c.hardwareThreads}`);
  return out;
}

function lib(name: string, l: NativeLibraryInfo | null): string {
  if (!l) return `  ${name}: unknown (addon not loaded)`;
  return l.found ? `  ${name}: ${l.version} (${l.library})` : `  ${name}: not found (${l.error}); own CUDA kernels are used`;
}

export function formatDoctor(r: DoctorReport): string {
  const out: string[] = [`convnets doctor: node ${r.node} on ${r.platform}`, 'backends:'];
  for (const b of r.backends) out.push(`  ${b.name.padEnd(7)} ${b.available ? 'available' : `unavailable: ${b.reason}`}`);
  for (const [alias, to] of Object.entries(r.aliases)) out.push(`  ('${alias}' is an alias of ${to})`);
  out.push(`default backend: ${r.defaultBackend ?? 'none'}${r.envBackend ? ` (CONVNETS_BACKEND=${r.envBackend} overrides)` : ''}`);
  out.push(`wasm: ${r.wasm ? `${r.wasm.relaxedSimd ? 'relaxed SIMD (fused multiply-add)' : 'SIMD128'} (${r.wasm.build})` : 'not built'}`);
  out.push(...cpuLines(r.cpu));
  const n = r.native;
  out.push('cuda (GPU; the CUDA addon):');
  out.push(`  addon: ${n.addonBuilt ? `built (${n.addonPath})` : 'not built'}${n.loadError ? ` - ${n.loadError}` : ''}`);
  if (n.addonBuilt && !n.loadError) {
    out.push(`  CUDA runtime: ${n.cudaRuntime ?? 'unknown'}, driver: ${n.cudaDriver ?? 'none (no NVIDIA driver)'}`);
    out.push(`  devices: ${n.deviceStatus}`);
    for (const d of n.devices) {
      out.push(`    ${d.name} (compute ${d.computeCapability}, ${d.multiprocessors} SMs, ${(d.totalMemory / 2 ** 30).toFixed(1)} GiB)`);
    }
  }
  out.push(lib('cuDNN', n.cudnn), lib('cuBLAS', n.cublas));
  if (n.pathsError) out.push(`  paths: probe failed: ${n.pathsError}`);
  for (const [k, c] of Object.entries(n.paths ?? {})) {
    const ran = (['cudnn', 'cublas', 'own'] as const).filter((p) => c[p] > 0).map((p) => `${p} ${c[p]}`).join(', ');
    const why = Object.entries(c.reasons).map(([r, m]) => `${r} (x${m})`).join('; ');
    out.push(`  path ${k}: ${ran || 'nothing ran'}${c.refused ? `; cuDNN refused ${c.refused}: ${why}` : ''}`);
  }
  return out.join('\n');
}

export function register(program: Command): void {
  program
    .command('doctor')
    .description('report which backends can run here and why not (CPU addon and its ISA paths, CUDA addon, driver, GPU, cuDNN/cuBLAS)')
    .option('--json', 'print the report as JSON')
    .action(async (o: { json?: boolean }) => {
      const r = await doctorReport();
      console.log(o.json ? JSON.stringify(r, null, 2) : formatDoctor(r));
    });
}
