// `convnets predict` / `export` with weight names and .pth files, and the silent-wrong-result cases of
// issue 15 that concern weights (loading nothing, integer or NaN data, non-finite outputs, training
// checkpoints, an absurd --input-size): each a clear error, or the documented behaviour.
import t from 'tap';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { initBackend } from '../../src/ts/core/registry.js';
import { manualSeed } from '../../src/ts/nn/index.js';
import { createModel } from '../../src/architectures/index.js';
import { runPredictCli } from './predict-cli.js';
import { encodeSafetensors, writeSafetensorsFile } from '../../src/ts/io/safetensors.js';
import { loadWeightsFile, saveSafetensorsWeights, stateDictEntries } from '../../src/ts/io/torchvision.js';
import { createOptimizer } from '../../src/ts/train/optim.js';
import { CHECKPOINT_FORMAT, fit } from '../../src/ts/train/trainer.js';
import { quadrantSplit, tinyNet } from '../train/fixtures.js';

const FIX = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'pth');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'convnets-predict-w-'));
t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
const scene = path.join(FIX, 'scene.png');

const run = runPredictCli;

await initBackend('js');
manualSeed(4);
const small = createModel('mobilenet_v3_small', { inputSize: 32 });
const good = path.join(dir, 'good.safetensors');
saveSafetensorsWeights(small, good);
const common = ['-m', 'mobilenet_v3_small', '--input-size', '32', '-b', 'js'];

/** A safetensors file of the model's state dict with one tensor replaced by raw bytes of `dtype`. */
function withTensor(name: string, dtype: string, bytes: Uint8Array, file: string): void {
  const entries = stateDictEntries(small);
  const enc = encodeSafetensors(entries.filter((e) => e.name !== name));
  const hlen = Number(new DataView(enc.buffer, enc.byteOffset).getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(enc.subarray(8, 8 + hlen))) as Record<string, unknown>;
  const data = enc.subarray(8 + hlen);
  const shape = entries.find((e) => e.name === name)!.shape;
  header[name] = { dtype, shape, data_offsets: [data.length, data.length + bytes.length] };
  let h = new TextEncoder().encode(JSON.stringify(header));
  const pad = (8 - (h.length % 8)) % 8; h = new TextEncoder().encode(JSON.stringify(header) + ' '.repeat(pad));
  const out = new Uint8Array(8 + h.length + data.length + bytes.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(h.length), true);
  out.set(h, 8); out.set(data, 8 + h.length); out.set(bytes, 8 + h.length + data.length);
  fs.writeFileSync(file, out);
}

t.test('--no-strict with another model\'s file is an error, not "loaded 0 tensors"', async (t) => {
  await t.rejects(run(['predict', '-m', 'squeezenet1_1', '-w', good, '--no-strict', '-b', 'js', scene]),
    /none of the file's \d+ tensors matches the model's 52/);
});

