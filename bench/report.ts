// Markdown tables and SVG charts of a benchmark run.
import { barChart } from '../src/ts/analysis/svg.js';
import type { BenchResult } from './types.js';

const ours = (r: BenchResult): boolean => r.runtime.startsWith('convnets-');

function ms(v: number): string { return v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v >= 1 ? v.toFixed(2) : v.toFixed(3); }

/**
 * How many times faster ours is than `p`: peer median / our median, or our images/s / the peer's
 * when both have them (the default job).
 */
export function ratio(r: BenchResult, p: BenchResult): number | null {
  if (r.imagesPerSecond && p.imagesPerSecond) return r.imagesPerSecond / p.imagesPerSecond;
  return r.timing && p.timing ? p.timing.median / r.timing.median : null;
}

/** "x1.52 vs tfjs-wasm" entries for the peers at the same thread count. */
function speedups(r: BenchResult, all: BenchResult[]): string {
  if (!ours(r) || !r.timing) return '';
  const peers = all.filter((p) => p.suite === r.suite && p.case === r.case && !ours(p) && p.timing && p.threads === r.threads);
  return peers.map((p) => `x${ratio(r, p)!.toFixed(2)} vs ${p.runtime}`).join(', ');
}

function cell(s: string | undefined): string { return (s ?? '').replace(/\|/g, '\\|').replace(/\n/g, ' '); }

const SUITE_ORDER = ['kernels', 'models', 'train', 'defaultjob'] as const;
const TITLES: Record<string, string> = {
  kernels: 'Kernels on real layer shapes (batch 1 unless noted)',
  models: 'Model inference (batch 1)',
  train: 'Training step (forward + backward + SGD momentum; each case in a process of its own)',
  defaultjob: 'The default training job (`convnets train`: digits ResNet, batch 64, AdamW one-cycle; ms per step)',
};

/**
 * Per case and thread count: the best of ours (lowest median, or most images/s) against each peer at
 * that thread count; the figures the issue's targets are stated in.
 */
export function ratioTable(results: BenchResult[]): string[] {
  const lines: string[] = [];
  for (const suite of SUITE_ORDER) {
    if (suite === 'kernels') continue;
    const rs = results.filter((r) => r.suite === suite && r.timing && !r.error);
    const keys = [...new Set(rs.map((r) => `${r.case}\u0000${r.threads}`))];
    for (const k of keys) {
      const [c, t] = k.split('\u0000');
      const here = rs.filter((r) => r.case === c && r.threads === Number(t));
      const mine = here.filter(ours);
      const peers = here.filter((r) => !ours(r));
      if (!mine.length || !peers.length) continue;
      const best = mine.reduce((a, b) => (ratio(b, a)! > 1 ? b : a));
      const rss = (r: BenchResult): string => (r.peakRssMB !== undefined ? `, ${Math.round(r.peakRssMB)} MB` : '');
      const fig = (r: BenchResult): string => (r.imagesPerSecond ? `${Math.round(r.imagesPerSecond)} img/s` : `${ms(r.timing!.median)} ms`) + rss(r);
      lines.push(`| ${cell(c)} | ${t} | ${best.runtime} ${fig(best)} | ${peers.map((p) => `x${ratio(best, p)!.toFixed(2)} vs ${p.runtime} (${fig(p)})`).join('; ')} |`);
    }
  }
  if (!lines.length) return [];
  return ['## Ours (best backend) vs each peer at the same thread count', '',
    '| case | threads | best of ours | speed-up (above 1: we are faster) |', '|---|---:|---|---|', ...lines, ''];
}

