import t from 'tap';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import '../../src/ts/backends/js/index.js';
import { ConvnetsError } from '../../src/ts/core/backend.js';
import { initBackend } from '../../src/ts/core/registry.js';
import {
  IMAGENET_MEAN, IMAGENET_STD, imagenetClasses, imagenetPreprocess, loadImageBatch, loadImagePixels, topK,
} from '../../src/ts/io/images.js';

await initBackend('js');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'convnets-img-'));
t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));

/** w x h RGB image: left half `a`, right half `b`. */
async function twoTone(file: string, w: number, h: number, a: number[], b: number[]): Promise<void> {
  const px = Buffer.alloc(w * h * 3);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) px.set(x < w / 2 ? a : b, (y * w + x) * 3);
  await sharp(px, { raw: { width: w, height: h, channels: 3 } }).png().toFile(file);
}

t.test('ImageNet presets follow torchvision', async (t) => {
  t.same(imagenetPreprocess('resnet50', 224), { resize: 256, crop: 224, mean: IMAGENET_MEAN, std: IMAGENET_STD, channels: 3 });
  t.equal(imagenetPreprocess('inception_v3', 299).resize, 342);
  t.equal(imagenetPreprocess('inception_v3', 299).crop, 299);
});

t.test('solid colour: exact normalisation, NHWC batch', async (t) => {
  const f = path.join(dir, 'solid.png');
  await sharp({ create: { width: 50, height: 30, channels: 3, background: { r: 255, g: 128, b: 0 } } }).png().toFile(f);
  const p = { resize: 20, crop: 16, mean: IMAGENET_MEAN, std: IMAGENET_STD, channels: 3 };
  const x = await loadImageBatch([f, f], p);
  t.same(x.shape, [2, 16, 16, 3]);
  const d = x.toFloat32();
  const want = [255, 128, 0].map((v, k) => Math.fround((v / 255 - IMAGENET_MEAN[k]) / IMAGENET_STD[k]));
  t.same([...d.subarray(0, 3)], want);
  t.same([...d.subarray(d.length - 3)], want);
});

t.test('shorter side resized, centre crop keeps the middle of the longer side', async (t) => {
  const f = path.join(dir, 'wide.png');
  await twoTone(f, 64, 32, [255, 0, 0], [0, 0, 255]);
  // 64x32 -> 32x16, crop 16 from x = 8..23: columns 0..7 red, 8..15 blue (boundary pixel blended).
  const px = await loadImagePixels(f, { resize: 16, crop: 16, mean: [0, 0, 0], std: [1, 1, 1], channels: 3 });
  t.equal(px.length, 16 * 16 * 3);
  const at = (x: number, y: number) => [...px.subarray((y * 16 + x) * 3, (y * 16 + x) * 3 + 3)];
  t.same(at(0, 0), [255, 0, 0]);
  t.same(at(6, 8), [255, 0, 0]);
  t.same(at(9, 8), [0, 0, 255]);
  t.same(at(15, 15), [0, 0, 255]);
  // Portrait: the crop is vertical.
  const g = path.join(dir, 'tall.png');
  await sharp({ create: { width: 20, height: 60, channels: 4, background: { r: 10, g: 20, b: 30, alpha: 0.5 } } }).png().toFile(g);
  const q = await loadImagePixels(g, { resize: 10, crop: 8, mean: [0, 0, 0], std: [1, 1, 1], channels: 3 });
  t.equal(q.length, 8 * 8 * 3, 'alpha dropped');
});

t.test('bad input is a ConvnetsError', async (t) => {
  const p = imagenetPreprocess('resnet18', 224);
  await t.rejects(loadImagePixels(path.join(dir, 'nope.jpg'), p), ConvnetsError);
  const junk = path.join(dir, 'junk.jpg');
  fs.writeFileSync(junk, 'not an image at all');
  await t.rejects(loadImagePixels(junk, p), /cannot decode/);
  await t.rejects(loadImagePixels(junk, { ...p, crop: 300 }), /larger than the resize/);
  await t.rejects(loadImageBatch([], p), /no images/);
});

t.test('class names and top-k', async (t) => {
  const names = imagenetClasses();
  t.equal(names.length, 1000);
  t.equal(names[0], 'tench');
  t.equal(names[281], 'tabby');
  t.equal(names[999], 'toilet tissue');
  const top = topK(Float32Array.from([0, 2, 1, 0, 0, 5]), 2, 3, 2);
  t.same(top[0].map((e) => e.index), [1, 2]);
  t.same(top[1].map((e) => e.index), [2, 0]);
  t.ok(Math.abs(top[0][0].prob - Math.exp(2) / (1 + Math.exp(2) + Math.E)) < 1e-6);
});
