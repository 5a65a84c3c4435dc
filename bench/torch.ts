// The PyTorch CPU peer: bench/torch_peer.py run as a subprocess (one case per process, so its peak RSS
// is the case's), with the thread count in torch.set_num_threads and in OMP/MKL/OpenBLAS's variables.
// Protocol: the script prints one JSON line on stdout (samplesMs, cpuMedianMs, peakRssMB, params,
// blas, warning, maxRelDiff, imagesPerSecond, or error / notInstalled) and exits 0, 2 (torch missing)
// or 3 (the case failed). A missing interpreter or torch is a "not installed" row, never a crash.
import { execFile } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Module } from '../src/ts/nn/module.js';
import { timingFromSamples } from './timing.js';
import type { Timing, TimingOptions } from './timing.js';

export const TORCH_INSTALL = 'apt-get install -y python3-torch python3-torchvision libopenblas0-pthread';

export interface TorchPeerOptions {
  /** Interpreter with torch (BENCH_TORCH_PYTHON; default Debian's /usr/bin/python3, not a pyenv one). */
  python?: string;
  /** The peer script (BENCH_TORCH_SCRIPT; default bench/torch_peer.py of this checkout or package). */
  script?: string;
  /** Kill the subprocess after this long (default 30 minutes: a ResNet-50 b32 step is tens of seconds). */
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
}

export interface TorchResult {
  timing?: Timing;
  peakRssMB?: number;
  params?: number;
  maxRelDiff?: number;
  imagesPerSecond?: number;
  /** torch version and the BLAS it loaded. */
  note?: string;
  /** Set when torch runs the reference BLAS (measured, but not a fair peer). */
  warning?: string;
  error?: string;
  /** Everything the script printed. */
  raw?: Record<string, unknown>;
}

export function torchPython(o: TorchPeerOptions = {}): string {
  return o.python ?? process.env.BENCH_TORCH_PYTHON ?? '/usr/bin/python3';
}

/** bench/torch_peer.py next to this module (bench/ from the sources, dist/bench/ -> ../../bench/). */
export function torchScript(o: TorchPeerOptions = {}): string {
  if (o.script ?? process.env.BENCH_TORCH_SCRIPT) return (o.script ?? process.env.BENCH_TORCH_SCRIPT)!;
  for (const rel of ['./torch_peer.py', '../../bench/torch_peer.py']) {
    const f = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(f)) return f;
  }
  return fileURLToPath(new URL('./torch_peer.py', import.meta.url));
}

/** Thread variables of the BLAS/OpenMP runtimes torch may use, so none starts a thread per core. */
export function threadEnv(threads: number): NodeJS.ProcessEnv {
  const t = String(threads);
  return { OMP_NUM_THREADS: t, MKL_NUM_THREADS: t, OPENBLAS_NUM_THREADS: t };
}

/** The peer's sampling as ours: warm-up calls, then min samples and seconds. */
export function timingArgs(t: TimingOptions): string[] {
  return ['--warmup', String(t.warmup ?? 1), '--min-samples', String(t.minSamples ?? 5), '--max-time', String(t.maxTime ?? 2)];
}

function lastJson(stdout: string): Record<string, unknown> | null {
  const lines = stdout.trim().split('\n').reverse();
  for (const l of lines) {
    if (!l.startsWith('{')) continue;
    try { return JSON.parse(l) as Record<string, unknown>; } catch { /* not our line */ }
  }
  return null;
}

