// `convnets doctor [--json]`: which backends can run here and, for each that cannot, why; for the
// native backend also whether the addon is built, the CUDA runtime/driver, the GPUs, and whether
// cuDNN/cuBLAS were found (and their versions). A report, so it exits 0 whatever it finds.
import type { Command } from 'commander';
import { arch, platform } from 'node:os';
import { backendAvailability, registeredBackends } from '../core/registry.js';
import type { NativeDeviceInfo, NativeLibraryInfo, NativePathCounts } from '../backends/native/index.js';

export interface DoctorReport {
  node: string;
  platform: string;
  backends: { name: string; available: boolean; reason: string | null }[];
  /** What initBackend() picks without CONVNETS_BACKEND: the first available in priority order. */
  defaultBackend: string | null;
  envBackend: string | null;
  /** The wasm build this process would run (relaxed SIMD = fused multiply-add), or null when not built. */
  wasm: { build: string; relaxedSimd: boolean } | null;
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
    wasm,
    native,
  };
}

function lib(name: string, l: NativeLibraryInfo | null): string {
  if (!l) return `  ${name}: unknown (addon not loaded)`;
  return l.found ? `  ${name}: ${l.version} (${l.library})` : `  ${name}: not found (${l.error}); own CUDA kernels are used`;
}

export function formatDoctor(r: DoctorReport): string {
  const out: string[] = [`convnets doctor: node ${r.node} on ${r.platform}`, 'backends:'];
  for (const b of r.backends) out.push(`  ${b.name.padEnd(7)} ${b.available ? 'available' : `unavailable: ${b.reason}`}`);
  out.push(`default backend: ${r.defaultBackend ?? 'none'}${r.envBackend ? ` (CONVNETS_BACKEND=${r.envBackend} overrides)` : ''}`);
  out.push(`wasm: ${r.wasm ? `${r.wasm.relaxedSimd ? 'relaxed SIMD (fused multiply-add)' : 'SIMD128'} (${r.wasm.build})` : 'not built'}`);
  const n = r.native;
  out.push('native (CUDA):');
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
    .description('report which backends can run here and why not (addon, CUDA driver, GPU, cuDNN/cuBLAS)')
    .option('--json', 'print the report as JSON')
    .action(async (o: { json?: boolean }) => {
      const r = await doctorReport();
      console.log(o.json ? JSON.stringify(r, null, 2) : formatDoctor(r));
    });
}
