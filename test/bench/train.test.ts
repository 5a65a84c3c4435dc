// The training-step suite (bench/suites/train.ts): ours in a process of its own (bench/train-memory)
// gives the step times and its peak RSS, a failing case is a row with its reason, and the torch peer
// runs once per thread count (a fake peer here: the protocol, not torch).
import t from 'tap';
import { fileURLToPath } from 'node:url';
import { ourTrainStep, trainSuite } from '../../bench/suites/train.js';

const fake = fileURLToPath(new URL('./fixtures/fake-torch-peer.mjs', import.meta.url));

t.test('our step in its own process: timed steps and peak RSS; a bad case is an error row', async (t) => {
  const r = await ourTrainStep('wasm', 1, 'resnet_digits', 2, 28, 2, 1);
  t.equal(r.error, undefined, String(r.error));
  t.equal(r.timing!.samples, 2, 'the warm-up step is not timed');
  t.ok(r.timing!.median > 0 && r.peakRssMB! > 10);
  const bad = await ourTrainStep('wasm', 1, 'no_such_model', 2, 28, 1, 1);
  t.equal(bad.timing, undefined);
  t.match(bad.error, /no_such_model/);
});

t.test('peers: torch at each thread count with the same batch and size, onnxruntime inference-only', async (t) => {
  const rows = await trainSuite([], {
    models: ['mobilenet_v2'], batches: [8, 32], threads: [1, 2], peers: ['torch', 'ort-node', 'tfjs-cpu'], steps: 3, warmup: 1,
    torch: { python: process.execPath, script: fake, env: { FAKE_TORCH_MODE: 'ok' } },
  });
  t.same(rows.map((r) => `${r.case} ${r.runtime}`), [
    'mobilenet_v2 224 b8 torch-1t', 'mobilenet_v2 224 b8 torch-2t', 'mobilenet_v2 224 b8 ort-node-1t', 'mobilenet_v2 224 b8 tfjs-cpu',
    'mobilenet_v2 224 b32 torch-1t', 'mobilenet_v2 224 b32 torch-2t', 'mobilenet_v2 224 b32 ort-node-1t', 'mobilenet_v2 224 b32 tfjs-cpu',
  ]);
  t.equal(rows[5].peakRssMB, 321.5);
  t.equal(rows[1].timing!.median, 20);
  t.equal(rows[1].threads, 2);
  t.match(rows[2].error, /onnxruntime-node is inference-only/);
});