/** Runs `torch_peer.py <cmd> <args>` at `threads`; resolves to a result row, never rejects. */
export function runTorchPeer(cmd: 'info' | 'infer' | 'train' | 'defaultjob', args: readonly string[], threads: number,
  o: TorchPeerOptions = {}): Promise<TorchResult> {
  const python = torchPython(o), script = torchScript(o);
  const argv = [script, cmd, ...args, '--threads', String(threads)];
  const env = { ...process.env, ...o.env, ...threadEnv(threads) };
  return new Promise((resolve) => {
    execFile(python, argv, { env, timeout: o.timeoutMs ?? 30 * 60_000, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      const e = err as (NodeJS.ErrnoException & { code?: string | number; killed?: boolean; signal?: string | null }) | null;
      if (e && e.code === 'ENOENT') {
        resolve({ error: `PyTorch is not installed: ${python} not found (Debian: ${TORCH_INSTALL}; or BENCH_TORCH_PYTHON=<a python with torch>)` });
        return;
      }
      const j = lastJson(stdout);
      if (!j) {
        const why = e?.killed ? `killed after ${(o.timeoutMs ?? 30 * 60_000) / 1000} s` : e ? `exit ${e.code ?? e.signal}` : 'no JSON line';
        resolve({ error: `torch peer (${python} ${script}) failed: ${why}: ${stderr.trim().split('\n').slice(-3).join(' ').slice(0, 400)}` });
        return;
      }
      if (typeof j.notInstalled === 'string') { resolve({ error: `PyTorch is not installed: ${j.notInstalled}`, raw: j }); return; }
      const r: TorchResult = { raw: j };
      if (typeof j.torch === 'string') r.note = `torch ${j.torch}${typeof j.blas === 'string' ? `, BLAS ${j.blas.split('/').slice(-2).join('/')}` : ''}`;
      if (typeof j.warning === 'string') r.warning = j.warning;
      if (typeof j.peakRssMB === 'number') r.peakRssMB = j.peakRssMB;
      if (typeof j.params === 'number') r.params = j.params;
      if (typeof j.maxRelDiff === 'number') r.maxRelDiff = j.maxRelDiff;
      if (typeof j.imagesPerSecond === 'number') r.imagesPerSecond = j.imagesPerSecond;
      if (typeof j.error === 'string') r.error = j.error;
      else if (Array.isArray(j.samplesMs) && j.samplesMs.length && j.samplesMs.every((v) => typeof v === 'number' && v >= 0)) {
        r.timing = timingFromSamples(j.samplesMs as number[], typeof j.cpuMedianMs === 'number' ? j.cpuMedianMs : undefined);
      } else if (cmd !== 'info') r.error = `torch peer printed no samples: ${JSON.stringify(j).slice(0, 200)}`;
      resolve(r);
    });
  });
}

/** Files for the inference cross-check: our unfused weights by name (conv filters OHWI), input, output. */
export interface TorchInputs { dir: string; weights: string; names: string; }

/**
 * Writes the model's parameters and buffers (before inference fusion: the names are torchvision's) to
 * a temp folder, one float32 file plus a JSON list of {name, shape}; dispose() removes it.
 */
export function writeTorchWeights(model: Module): TorchInputs & { dispose(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'convnets-torch-'));
  const weights = join(dir, 'weights.f32'), names = join(dir, 'names.json');
  const list: { name: string; shape: number[] }[] = [];
  let fd = -1;
  try {
    fd = openSync(weights, 'w');
    const write = (name: string, t: { shape: readonly number[]; toFloat32(): Float32Array }): void => {
      const d = t.toFloat32();
      writeSync(fd, new Uint8Array(d.buffer, d.byteOffset, d.byteLength));
      list.push({ name, shape: [...t.shape] });
    };
    for (const [n, p] of model.namedParameters()) write(n, p.value);
    for (const [n, b] of model.namedBuffers()) write(n, b);
    closeSync(fd);
    fd = -1;
    writeFileSync(names, JSON.stringify(list));
  } catch (e) {
    if (fd >= 0) closeSync(fd);
    rmSync(dir, { recursive: true, force: true }); // a full disk leaves no half-written folder behind
    throw e;
  }
  return { dir, weights, names, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Our input (NHWC) and output for the peer to load and compare with, in the weights folder. */
export function writeTorchCase(w: TorchInputs, input: Float32Array, expect: Float32Array): string[] {
  const xi = join(w.dir, 'input.f32'), yo = join(w.dir, 'expect.f32');
  writeFileSync(xi, new Uint8Array(input.buffer, input.byteOffset, input.byteLength));
  writeFileSync(yo, new Uint8Array(expect.buffer, expect.byteOffset, expect.byteLength));
  return ['--weights', w.weights, '--names', w.names, '--input', xi, '--expect', yo];
}
