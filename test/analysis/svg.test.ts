// SVG writer: structure of line and bar charts (series, points, axes, legend, log ticks, escaping).
import t from 'tap';
import { lineChart, barChart, logTicks, niceTicks, tickLabel } from '../../src/ts/analysis/svg.js';

const count = (s: string, re: RegExp): number => (s.match(re) ?? []).length;

t.test('line chart: one polyline per series with its points, legend, axis labels', async (t) => {
  const svg = lineChart([
    { name: 'plain <20>', points: [[1, 1e-6], [2, 1e-4], [3, 1e-2]] },
    { name: 'resnet & co', points: [[1, 0.5], [2, 0.4], [3, 0.3], [4, NaN]] },
  ], { title: 'grad', xLabel: 'layer', yLabel: 'norm', logY: true });
  t.match(svg, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  t.ok(svg.trimEnd().endsWith('</svg>'));
  t.equal(count(svg, /<polyline /g), 2);
  const pts = [...svg.matchAll(/points="([^"]+)"/g)].map((m) => m[1].split(' ').length);
  t.same(pts, [3, 3], 'the NaN point is dropped');
  t.match(svg, /plain &lt;20&gt;/, 'names are escaped');
  t.match(svg, /resnet &amp; co/);
  t.match(svg, />layer</); t.match(svg, />norm</); t.match(svg, />grad</);
  // Decade ticks from 1e-6 to 1 on the log axis.
  for (const lab of ['1e-6', '1e-4', '0.01', '1']) t.match(svg, new RegExp(`>${lab.replace('.', '\\.')}</text>`));
  // Larger values are drawn higher (smaller y) on the log axis.
  const first = [...svg.matchAll(/points="([^"]+)"/g)][0][1].split(' ').map((p) => Number(p.split(',')[1]));
  t.ok(first[0] > first[1] && first[1] > first[2]);
});

t.test('bar chart: one rect per present value, missing values leave gaps', async (t) => {
  const svg = barChart([
    { label: 'conv 3x3', values: { ours: 10, peer: 20 } },
    { label: 'dw 5x5', values: { ours: 5, peer: null } },
  ], { title: 't', yLabel: 'ms' });
  t.equal(count(svg, /class="bar"/g), 3);
  t.match(svg, /data-series="peer" data-group="conv 3x3" data-value="20"/);
  t.notMatch(svg, /data-series="peer" data-group="dw 5x5"/);
  const h = (v: number): number => Number(new RegExp(`data-value="${v}"[^>]*height="([0-9.]+)"`).exec(svg)![1]);
  t.ok(Math.abs(h(20) / h(10) - 2) < 0.02, 'linear bars are proportional to the value');
  t.equal(count(svg, /class="group-label"/g), 2);
});

t.test('ticks', async (t) => {
  t.same(logTicks(3e-5, 0.2), [1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1]);
  const nt = niceTicks(0, 87);
  t.equal(nt[0], 0); t.ok(nt[nt.length - 1] >= 87);
  t.equal(tickLabel(1e-7), '1e-7'); t.equal(tickLabel(2500), '2500'); t.equal(tickLabel(0), '0');
  t.throws(() => lineChart([]), /at least one series/);
});
