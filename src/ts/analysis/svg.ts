// A small dependency-free SVG chart writer: line charts (linear or log y/x axes) and grouped bar
// charts, with axes, ticks, labels and a legend. Enough for the benchmark and analysis plots; the
// output is plain SVG 1.1 that any browser or image viewer renders.
import { ConvnetsError } from '../core/backend.js';

export interface Series {
  name: string;
  /** Points in data coordinates; non-finite points (and non-positive ones on a log axis) are skipped. */
  points: readonly (readonly [number, number])[];
  color?: string;
  /** Draw markers at the points (default true for few points). */
  markers?: boolean;
  /** Optional labels drawn next to each point (scatter plots of named models). */
  labels?: readonly string[];
  /** Draw only markers, no connecting line. */
  scatter?: boolean;
}

export interface LineChartOptions {
  title?: string;
  xLabel?: string;
  yLabel?: string;
  logX?: boolean;
  logY?: boolean;
  width?: number;
  height?: number;
  /** Annotations: a dashed vertical guide at each x, labelled along it (events, not data). */
  xMarks?: readonly { x: number; label: string }[];
}

export interface BarGroup {
  /** Category label under the group (e.g. a benchmark case). */
  label: string;
  /** One value per series name; missing/NaN values draw no bar (a peer that cannot run the case). */
  values: Record<string, number | null | undefined>;
}

export interface BarChartOptions {
  title?: string;
  yLabel?: string;
  logY?: boolean;
  width?: number;
  height?: number;
  /** Series order (and legend); defaults to first-seen order over the groups. */
  series?: string[];
}

export const PALETTE = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];

const MARGIN = { left: 70, right: 170, top: 40, bottom: 60 };

export function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function fmt(v: number): string {
  // Coordinates with 2 decimals keep the files small and diffable.
  return (Math.round(v * 100) / 100).toString();
}

/** Human tick label: 1e-7 style for tiny/huge, otherwise up to 4 significant digits. */
export function tickLabel(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e5 || a < 1e-3) {
    const e = Math.floor(Math.log10(a));
    const m = v / 10 ** e;
    return Math.abs(m - 1) < 1e-9 ? `1e${e}` : `${+m.toPrecision(3)}e${e}`;
  }
  return String(+v.toPrecision(4));
}

/** "Nice" linear ticks covering [lo, hi] (1, 2, 5 x 10^k steps). */
export function niceTicks(lo: number, hi: number, count = 6): number[] {
  if (!(hi > lo)) { const d = Math.abs(lo) || 1; lo -= d / 2; hi += d / 2; }
  const raw = (hi - lo) / Math.max(1, count - 1);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const start = Math.floor(lo / step) * step;
  const ticks: number[] = [];
  for (let t = start; t <= hi + step * 1e-9; t += step) ticks.push(+t.toPrecision(12));
  if (ticks[ticks.length - 1] < hi) ticks.push(+(ticks[ticks.length - 1] + step).toPrecision(12));
  return ticks;
}

/** Decade ticks covering [lo, hi] (both > 0). */
export function logTicks(lo: number, hi: number): number[] {
  const a = Math.floor(Math.log10(lo));
  let b = Math.ceil(Math.log10(hi));
  if (b === a) b = a + 1;
  const ticks: number[] = [];
  // Too many decades crowd the axis: step over some.
  const step = Math.max(1, Math.ceil((b - a) / 10));
  // Number(`1e${e}`) is exact where 10 ** -5 is not (0.000009999...).
  for (let e = a; e <= b; e += step) ticks.push(Number(`1e${e}`));
  if (Math.log10(ticks[ticks.length - 1]) < b) ticks.push(Number(`1e${b}`));
  return ticks;
}

interface Axis { ticks: number[]; map: (v: number) => number; valid: (v: number) => boolean; }

function makeAxis(values: number[], log: boolean, pxFrom: number, pxTo: number, zeroBased = false): Axis {
  const valid = (v: number): boolean => Number.isFinite(v) && (!log || v > 0);
  const vs = values.filter(valid);
  let lo = vs.length ? Math.min(...vs) : (log ? 1 : 0);
  let hi = vs.length ? Math.max(...vs) : (log ? 10 : 1);
  if (zeroBased && !log) lo = Math.min(0, lo);
  const ticks = log ? logTicks(lo, hi) : niceTicks(lo, hi);
  lo = Math.min(lo, ticks[0]);
  hi = Math.max(hi, ticks[ticks.length - 1]);
  const f = log ? Math.log10 : (v: number) => v;
  const a = f(lo), b = f(hi);
  const span = b - a || 1;
  return { ticks, valid, map: (v) => pxFrom + ((f(v) - a) / span) * (pxTo - pxFrom) };
}

