// The benchmark report (bench/report.ts): per-row speed-ups against peers at the same thread count,
// the best-of-ours ratio table (time ratio, or images/s for the default job), peak RSS, and error rows.
import t from 'tap';
import { markdown, ratio, ratioTable } from '../../bench/report.js';
import { timingFromSamples } from '../../bench/timing.js';
import type { BenchResult } from '../../bench/types.js';

const row = (suite: BenchResult['suite'], runtime: string, threads: number, ms: number | null, extra: Partial<BenchResult> = {}): BenchResult =>
  ({ suite, case: `${suite} case`, runtime, threads, macs: 0, ...(ms !== null ? { timing: timingFromSamples([ms, ms, ms]) } : {}), ...extra });

const results: BenchResult[] = [
  row('train', 'convnets-wasm-1t', 1, 1000, { peakRssMB: 1200 }),
  row('train', 'convnets-cpu-1t', 1, 400, { peakRssMB: 700 }),
  row('train', 'torch-1t', 1, 800, { peakRssMB: 1000.4 }),
  row('train', 'convnets-cpu-2t', 2, 250),
  row('train', 'torch-2t', 2, 500),
  row('train', 'convnets-wasm-2t', 2, null, { error: 'native: conv2d: not implemented' }),
  row('defaultjob', 'convnets-wasm-1t', 1, 100, { imagesPerSecond: 640 }),
  row('defaultjob', 'torch-1t', 1, 50, { imagesPerSecond: 1280 }),
  row('defaultjob', 'torch-2t', 2, null, { error: "PyTorch is not installed: /usr/bin/python3 not found (Debian: apt-get install -y python3-torch)" }),
];

t.test('ratio: peer time / our time, or our images/s / the peer\'s', async (t) => {
  t.equal(ratio(results[1], results[2]), 2);
  t.equal(ratio(results[6], results[7]), 0.5);
  t.equal(ratio(results[5], results[2]), null);
});

t.test('the ratio table takes the best of ours per thread count, against peers at that count only', async (t) => {
  const lines = ratioTable(results);
  t.match(lines[0], /best backend/);
  const train1 = lines.find((l) => l.startsWith('| train case | 1 |'))!;
  t.match(train1, /convnets-cpu-1t 400 ms, 700 MB \| x2\.00 vs torch-1t \(800 ms, 1000 MB\)/);
  const train2 = lines.find((l) => l.startsWith('| train case | 2 |'))!;
  t.match(train2, /convnets-cpu-2t 250 ms \| x2\.00 vs torch-2t/);
  t.notMatch(train2, /torch-1t/);
  const job = lines.find((l) => l.startsWith('| defaultjob case | 1 |'))!;
  t.match(job, /convnets-wasm-1t 640 img\/s \| x0\.50 vs torch-1t \(1280 img\/s\)/);
  t.notOk(lines.some((l) => l.startsWith('| defaultjob case | 2 |')), 'no row where the peer did not run');
});

t.test('markdown: peak RSS column, per-row speed-ups, error rows say why', async (t) => {
  const md = markdown(results, { command: 'node dist/bench/run.js' });
  t.match(md, /## Training step .*\n\n\| case \| runtime \| median ms \| min-max ms \| ±rme \| CPU ms\/call \| GFLOP\/s \| peak RSS MB \| agrees \| speed-up of ours \|/);
  t.match(md, /\| train case \| convnets-cpu-1t \| 400 \| 400-400 \| 0\.0% \| - \| - \| 700 \| - \| x2\.00 vs torch-1t \|/);
  t.match(md, /\| train case \| convnets-wasm-1t \| 1000 .* x0\.80 vs torch-1t \|/);
  t.match(md, /\| train case \| convnets-wasm-2t \| - .* cannot run: native: conv2d: not implemented \|/);
  t.match(md, /## The default training job.*\n\n\| case \| runtime \| median ms \| min-max ms \| ±rme \| CPU ms\/call \| img\/s \|/);
  t.match(md, /\| defaultjob case \| convnets-wasm-1t \| 100 .* \| 640 \| - \| - \| x0\.50 vs torch-1t \|/);
  t.match(md, /\| defaultjob case \| torch-2t \| - .*cannot run: PyTorch is not installed: \/usr\/bin\/python3 not found \(Debian: apt-get install -y python3-torch\) \|/);
});
