// classifier() / decodePredictions and the weights' eval transforms, measured against the Pillow and
// torchvision tensor references of the fixture script (scene.png).
import t from 'tap';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import '../../src/ts/backends/js/index.js';
import { ConvnetsError } from '../../src/ts/core/backend.js';
import { initBackend } from '../../src/ts/core/registry.js';
import { Tensor } from '../../src/ts/core/tensor.js';
import { readSafetensorsFile } from '../../src/ts/io/safetensors.js';
import { IMAGENET_MEAN, IMAGENET_STD, loadImageBatch, loadImagePixels } from '../../src/ts/io/images.js';
import type { Preprocess } from '../../src/ts/io/images.js';
import { classifier, createPretrainedModel, decodePredictions, estimateInferenceBytes } from '../../src/ts/predict/classify.js';
import { createModel } from '../../src/architectures/index.js';

await initBackend('js');
const FIX = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'pth');
const scene = path.join(FIX, 'scene.png');
const ref = readSafetensorsFile(path.join(FIX, 'scene.expected.safetensors')).tensors;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'convnets-classify-'));
t.teardown(() => fs.rmSync(tmp, { recursive: true, force: true }));

const pre = (interpolation: 'bilinear' | 'bicubic', resize: number, crop: number, resample: 'pil' | 'tensor'): Preprocess =>
  ({ resize, crop, interpolation, resample, mean: IMAGENET_MEAN, std: IMAGENET_STD, channels: 3 });

t.test('resize + crop equal Pillow exactly, and torchvision\'s tensor path within one level', async (t) => {
  for (const [interp, resize, crop] of [['bilinear', 48, 40], ['bilinear', 24, 20], ['bicubic', 56, 48], ['bicubic', 160, 150]] as const) {
    const k = `${interp}_${resize}_${crop}`;
    const pil = await loadImagePixels(scene, pre(interp, resize, crop, 'pil'));
    t.same(Array.from(pil), Array.from(ref.get(`pil_${k}`)!.data), `${k}: bit-exact with PIL`);
    const ten = await loadImagePixels(scene, pre(interp, resize, crop, 'tensor'));
    const want = ref.get(`tensor_${k}`)!.data;
    let worst = 0; let off = 0;
    for (let i = 0; i < ten.length; i++) { const d = Math.abs(ten[i] - want[i]); worst = Math.max(worst, d); if (d) off++; }
    t.ok(worst <= 1 && off / ten.length < 1e-3, `${k}: tensor mode vs torchvision antialias=True: max ${worst}, ${off}/${ten.length} differ`);
  }
});

t.test('the whole eval transform equals torchvision ImageClassification on a PIL image', async (t) => {
  const x = await loadImageBatch([scene], pre('bilinear', 58, 56, 'pil'));
  const got = x.toFloat32(); const want = ref.get('transform_bilinear_58_56')!.data;
  let worst = 0;
  for (let i = 0; i < got.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]));
  t.ok(worst < 1e-5, `max |difference| ${worst.toExponential(2)} (float rounding of the normalisation only)`);
  t.same(x.shape, [1, 56, 56, 3]);
  // Encoded bytes work like a path.
  t.same(Array.from((await loadImageBatch([fs.readFileSync(scene)], pre('bilinear', 58, 56, 'pil'))).toFloat32()), Array.from(got));
});