/** Room on the right for the legend: its longest label at ~6.6 px per character (12 px sans-serif). */
function legendWidth(names: readonly string[]): number {
  return Math.max(MARGIN.right, 40 + Math.ceil(6.6 * Math.max(0, ...names.map((n) => n.length))));
}

function header(w: number, h: number, title?: string): string[] {
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" font-family="sans-serif" font-size="12">`,
    `<rect width="${w}" height="${h}" fill="white"/>`,
  ];
  if (title) out.push(`<text class="title" x="${w / 2}" y="22" text-anchor="middle" font-size="15">${escapeXml(title)}</text>`);
  return out;
}

function axesSvg(x0: number, x1: number, y0: number, y1: number, yAxis: Axis, yLabel?: string, xLabel?: string): string[] {
  const out: string[] = [];
  out.push(`<g class="axes" stroke="black">`);
  out.push(`<line x1="${x0}" y1="${y0}" x2="${x1}" y2="${y0}"/>`);
  out.push(`<line x1="${x0}" y1="${y0}" x2="${x0}" y2="${y1}"/>`);
  out.push('</g>');
  out.push('<g class="y-ticks">');
  for (const t of yAxis.ticks) {
    const y = fmt(yAxis.map(t));
    out.push(`<line x1="${x0 - 4}" y1="${y}" x2="${x1}" y2="${y}" stroke="#ddd"/>`);
    out.push(`<text x="${x0 - 6}" y="${y}" text-anchor="end" dominant-baseline="middle">${escapeXml(tickLabel(t))}</text>`);
  }
  out.push('</g>');
  if (yLabel) {
    const cy = (y0 + y1) / 2;
    out.push(`<text class="y-label" x="16" y="${cy}" text-anchor="middle" transform="rotate(-90 16 ${cy})">${escapeXml(yLabel)}</text>`);
  }
  if (xLabel) out.push(`<text class="x-label" x="${(x0 + x1) / 2}" y="${y0 + 42}" text-anchor="middle">${escapeXml(xLabel)}</text>`);
  return out;
}

function legendSvg(x: number, y: number, entries: { name: string; color: string }[]): string[] {
  const out = ['<g class="legend">'];
  entries.forEach((e, i) => {
    const yy = y + i * 18;
    out.push(`<rect x="${x}" y="${yy - 9}" width="12" height="12" fill="${e.color}"/>`);
    out.push(`<text x="${x + 18}" y="${yy + 1}">${escapeXml(e.name)}</text>`);
  });
  out.push('</g>');
  return out;
}