t.test('integer data for float parameters is refused, naming the tensor', async (t) => {
  const n = 16 * 3 * 3 * 3; // features.0.0.weight of mobilenet_v3_small: [16, 3, 3, 3]
  const ints = new Int32Array(n).map((_, i) => (i % 7) - 3);
  const f = path.join(dir, 'i32.safetensors');
  withTensor('features.0.0.weight', 'I32', new Uint8Array(ints.buffer), f);
  await t.rejects(run(['predict', ...common, '-w', f, scene]), /features\.0\.0\.weight: stored as I32, the model's tensor is float/);
  // The same bytes relabelled as F32 (issue 15's case): every non-zero value is a subnormal.
  const g = path.join(dir, 'relabelled.safetensors');
  withTensor('features.0.0.weight', 'F32', new Uint8Array(new Int32Array(n).map((_, i) => 1 + (i % 50)).buffer), g);
  await t.rejects(run(['predict', ...common, '-w', g, scene]), /features\.0\.0\.weight: every non-zero value is subnormal \(integer data labelled as float\?\)/);
});

t.test('NaN weights and non-finite outputs are errors, never "NaN%"', async (t) => {
  const f = path.join(dir, 'nan.safetensors');
  const w = new Float32Array(16 * 27).fill(0.1); w[5] = NaN; w[9] = Infinity;
  withTensor('features.0.0.weight', 'F32', new Uint8Array(w.buffer), f);
  await t.rejects(run(['predict', ...common, '-w', f, scene]), /features\.0\.0\.weight: 2 of 432 values are NaN or infinite/);
  // Finite weights whose output overflows float32.
  const big = createModel('mobilenet_v3_small', { inputSize: 32 });
  const param = (name: string) => [...big.namedParameters()].find(([n]) => n === name)![1].value;
  // Rows of alternating sign make half the hidden units huge whatever the features; the last layer overflows.
  const hidden = param('classifier.0.weight');
  hidden.set(new Float32Array(hidden.size).map((_, i) => (Math.floor(i / hidden.shape[1]) % 2 ? 1e20 : -1e20)));
  const fc = param('classifier.3.weight');
  fc.set(new Float32Array(fc.size).fill(3e38));
  const g = path.join(dir, 'overflow.safetensors');
  saveSafetensorsWeights(big, g);
  await t.rejects(run(['predict', ...common, '-w', g, scene]), /mobilenet_v3_small: output for .*scene\.png is not finite/);
});

t.test('a convnets training checkpoint loads, its optimizer state skipped by design', async (t) => {
  // A real checkpoint written by fit() ...
  const ck = path.join(dir, 'fit.ckpt');
  await fit(tinyNet(), quadrantSplit(32, 16), { epochs: 1, batchSize: 16, lr: 0.01, progress: 'none', seed: 1, optimizer: 'adamw', checkpoint: ck });
  const rep = loadWeightsFile(tinyNet(9), ck);
  t.ok(rep.loaded.length > 0 && rep.unexpected.length === 0, `loaded ${rep.loaded.length}`);
  t.ok(rep.ignored.some((k) => /^optim\..*exp_avg$/.test(k)), 'optimizer state ignored');
  // ... and the same layout for a registered model through the CLI.
  const opt = createOptimizer('adamw', small, { lr: 0.001 });
  const entries = [...small.namedParameters()].map(([name, p]) => ({ name, shape: [...p.value.shape], data: p.value.toFloat32() }))
    .concat([...small.namedBuffers()].map(([name, b]) => ({ name, shape: [...b.shape], data: b.toFloat32() })))
    .concat([...opt.namedState()].map(([name, s]) => ({ name, shape: [...s.shape], data: s.toFloat32() })));
  const mk = path.join(dir, 'mobilenet.ckpt');
  writeSafetensorsFile(mk, entries, { format: CHECKPOINT_FORMAT, model: 'mobilenet_v3_small', optimizer: 'adamw', epoch: '1', step: '1', seed: '1' });
  const { out, err } = await run(['predict', ...common, '-w', mk, '--json', scene]);
  t.match(err, /loaded \d+ tensors from .*mobilenet\.ckpt \(convnets layout; \d+ ignored\)/);
  t.equal(JSON.parse(out)[0].top.length, 5);
});

t.test('--input-size 20000 is refused up front with the estimate', async (t) => {
  const t0 = Date.now();
  await t.rejects(run(['predict', '-m', 'squeezenet1_1', '--input-size', '20000', '-b', 'js', scene]), /GiB of activations \(estimated from the model summary\)/);
  await t.rejects(run(['predict', '-m', 'squeezenet1_1', '--input-size', '20000', '--max-memory', '100', '-b', 'js', scene]), /over the 0\.1 GiB limit/);
  // Exponent notation is refused by the shared integer parser (cli/options.ts) before any estimate.
  await t.rejects(run(['predict', '-m', 'squeezenet1_1', '--input-size', '1e9', '-b', 'js', scene]), /--input-size must be a positive integer, got '1e9'/);
  t.ok(Date.now() - t0 < 15_000);
});

t.test('predict and export take .pth files and weight names', async (t) => {
  // A real torch.save file under its published name: the published transforms are used.
  const file = path.join(dir, 'squeezenet1_1-b8a52dc0.pth');
  fs.copyFileSync(path.join(FIX, 'squeezenet1_1_f16.pth'), file);
  const { out, err } = await run(['predict', '-m', 'squeezenet1_1', '-w', file, '--input-size', '64', '-k', '2', '-b', 'js', scene]);
  t.match(err, /loaded 52 tensors from .*squeezenet1_1-b8a52dc0\.pth \(torchvision layout\)/);
  t.match(err, /preprocessing: resize 73 \(bilinear\), crop 64, mean \[0\.485, 0\.456, 0\.406\]/);
  t.equal(out.split('\n').length, 3, 'image line + 2 classes');
  const onnx = path.join(dir, 'sq.onnx');
  const ex = await run(['export', 'squeezenet1_1', '--onnx', onnx, '-w', file, '--input-size', '64', '-b', 'js']);
  t.match(ex.out, /wrote .*sq\.onnx/);
  process.env.CONVNETS_HOME = path.join(dir, 'home'); process.env.TORCH_HOME = path.join(dir, 'torch');
  try {
    await t.rejects(run(['predict', '-m', 'resnet50', '-w', 'IMAGENET1K_V2', '--offline', '-b', 'js', scene]),
      new RegExp(`download https://download\\.pytorch\\.org/models/resnet50-11ad3fa6\\.pth and put it at ${dir}/home/weights/resnet50-11ad3fa6\\.pth \\(or ${dir}/torch/hub/checkpoints/resnet50-11ad3fa6\\.pth`));
    await t.rejects(run(['predict', '-m', 'resnet18', '-w', 'IMAGENET1K_V2', '--offline', '-b', 'js', scene]), /no weights 'IMAGENET1K_V2'/);
  } finally {
    delete process.env.CONVNETS_HOME; delete process.env.TORCH_HOME;
  }
  await t.rejects(run(['predict', ...common, '-w', '/dev/zero', scene]), /not a regular file/);
});