t.test('decodePredictions: softmax, order, labels, errors', async (t) => {
  const logits = new Float32Array(1000); logits[7] = 5; logits[3] = 4; logits[999] = 4;
  const [row] = decodePredictions(logits, 3);
  t.same(row.map((p) => p.index), [7, 3, 999], 'ties keep index order');
  t.equal(row[0].label, 'cock');
  const e = Math.exp(5) + 2 * Math.exp(4) + 997;
  t.ok(Math.abs(row[0].probability - Math.exp(5) / e) < 1e-12);
  const two = decodePredictions(Tensor.from(new Float32Array([0, 1, 2, 2, 1, 0]), [2, 3]), 2, { labels: ['a', 'b', 'c'] });
  t.same(two.map((r) => r.map((p) => p.label)), [['c', 'b'], ['a', 'b']]);
  t.same(decodePredictions(new Float32Array([1, 0]), 5, { classes: 2 })[0].map((p) => p.label), ['class 0', 'class 1']);
  t.throws(() => decodePredictions(new Float32Array([NaN, 0]), 1, { classes: 2 }), /non-finite logits/);
  t.throws(() => decodePredictions(new Float32Array(5), 1, { classes: 2 }), /are not rows of 2 classes/);
  t.throws(() => decodePredictions(new Float32Array(2), 0, { classes: 2 }), /k must be a positive integer/);
});

t.test('classifier: one call, a file of real torch.save weights, batching equals one by one', async (t) => {
  // The published file name selects the published transforms (256 / 224 bilinear for squeezenet1_1).
  const file = path.join(tmp, 'squeezenet1_1-b8a52dc0.pth');
  fs.copyFileSync(path.join(FIX, 'squeezenet1_1_f16.pth'), file);
  const clf = await classifier('squeezenet1_1', { weights: file, batchSize: 2, backend: 'js', preprocess: { crop: 64 } });
  t.match(clf.preprocess, { resize: 73, crop: 64, interpolation: 'bilinear', resample: 'pil' }, '256/224 ratio kept at crop 64');
  t.equal(clf.weights?.info?.name, 'IMAGENET1K_V1');
  const png = fs.readFileSync(scene);
  const one = await clf.classify(scene, { topK: 3 });
  t.equal(one.length, 3);
  t.ok(one[0].probability >= one[1].probability && one[1].probability >= one[2].probability);
  t.equal(typeof one[0].label, 'string');
  const many = await clf.classify([scene, png, scene], { topK: 3 });
  t.equal(many.length, 3);
  for (const r of many) t.same(r.map((p) => p.index), one.map((p) => p.index), 'same in a batch as alone');
  // Against a manual forward of the same preprocessed input.
  const x = await loadImageBatch([scene], clf.preprocess);
  const manual = decodePredictions(clf.model.forward(x, { training: false }), 3)[0];
  t.same(one, manual);
  clf.dispose();
});

t.test('memory is estimated before anything large is allocated (issue 15: --input-size 20000)', async (t) => {
  const rss0 = process.memoryUsage().rss; const t0 = Date.now();
  await t.rejects(classifier('squeezenet1_1', { weights: null, preprocess: { crop: 20000 } }),
    /squeezenet1_1 at 20000x20000, batch 8: about \d+\.\d GiB of activations \(estimated from the model summary\), over the/);
  t.ok(Date.now() - t0 < 10_000, 'refused quickly');
  t.ok(process.memoryUsage().rss - rss0 < 500 * 2 ** 20, 'without allocating the input');
  const m = createModel('squeezenet1_1', { init: 'none' });
  t.ok(estimateInferenceBytes(m, 1, 224) < estimateInferenceBytes(m, 2, 224), 'grows with the batch');
});

t.test('createPretrainedModel: the async createModel(name, { weights })', async (t) => {
  const m = await createPretrainedModel('squeezenet1_1', { weights: path.join(FIX, 'squeezenet1_1_f16.pth') });
  t.equal(m.pretrained.report.loaded.length, 52);
  m.dispose();
  await t.rejects(createPretrainedModel('squeezenet1_1', { weights: 'IMAGENET1K_V1', download: false, dirs: { convnets: path.join(tmp, 'a'), torch: path.join(tmp, 'b') } }),
    new RegExp(`not in the cache \\(offline\\): download https://download.pytorch.org/models/squeezenet1_1-b8a52dc0.pth and put it at ${tmp}/a/squeezenet1_1-b8a52dc0.pth`));
  await t.rejects(createPretrainedModel('resnet18', { weights: 'IMAGENET1K_V2' }), ConvnetsError);
});