/** A line (or scatter) chart of one or more series. */
export function lineChart(series: readonly Series[], opts: LineChartOptions = {}): string {
  if (series.length === 0) throw new ConvnetsError('lineChart: needs at least one series');
  const right = legendWidth(series.map((s) => s.name));
  const w = opts.width ?? 560 + right, h = opts.height ?? 420;
  const x0 = MARGIN.left, x1 = w - right, y0 = h - MARGIN.bottom, y1 = MARGIN.top;
  const xs = series.flatMap((s) => s.points.map((p) => p[0]));
  const ys = series.flatMap((s) => s.points.map((p) => p[1]));
  const xAxis = makeAxis(xs, !!opts.logX, x0, x1);
  const yAxis = makeAxis(ys, !!opts.logY, y0, y1);
  const out = header(w, h, opts.title);
  out.push(...axesSvg(x0, x1, y0, y1, yAxis, opts.yLabel, opts.xLabel));
  out.push('<g class="x-ticks">');
  for (const t of xAxis.ticks) {
    const x = fmt(xAxis.map(t));
    out.push(`<line x1="${x}" y1="${y0}" x2="${x}" y2="${y0 + 4}" stroke="black"/>`);
    out.push(`<text x="${x}" y="${y0 + 18}" text-anchor="middle">${escapeXml(tickLabel(t))}</text>`);
  }
  out.push('</g>');
  if (opts.xMarks?.length) {
    out.push('<g class="x-marks" font-size="10" fill="#555">');
    for (const m of opts.xMarks) {
      const px = xAxis.valid(m.x) ? xAxis.map(m.x) : NaN;
      if (!(px >= x0 && px <= x1)) continue; // outside the plotted range: never drawn over the legend
      const x = fmt(px);
      out.push(`<line x1="${x}" y1="${y0}" x2="${x}" y2="${y1}" stroke="#999" stroke-dasharray="4 3"/>`);
      // Rotated along the guide, from the bottom: neighbouring guides' labels never overlap.
      out.push(`<text x="${+x - 3}" y="${y0 - 4}" transform="rotate(-90 ${+x - 3} ${y0 - 4})">${escapeXml(m.label)}</text>`);
    }
    out.push('</g>');
  }
  const legend: { name: string; color: string }[] = [];
  series.forEach((s, i) => {
    const color = s.color ?? PALETTE[i % PALETTE.length];
    legend.push({ name: s.name, color });
    const pts = s.points.map((p, j) => ({ p, j })).filter(({ p }) => xAxis.valid(p[0]) && yAxis.valid(p[1]));
    const coords = pts.map(({ p }) => [fmt(xAxis.map(p[0])), fmt(yAxis.map(p[1]))] as const);
    out.push(`<g class="series" data-name="${escapeXml(s.name)}">`);
    if (!s.scatter && coords.length > 1) {
      out.push(`<polyline fill="none" stroke="${color}" stroke-width="2" points="${coords.map((c) => c.join(',')).join(' ')}"/>`);
    }
    if (s.markers ?? (s.scatter || coords.length <= 40)) {
      for (const [cx, cy] of coords) out.push(`<circle cx="${cx}" cy="${cy}" r="3" fill="${color}"/>`);
    }
    if (s.labels) {
      pts.forEach(({ j }, k) => {
        const lab = s.labels?.[j];
        if (lab) out.push(`<text x="${+coords[k][0] + 5}" y="${+coords[k][1] - 5}" font-size="10">${escapeXml(lab)}</text>`);
      });
    }
    out.push('</g>');
  });
  out.push(...legendSvg(x1 + 16, y1 + 10, legend));
  out.push('</svg>');
  return out.join('\n') + '\n';
}

/** A grouped bar chart: one group per category, one bar per series (missing values leave a gap). */
export function barChart(groups: readonly BarGroup[], opts: BarChartOptions = {}): string {
  if (groups.length === 0) throw new ConvnetsError('barChart: needs at least one group');
  const names = opts.series ?? [...new Set(groups.flatMap((g) => Object.keys(g.values)))];
  const right = legendWidth(names);
  const w = opts.width ?? Math.max(560 + right, 120 + groups.length * (names.length * 14 + 24) + right);
  const h = opts.height ?? 460;
  const x0 = MARGIN.left, x1 = w - right, y0 = h - MARGIN.bottom - 40, y1 = MARGIN.top;
  const vals = groups.flatMap((g) => names.map((n) => g.values[n] ?? NaN));
  const yAxis = makeAxis(vals, !!opts.logY, y0, y1, true);
  const out = header(w, h, opts.title);
  out.push(...axesSvg(x0, x1, y0, y1, yAxis, opts.yLabel));
  const groupW = (x1 - x0) / groups.length;
  const barW = Math.max(2, Math.min(24, (groupW - 10) / Math.max(1, names.length)));
  const base = opts.logY ? y0 : yAxis.map(0);
  out.push('<g class="bars">');
  groups.forEach((g, gi) => {
    const gx = x0 + gi * groupW + (groupW - barW * names.length) / 2;
    names.forEach((n, si) => {
      const v = g.values[n];
      if (v === null || v === undefined || !yAxis.valid(v)) return;
      const y = yAxis.map(v);
      const top = Math.min(y, base), hh = Math.abs(base - y);
      out.push(`<rect class="bar" data-series="${escapeXml(n)}" data-group="${escapeXml(g.label)}" data-value="${v}" ` +
        `x="${fmt(gx + si * barW)}" y="${fmt(top)}" width="${fmt(barW - 1)}" height="${fmt(hh)}" fill="${PALETTE[si % PALETTE.length]}"/>`);
    });
    const cx = x0 + gi * groupW + groupW / 2;
    out.push(`<text class="group-label" x="${fmt(cx)}" y="${y0 + 14}" text-anchor="end" font-size="10" ` +
      `transform="rotate(-30 ${fmt(cx)} ${y0 + 14})">${escapeXml(g.label)}</text>`);
  });
  out.push('</g>');
  out.push(...legendSvg(x1 + 16, y1 + 10, names.map((n, i) => ({ name: n, color: PALETTE[i % PALETTE.length] }))));
  out.push('</svg>');
  return out.join('\n') + '\n';
}