export function markdown(results: BenchResult[], meta: Record<string, string>): string {
  const lines: string[] = ['# convnets benchmark', ''];
  for (const [k, v] of Object.entries(meta)) lines.push(`- ${k}: ${v}`);
  lines.push('');
  lines.push(...ratioTable(results));
  for (const suite of SUITE_ORDER) {
    const rs = results.filter((r) => r.suite === suite);
    if (!rs.length) continue;
    const withRss = suite !== 'kernels';
    lines.push(`## ${TITLES[suite]}`, '');
    lines.push(`| case | runtime | median ms | min-max ms | ±rme | CPU ms/call | ${suite === 'defaultjob' ? 'img/s' : 'GFLOP/s'} |${withRss ? ' peak RSS MB |' : ''} agrees | speed-up of ours |`);
    lines.push(`|---|---|---:|---:|---:|---:|---:|${withRss ? '---:|' : ''}---:|---|`);
    for (const r of rs) {
      const name = suite === 'kernels' ? `${r.case}${r.from ? ` (${r.from})` : ''}` : r.case;
      const rss = withRss ? ` ${r.peakRssMB !== undefined ? Math.round(r.peakRssMB) : '-'} |` : '';
      if (!r.timing || r.error) {
        lines.push(`| ${cell(name)} | ${r.runtime} | - | - | - | - | - |${rss} - | ${cell([r.error ? `cannot run: ${r.error}` : '', r.note].filter(Boolean).join('; '))} |`);
        continue;
      }
      const t = r.timing;
      const perf = r.imagesPerSecond !== undefined ? r.imagesPerSecond.toFixed(0) : r.gflops !== undefined ? r.gflops.toFixed(2) : r.gbps !== undefined ? `${r.gbps.toFixed(2)} GB/s` : '-';
      const agree = r.maxRelDiff === undefined ? (ours(r) && (suite === 'kernels' || suite === 'models') ? 'ref' : '-') : r.maxRelDiff.toExponential(1);
      lines.push(`| ${cell(name)} | ${r.runtime} | ${ms(t.median)} | ${ms(t.min)}-${ms(t.max)} | ${t.rme.toFixed(1)}% | ${t.cpuMedian !== undefined ? ms(t.cpuMedian) : '-'} | ${perf} |${rss} ${agree} | ${cell([speedups(r, results), r.note].filter(Boolean).join('; '))} |`);
    }
    lines.push('');
  }
  lines.push('"agrees": max |output - reference| / max |reference| against our first backend (kernels) or our model output (peers); peers are timed only when it is below 1e-3.');
  lines.push('"speed-up of ours": peer median / our median at the same thread count (the default job: our images/s / the peer\'s; above 1: we are faster).');
  lines.push('"CPU ms/call": median process CPU time per call (all threads summed): on a loaded machine, the better single-thread latency estimate.');
  lines.push('"peak RSS": of the process that ran the case alone (training steps: ours and torch; torch inference includes reading our weights for the cross-check).');
  return lines.join('\n') + '\n';
}

/** One chart per suite: kernels in GFLOP/s, models and training in ms (log scale). */
export function charts(results: BenchResult[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const suite of SUITE_ORDER) {
    const rs = results.filter((r) => r.suite === suite && r.timing && !r.error);
    if (!rs.length) continue;
    const cases = [...new Set(rs.map((r) => r.case))];
    const series = [...new Set(rs.map((r) => r.runtime))];
    const groups = cases.map((c) => ({
      label: c,
      values: Object.fromEntries(rs.filter((r) => r.case === c).map((r) => [r.runtime,
        suite === 'kernels' ? (r.gflops ?? null) : r.timing!.median])),
    }));
    const kernelsHaveFlops = suite === 'kernels' && rs.some((r) => r.gflops !== undefined);
    out[suite] = barChart(groups, {
      title: suite === 'kernels' ? 'Kernels: GFLOP/s (higher is better)' : `${suite === 'models' ? 'Inference' : suite === 'train' ? 'Training step' : 'Default job step'}: median ms (lower is better)`,
      yLabel: kernelsHaveFlops ? 'GFLOP/s' : 'ms (log)',
      logY: suite !== 'kernels',
      series,
    });
  }
  return out;
}
