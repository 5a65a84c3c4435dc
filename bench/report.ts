// Markdown tables and SVG charts of a benchmark run.
import { barChart } from '../src/ts/analysis/svg.js';
import type { BenchResult } from './types.js';

const ours = (r: BenchResult): boolean => r.runtime.startsWith('convnets-');

function ms(v: number): string { return v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v >= 1 ? v.toFixed(2) : v.toFixed(3); }

/** "x1.52 tfjs-wasm" entries: peer median / our median, for peers at the same thread count. */
function speedups(r: BenchResult, all: BenchResult[]): string {
  if (!ours(r) || !r.timing) return '';
  const peers = all.filter((p) => p.suite === r.suite && p.case === r.case && !ours(p) && p.timing && p.threads === r.threads);
  return peers.map((p) => `x${(p.timing!.median / r.timing!.median).toFixed(2)} vs ${p.runtime}`).join(', ');
}

function cell(s: string | undefined): string { return (s ?? '').replace(/\|/g, '\\|').replace(/\n/g, ' '); }

export function markdown(results: BenchResult[], meta: Record<string, string>): string {
  const lines: string[] = ['# convnets benchmark', ''];
  for (const [k, v] of Object.entries(meta)) lines.push(`- ${k}: ${v}`);
  lines.push('');
  const titles: Record<string, string> = {
    kernels: 'Kernels on real layer shapes (batch 1 unless noted)',
    models: 'Model inference (batch 1)',
    train: 'Training step (forward + backward + SGD)',
  };
  for (const suite of ['kernels', 'models', 'train'] as const) {
    const rs = results.filter((r) => r.suite === suite);
    if (!rs.length) continue;
    lines.push(`## ${titles[suite]}`, '');
    lines.push('| case | runtime | median ms | min-max ms | ±rme | CPU ms/call | GFLOP/s | agrees | speed-up of ours |');
    lines.push('|---|---|---:|---:|---:|---:|---:|---:|---|');
    for (const r of rs) {
      const name = suite === 'kernels' ? `${r.case}${r.from ? ` (${r.from})` : ''}` : r.case;
      if (!r.timing) {
        lines.push(`| ${cell(name)} | ${r.runtime} | - | - | - | - | - | - | ${cell(r.error ? `cannot run: ${r.error}` : r.note)} |`);
        continue;
      }
      const t = r.timing;
      const perf = r.gflops !== undefined ? r.gflops.toFixed(2) : r.gbps !== undefined ? `${r.gbps.toFixed(2)} GB/s` : '-';
      const agree = r.maxRelDiff === undefined ? 'ref' : r.maxRelDiff.toExponential(1);
      lines.push(`| ${cell(name)} | ${r.runtime} | ${ms(t.median)} | ${ms(t.min)}-${ms(t.max)} | ${t.rme.toFixed(1)}% | ${t.cpuMedian !== undefined ? ms(t.cpuMedian) : '-'} | ${perf} | ${agree} | ${cell([speedups(r, results), r.note].filter(Boolean).join('; '))} |`);
    }
    lines.push('');
  }
  lines.push('"agrees": max |output - reference| / max |reference| against our first backend (kernels) or our model output (peers); peers are timed only when it is below 1e-3.');
  lines.push('"speed-up of ours": peer median / our median at the same thread count (above 1: we are faster).');
  lines.push('"CPU ms/call": median process CPU time per call (all threads summed): on a loaded machine, the better single-thread latency estimate.');
  return lines.join('\n') + '\n';
}

/** One chart per suite: kernels in GFLOP/s, models and training in ms (log scale). */
export function charts(results: BenchResult[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const suite of ['kernels', 'models', 'train'] as const) {
    const rs = results.filter((r) => r.suite === suite && r.timing);
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
      title: suite === 'kernels' ? 'Kernels: GFLOP/s (higher is better)' : `${suite === 'models' ? 'Inference' : 'Training step'}: median ms (lower is better)`,
      yLabel: kernelsHaveFlops ? 'GFLOP/s' : 'ms (log)',
      logY: suite !== 'kernels',
      series,
    });
  }
  return out;
}
