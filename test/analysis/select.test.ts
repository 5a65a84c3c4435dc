// Selection logic with injected latencies: parameter filter before measuring, latency filter, ranking.
import t from 'tap';
import { selectModels, parseCount, formatSelect } from '../../src/ts/analysis/select.js';
import type { Candidate } from '../../src/ts/analysis/select.js';

const cands: Candidate[] = [
  { model: 'mobilenet_v2', params: 3.5e6, macs: 0.3e9, inputSize: 224 },
  { model: 'resnet50', params: 25.6e6, macs: 4.1e9, inputSize: 224 },
  { model: 'efficientnet_b0', params: 5.3e6, macs: 0.39e9, inputSize: 224 },
  { model: 'mobilenet_v3_small', params: 2.5e6, macs: 0.06e9, inputSize: 224 },
  { model: 'squeezenet1_1', params: 1.2e6, macs: 0.35e9, inputSize: 224 },
  { model: 'my_custom_net', params: 1e6, macs: 0.1e9, inputSize: 224 },
];
const lat: Record<string, number> = { mobilenet_v2: 20, resnet50: 150, efficientnet_b0: 45, mobilenet_v3_small: 8, squeezenet1_1: 12, my_custom_net: 5 };

t.test('filters by params (unmeasured) and latency, ranks by published top-1', async (t) => {
  const measured: string[] = [];
  const rows = await selectModels(cands, { maxParams: 10e6, maxLatencyMs: 30 }, async (c) => { measured.push(c.model); return lat[c.model]; });
  t.notOk(measured.includes('resnet50'), 'over the parameter budget: never measured');
  const ranked = rows.filter((r) => r.rank !== null).map((r) => r.model);
  // mobilenet_v2 71.878 > mobilenet_v3_small 67.668 > squeezenet1_1 58.178 > unknown accuracy last.
  t.same(ranked, ['mobilenet_v2', 'mobilenet_v3_small', 'squeezenet1_1', 'my_custom_net']);
  t.match(rows.find((r) => r.model === 'efficientnet_b0')!.excluded, /latency 45\.0 ms > 30 ms/);
  t.match(rows.find((r) => r.model === 'resnet50')!.excluded, /params/);
  t.equal(rows.find((r) => r.model === 'resnet50')!.latencyMs, null);
  t.match(formatSelect(rows, 'wasm 1t'), /mobilenet_v2 .* 71\.88%/);
});

t.test('no constraints: everything ranked; errors exclude; equal accuracy ties by latency', async (t) => {
  const rows = await selectModels(cands, {}, async (c) => { if (c.model === 'squeezenet1_1') throw new Error('boom'); return lat[c.model]; });
  t.equal(rows[0].model, 'efficientnet_b0');
  t.match(rows.find((r) => r.model === 'squeezenet1_1')!.excluded, /error: boom/);
  const tie = await selectModels([{ ...cands[0] }, { ...cands[0], model: 'mobilenet_v2', inputSize: 160 }], {}, async (c) => (c.inputSize === 160 ? 5 : 20));
  t.equal(tie[0].inputSize, 160);
  await t.rejects(selectModels(cands, { maxParams: -1 }, async () => 1), /max params/);
});

t.test('parseCount', async (t) => {
  t.equal(parseCount('5M'), 5e6); t.equal(parseCount('800k'), 8e5); t.equal(parseCount('2.5e7'), 2.5e7); t.equal(parseCount('1200'), 1200);
  t.throws(() => parseCount('lots'), /--max-params/); t.throws(() => parseCount('0'), /positive/);
});
