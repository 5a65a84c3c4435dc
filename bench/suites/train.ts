// Training-step suite: one SGD step (forward, cross-entropy, backward, momentum update) per case, ours
// and PyTorch CPU each in a process of their own (peak RSS is per process), same model, batch, input
// size and thread count; the median over the timed steps after a warm-up step (where our planner plans).
// Ours runs bench/train-memory.ts, the peer `bench/torch_peer.py train`. tfjs-wasm is attempted
// in-process (it fails with its own error); onnxruntime's npm packages are inference-only.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { timingFromSamples } from '../timing.js';
import type { TimingOptions } from '../timing.js';
import { buildOn } from '../models.js';
import type { PeerName } from '../models.js';
import { tfjsTrainAttempt } from '../peers.js';
import { runTorchPeer } from '../torch.js';
import type { TorchPeerOptions } from '../torch.js';
import type { BenchResult, Runtime } from '../types.js';

export interface TrainSuiteOptions {
  models: readonly string[];
  batches: readonly number[];
  threads: readonly number[];
  peers: readonly PeerName[];
  /** Timed steps per case (after `warmup`). */
  steps: number;
  warmup: number;
  size?: number;
  torch?: TorchPeerOptions;
  /** Per-case subprocess limit (default 40 minutes). */
  timeoutMs?: number;
  log?: (s: string) => void;
}

/** bench/train-memory: the .js beside this build, or the .ts source under a TS loader (tests). */
function trainScript(): { file: string; execArgv: string[] } {
  const js = fileURLToPath(new URL('../train-memory.js', import.meta.url));
  if (existsSync(js)) return { file: js, execArgv: [] };
  return { file: fileURLToPath(new URL('../train-memory.ts', import.meta.url)), execArgv: process.execArgv };
}

/** Our training step in a process of its own; resolves to a row, never rejects. */
export function ourTrainStep(backend: string, threads: number, model: string, batch: number, size: number, steps: number, warmup: number,
  timeoutMs = 40 * 60_000): Promise<Pick<BenchResult, 'timing' | 'peakRssMB' | 'error' | 'note'>> {
  const s = trainScript();
  const args = [...s.execArgv, s.file, model, '--batch', String(batch), '--size', String(size), '--backend', backend,
    '--threads', String(threads), '--steps', String(steps), '--warmup', String(warmup)];
  return new Promise((resolve) => {
    execFile(process.execPath, args, { timeout: timeoutMs, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      const line = stdout.trim().split('\n').reverse().find((l) => l.startsWith('{'));
      let j: { stepMs?: number[]; cpuMedianMs?: number; peakRssMB?: number; arenaMB?: number | null; error?: string } | null = null;
      try { j = line ? JSON.parse(line) : null; } catch { j = null; }
      if (!j) {
        resolve({ error: `train-memory ${model} on ${backend} failed: ${err?.killed ? 'timed out' : err?.message ?? 'no JSON line'} ${stderr.trim().split('\n').slice(-2).join(' ').slice(0, 300)}` });
      } else if (j.error || !j.stepMs?.length) {
        resolve({ error: j.error ?? 'no timed steps', peakRssMB: j.peakRssMB });
      } else {
        resolve({ timing: timingFromSamples(j.stepMs, j.cpuMedianMs), peakRssMB: j.peakRssMB, note: j.arenaMB ? `planned arena ${j.arenaMB} MB` : undefined });
      }
    });
  });
}

export async function trainSuite(runtimes: readonly Runtime[], o: TrainSuiteOptions): Promise<BenchResult[]> {
  const out: BenchResult[] = [];
  const log = o.log ?? (() => {});
  const size = o.size ?? 224;
  // Plain-loop js takes minutes per training step at 224: not run here.
  const ours = runtimes.filter((r) => r.backendName !== 'js');
  const minThreads = Math.min(...o.threads);
  for (const model of o.models) {
    for (const batch of o.batches) {
      const label = `${model} ${size} b${batch}`;
      const base = { suite: 'train' as const, case: label, macs: 0 };
      for (const rt of ours) {
        const r = await ourTrainStep(rt.backendName, rt.threads, model, batch, size, o.steps, o.warmup, o.timeoutMs);
        out.push({ ...base, runtime: rt.name, threads: rt.threads, ...r });
        log(`  ${label} train [${rt.name}] ${r.timing ? `${r.timing.median.toFixed(1)} ms, peak RSS ${r.peakRssMB} MB` : `error: ${r.error}`}`);
      }
      for (const p of o.peers) {
        if (p === 'torch') {
          for (const t of o.threads) {
            const r = await runTorchPeer('train', [model, '--batch', String(batch), '--size', String(size), '--classes', '10',
              '--warmup', String(o.warmup), '--min-samples', String(o.steps), '--max-time', '0'], t, o.torch);
            const note = [r.note, r.warning ? `WARNING: ${r.warning}` : undefined].filter(Boolean).join('; ') || undefined;
            out.push({ ...base, runtime: `torch-${t}t`, threads: t, timing: r.error ? undefined : r.timing, peakRssMB: r.peakRssMB, error: r.error, note });
            log(`  ${label} train [torch-${t}t] ${r.timing && !r.error ? `${r.timing.median.toFixed(1)} ms, peak RSS ${r.peakRssMB} MB` : `error: ${r.error}`}`);
          }
        } else if (p === 'tfjs-wasm') {
          if (batch !== o.batches[0] || !ours.length) continue;
          const built = await buildOn(ours[0].backend, model, batch);
          try {
            out.push({ ...base, runtime: p, threads: 1, ...(await tfjsTrainAttempt(built, 'wasm', { minSamples: 1, maxTime: 0 })) });
          } finally { built.dispose(); }
        } else if (p === 'tfjs-cpu') {
          out.push({ ...base, runtime: p, threads: 1, error: 'skipped: tfjs-cpu filter gradients take ~26 s per ResNet 3x3 layer (DESIGN.md section 6)' });
        } else {
          out.push({ ...base, runtime: `${p}-${minThreads}t`, threads: minThreads, error: `${p === 'ort-node' ? 'onnxruntime-node' : 'onnxruntime-web'} is inference-only (no training API in the npm package)` });
        }
      }
    }
  }
  return out;
}

/** Training steps per case: full mode 5 timed (+1 warm-up), quick 3 (+1). */
export function trainSteps(t: TimingOptions): { steps: number; warmup: number } {
  return { steps: t.minSamples ?? 5, warmup: Math.max(1, t.warmup ?? 1) };
}
