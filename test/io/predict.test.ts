// `convnets export` and `convnets predict`, driven through commander as the CLI runs them.
import t from 'tap';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { ConvnetsError } from '../../src/ts/core/backend.js';
import { initBackend } from '../../src/ts/core/registry.js';
import { manualSeed } from '../../src/ts/nn/index.js';
import { createModel } from '../../src/architectures/index.js';
import { runPredictCli } from './predict-cli.js';
import { decodeOnnx } from '../../src/ts/io/onnx.js';
import { loadImageBatch, imagenetPreprocess } from '../../src/ts/io/images.js';
import { loadSafetensorsWeights, saveSafetensorsWeights } from '../../src/ts/io/torchvision.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'convnets-cli-'));
t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));

const run = runPredictCli;

await initBackend('js');
manualSeed(3);
const model = createModel('mobilenet_v3_small', { numClasses: 1000, inputSize: 32 });
const weights = path.join(dir, 'w.safetensors');
saveSafetensorsWeights(model, weights);
const img = path.join(dir, 'cat.png');
await sharp({ create: { width: 48, height: 40, channels: 3, background: { r: 200, g: 90, b: 40 } } }).png().toFile(img);

t.test('predict prints the same top-5 as an in-process forward, with ImageNet names', async (t) => {
  const { out, err } = await run(['predict', '-m', 'mobilenet_v3_small', '-w', weights, '--input-size', '32', '--resize', '36',
    '-b', 'js', '--json', img]);
  t.match(err, /loaded \d+ tensors .*torchvision layout/);
  const res = JSON.parse(out) as { image: string; top: { index: number; probability: number; label: string }[] }[];
  t.equal(res.length, 1);
  t.equal(res[0].top.length, 5);
  // The CLI made its own backend current: rebuild the reference model on it from the same file.
  const ref = createModel('mobilenet_v3_small', { numClasses: 1000, inputSize: 32 });
  loadSafetensorsWeights(ref, weights);
  const x = await loadImageBatch([img], { ...imagenetPreprocess('mobilenet_v3_small', 32), resize: 36 });
  const logits = ref.eval().forward(x, { training: false }).toFloat32();
  const order = [...logits.keys()].sort((a, b) => logits[b] - logits[a]).slice(0, 5);
  t.same(res[0].top.map((e) => e.index), order);
  t.equal(typeof res[0].top[0].label, 'string');
  t.ok(res[0].top[0].probability >= res[0].top[4].probability);
  const text = await run(['predict', '-m', 'mobilenet_v3_small', '-w', weights, '--input-size', '32', '-k', '3', '-b', 'js', img]);
  t.equal(text.out.split('\n').length, 4, 'image line + 3 classes');
});

t.test('export writes an ONNX file with the requested input', async (t) => {
  const file = path.join(dir, 'm.onnx');
  const { out } = await run(['export', 'mobilenet_v3_small', '--onnx', file, '-w', weights, '--input-size', '32', '-b', 'js']);
  t.match(out, /wrote .*m\.onnx/);
  const info = decodeOnnx(fs.readFileSync(file));
  t.equal(info.opset, 17);
  t.ok(info.initializers.some((i) => i.name === 'features.0.0.weight'));
});

t.test('user errors are ConvnetsErrors', async (t) => {
  await t.rejects(run(['predict', '-m', 'resnet5', '-b', 'js', img]), ConvnetsError);
  await t.rejects(run(['predict', '-m', 'resnet18', '-w', weights, '-b', 'js', img]), /load weights/);
  await t.rejects(run(['predict', '-m', 'mobilenet_v3_small', '-w', weights, '--input-size', '32', '-b', 'js', path.join(dir, 'none.jpg')]), /no such file/);
  await t.rejects(run(['predict', '-m', 'mobilenet_v3_small', '-k', 'x', img]), /--top must be a positive integer/);
});
