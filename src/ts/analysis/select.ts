// Architecture selection under constraints (chapter Q7/Q9): count every candidate (parameters, MACs),
// drop those over the parameter budget without running them, MEASURE the rest on this machine, keep
// those within the latency budget and rank them by published ImageNet top-1 (then latency).
import { ConvnetsError } from '../core/backend.js';
import { publishedTop1 } from './accuracy.js';

export const DEFAULT_CANDIDATES = [
  'mobilenet_v3_small', 'squeezenet1_1', 'mobilenet_v2', 'mobilenet_v3_large', 'efficientnet_b0', 'efficientnet_b1',
  'googlenet', 'resnet18', 'densenet121', 'resnet34', 'efficientnet_b2', 'resnet50', 'efficientnet_b3', 'inception_v3',
] as const;

export interface Candidate { model: string; params: number; macs: number; inputSize: number; }

export interface SelectRow extends Candidate {
  top1: number | null;
  top1Source: string | null;
  latencyMs: number | null;
  /** Why it is out ('params', 'latency', an error), or null when it meets every constraint. */
  excluded: string | null;
  rank: number | null;
}

export interface SelectConstraints { maxParams?: number; maxLatencyMs?: number; }

/** Parses '5M', '25e6', '3.5m', '800k' into a number. */
export function parseCount(s: string, flag = '--max-params'): number {
  const m = /^\s*([0-9]*\.?[0-9]+(?:e[+-]?\d+)?)\s*([kKmMgGbB]?)\s*$/.exec(s);
  if (!m) throw new ConvnetsError(`${flag} must be a number like 5000000, 5M or 800k, got '${s}'`);
  const mult = { '': 1, k: 1e3, m: 1e6, g: 1e9, b: 1e9 }[m[2].toLowerCase() as '' | 'k' | 'm' | 'g' | 'b'];
  const v = Number(m[1]) * mult;
  if (!(v > 0)) throw new ConvnetsError(`${flag} must be positive, got '${s}'`);
  return v;
}

/**
 * Filters and ranks. `latency` is called only for candidates within the parameter budget (the CLI
 * measures; tests inject numbers). Ranking: top-1 descending (unknown accuracy last), then latency.
 */
export async function selectModels(cands: readonly Candidate[], c: SelectConstraints,
  latency: (cand: Candidate) => Promise<number>): Promise<SelectRow[]> {
  if (c.maxParams !== undefined && !(c.maxParams > 0)) throw new ConvnetsError(`select: max params must be positive, got ${c.maxParams}`);
  if (c.maxLatencyMs !== undefined && !(c.maxLatencyMs > 0)) throw new ConvnetsError(`select: max latency must be positive, got ${c.maxLatencyMs}`);
  const rows: SelectRow[] = [];
  for (const cand of cands) {
    const acc = publishedTop1(cand.model);
    const row: SelectRow = { ...cand, top1: acc?.top1 ?? null, top1Source: acc?.source ?? null, latencyMs: null, excluded: null, rank: null };
    if (c.maxParams !== undefined && cand.params > c.maxParams) row.excluded = `params ${cand.params} > ${c.maxParams}`;
    else {
      try {
        row.latencyMs = await latency(cand);
        if (c.maxLatencyMs !== undefined && row.latencyMs > c.maxLatencyMs) row.excluded = `latency ${row.latencyMs.toFixed(1)} ms > ${c.maxLatencyMs} ms`;
      } catch (e) {
        row.excluded = `error: ${(e as Error).message}`;
      }
    }
    rows.push(row);
  }
  const ok = rows.filter((r) => r.excluded === null).sort((a, b) =>
    (b.top1 ?? -1) - (a.top1 ?? -1) || (a.latencyMs ?? 0) - (b.latencyMs ?? 0));
  ok.forEach((r, i) => { r.rank = i + 1; });
  return [...ok, ...rows.filter((r) => r.excluded !== null)];
}

export function formatSelect(rows: readonly SelectRow[], backend: string): string {
  const lines = [
    `rank  model                 params      GMACs  input  latency ms (${backend})  top-1 (published)  status`,
  ];
  for (const r of rows) {
    lines.push(`${(r.rank === null ? '-' : String(r.rank)).padStart(4)}  ${r.model.padEnd(20)}  ${(r.params / 1e6).toFixed(2).padStart(7)}M  ` +
      `${(r.macs / 1e9).toFixed(3).padStart(6)}  ${String(r.inputSize).padStart(5)}  ${(r.latencyMs === null ? '-' : r.latencyMs.toFixed(1)).padStart(20)}  ` +
      `${(r.top1 === null ? 'n/a' : r.top1.toFixed(2) + '%').padStart(18)}  ${r.excluded ?? 'meets constraints'}`);
  }
  return lines.join('\n');
}
