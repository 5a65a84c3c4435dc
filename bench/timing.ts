// Timing with benchmark.js (deferred mode, so sync and async cases are measured the same way), one
// warm-up call first (modules plan their memory, JITs settle). Reports the median of benchmark.js's
// samples (each a per-call mean over one cycle), min/max and its relative margin of error.
// benchmark.js is an optional peer of convnets/bench: without it a plain loop of performance.now()
// samples is used (same statistics, no cycle calibration).
import { ConvnetsError } from '../src/ts/core/backend.js';

export interface Timing {
  /** Milliseconds per call. */
  median: number; min: number; max: number; mean: number;
  /** Relative margin of error of the mean (percent, 95%). */
  rme: number;
  samples: number;
  /** Calls timed in all. */
  calls: number;
  /**
   * Median process CPU time (user + system, all threads) per call, ms. On a shared, overloaded machine
   * this excludes time the process waited to be scheduled; for one thread it is the better latency
   * estimate, for several it is their sum.
   */
  cpuMedian?: number;
}

export interface TimingOptions {
  /** Minimum samples (default 5). */
  minSamples?: number;
  /** Seconds to keep sampling once minSamples are in (default 2). */
  maxTime?: number;
  /** Warm-up calls before sampling (default 1). */
  warmup?: number;
}

export function quickTiming(quick: boolean): TimingOptions {
  return quick ? { minSamples: 3, maxTime: 0.5, warmup: 1 } : { minSamples: 5, maxTime: 2, warmup: 1 };
}

function stats(samplesMs: number[], calls: number): Timing {
  if (samplesMs.length === 0) throw new ConvnetsError('timing: no samples');
  const s = [...samplesMs].sort((a, b) => a - b);
  const n = s.length;
  const median = n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
  const mean = s.reduce((a, b) => a + b, 0) / n;
  const sd = n > 1 ? Math.sqrt(s.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1)) : 0;
  // 95% two-sided t for small n, else 1.96.
  const t = [0, 12.71, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228][n - 1] ?? 1.96;
  const rme = mean > 0 ? (100 * t * sd) / Math.sqrt(n) / mean : 0;
  return { median, min: s[0], max: s[n - 1], mean, rme, samples: n, calls };
}

/** Statistics of per-call samples measured elsewhere (a peer subprocess, one of our training processes). */
export function timingFromSamples(samplesMs: readonly number[], cpuMedian?: number): Timing {
  const t = stats([...samplesMs], samplesMs.length);
  if (cpuMedian !== undefined) t.cpuMedian = cpuMedian;
  return t;
}

/** Times `fn` (sync or async). */
export async function measure(fn0: () => unknown, o: TimingOptions = {}): Promise<Timing> {
  const t = await measureWall(withCpu(fn0), o);
  const cpu = cpuSamples.splice(0);
  if (cpu.length) { cpu.sort((a, b) => a - b); t.cpuMedian = cpu[cpu.length >> 1]; }
  return t;
}

const cpuSamples: number[] = [];

/** Wraps fn to record the process CPU time of each call. */
function withCpu(fn: () => unknown): () => unknown {
  return () => {
    const c0 = process.cpuUsage();
    const done = (): void => { const c = process.cpuUsage(c0); cpuSamples.push((c.user + c.system) / 1000); };
    const r = fn();
    if (r && typeof (r as Promise<unknown>).then === 'function') return (r as Promise<unknown>).then((v) => { done(); return v; });
    done();
    return r;
  };
}

async function measureWall(fn: () => unknown, o: TimingOptions): Promise<Timing> {
  const minSamples = o.minSamples ?? 5, maxTime = o.maxTime ?? 2, warmup = o.warmup ?? 1;
  for (let i = 0; i < warmup; i++) await fn();
  cpuSamples.length = 0;
  let Benchmark: any = null; // eslint-disable-line @typescript-eslint/no-explicit-any
  try { Benchmark = (await import('benchmark')).default; } catch { Benchmark = null; /* not installed: plain loop */ }
  if (!Benchmark) return plainLoop(fn, minSamples, maxTime);
  return new Promise<Timing>((resolve, reject) => {
    let failure: unknown = null;
    const bench = new Benchmark('case', {
      defer: true,
      minSamples, maxTime, initCount: 1, minTime: 0,
      fn: (d: { resolve(): void }) => {
        try {
          const r = fn() as unknown;
          if (r && typeof (r as Promise<unknown>).then === 'function') {
            (r as Promise<unknown>).then(() => d.resolve(), (e) => { failure = e; d.resolve(); });
          } else d.resolve();
        } catch (e) { failure = e; d.resolve(); }
      },
    });
    bench.on('complete', () => {
      if (failure) { reject(failure); return; }
      if (bench.error) { reject(bench.error); return; }
      const sample: number[] = bench.stats.sample.map((s: number) => s * 1e3);
      resolve(stats(sample, bench.count * bench.cycles));
    });
    bench.run({ async: true });
  });
}

async function plainLoop(fn: () => unknown, minSamples: number, maxTime: number): Promise<Timing> {
  const samples: number[] = [];
  const start = performance.now();
  while (samples.length < minSamples || (performance.now() - start < maxTime * 1e3 && samples.length < 1000)) {
    const t = performance.now();
    await fn();
    samples.push(performance.now() - t);
  }
  return stats(samples, samples.length);
}

/** GFLOP/s for `macs` multiply-accumulates in `ms` milliseconds (2 FLOPs per MAC). */
export function gflops(macs: number, ms: number): number {
  return (2 * macs) / (ms * 1e6);
}
