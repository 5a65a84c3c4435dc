// Image folders: layout and CSV listing, decoding (resize + centre crop, grey -> RGB), class names,
// labels above 255, streamed batches, error messages; and a 300-class folder of 16x16 PNGs trained
// from the API and from the CLI with early stopping, class names saved in the checkpoint.
import t from 'tap';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { Command } from 'commander';
import { JsBackend } from '../../src/ts/backends/js/index.js';
import { setBackend } from '../../src/ts/core/registry.js';
import { isStreamed } from '../../src/ts/data/dataset.js';
import type { StreamedImageDataset } from '../../src/ts/data/dataset.js';
import { loadImageFolder } from '../../src/ts/data/folder.js';
import { DataLoader } from '../../src/ts/data/loader.js';
import { readSafetensorsFile } from '../../src/ts/io/safetensors.js';
import * as nn from '../../src/ts/nn/index.js';
import { EarlyStopping } from '../../src/ts/train/callbacks.js';
import { fit } from '../../src/ts/train/trainer.js';

const be = new JsBackend();
setBackend(be);
const root = mkdtempSync(join(tmpdir(), 'convnets-folder-'));
const CLASSES = 300;

/** Class k: a solid colour from a 7x7x7 grid (distinct for k < 343), plus seeded noise. */
function colour(k: number): [number, number, number] { return [(k % 7) * 40, (Math.floor(k / 7) % 7) * 40, Math.floor(k / 49) * 40]; }
async function png(file: string, k: number, seed: number, size = 16): Promise<void> {
  const px = Buffer.alloc(size * size * 3);
  const c = colour(k);
  for (let i = 0; i < px.length; i++) px[i] = Math.max(0, Math.min(255, c[i % 3] + ((i * 2654435761 + seed * 97) >>> 0) % 21 - 10));
  await sharp(px, { raw: { width: size, height: size, channels: 3 } }).png().toFile(file);
}

const big = join(root, 'big');
const name = (k: number): string => `c${String(k).padStart(3, '0')}`;
t.before(async () => {
  const jobs: Promise<void>[] = [];
  for (let k = 0; k < CLASSES; k++) {
    for (const [part, n] of [['train', 2], ['val', 1]] as const) {
      mkdirSync(join(big, part, name(k)), { recursive: true });
      for (let i = 0; i < n; i++) jobs.push(png(join(big, part, name(k), `${i}.png`), k, i + (part === 'val' ? 10 : 0)));
    }
  }
  await Promise.all(jobs);
});

t.test('train/ + val/ layout: class names sorted, labels as 32-bit indices, pixels decoded', async (t) => {
  const s = await loadImageFolder(big, { size: 16 });
  t.ok(isStreamed(s.train) && isStreamed(s.test), 'streamed: no pixel array in memory');
  t.equal(s.train.count, 2 * CLASSES);
  t.equal(s.test.count, CLASSES);
  t.equal(s.train.numClasses, CLASSES);
  t.same(s.train.classNames?.slice(0, 2), ['c000', 'c001']);
  t.equal(s.train.classNames?.[299], 'c299');
  t.ok(s.train.labels instanceof Int32Array);
  t.equal(Math.max(...s.test.labels), 299, 'labels above 255 survive');
  const buf = new Uint8Array(16 * 16 * 3);
  const ds = s.test as StreamedImageDataset;
  const j = ds.labels.indexOf(298);
  await ds.read([j], buf);
  const mean = [0, 1, 2].map((c) => buf.filter((_, i) => i % 3 === c).reduce((a, b) => a + b, 0) / 256);
  colour(298).forEach((v, c) => t.ok(Math.abs(mean[c] - v) < 6, `channel ${c}: mean ${mean[c].toFixed(1)} ~ ${v}`));
  t.equal(s.mean.length, 3);
});

t.test('class folders with valSplit, a CSV, resizing with a centre crop, greyscale sources', async (t) => {
  const d = join(root, 'small');
  for (const c of ['cat', 'dog']) mkdirSync(join(d, c), { recursive: true });
  // 40x20 image: left half black, right half white; cover-resize to 8x8 keeps the centre 20x20.
  const wide = Buffer.alloc(40 * 20 * 3);
  for (let y = 0; y < 20; y++) for (let x = 20; x < 40; x++) wide.fill(255, (y * 40 + x) * 3, (y * 40 + x) * 3 + 3);
  for (let i = 0; i < 5; i++) await sharp(wide, { raw: { width: 40, height: 20, channels: 3 } }).png().toFile(join(d, 'cat', `${i}.png`));
  for (let i = 0; i < 5; i++) await sharp(Buffer.alloc(100, 200), { raw: { width: 10, height: 10, channels: 1 } }).png().toFile(join(d, 'dog', `${i}.png`));
  writeFileSync(join(d, 'notes.txt'), 'not an image');
  const s = await loadImageFolder(d, { size: 8, valSplit: 0.4 });
  t.same(s.train.classNames, ['cat', 'dog']);
  t.equal(s.test.count, 4, '2 of 5 per class held out');
  t.equal(s.train.count, 6);
  const ds = s.train as StreamedImageDataset;
  const buf = new Uint8Array(8 * 8 * 3);
  await ds.read([ds.labels.indexOf(0)], buf);
  t.ok(buf[0] < 30 && buf[(8 * 8 - 1) * 3] > 225, 'centre crop: left column dark, right column light');
  await ds.read([ds.labels.indexOf(1)], buf);
  t.ok(buf.every((v) => Math.abs(v - 200) <= 1), 'a greyscale PNG becomes 3 equal channels');
  const again = await loadImageFolder(d, { size: 8, valSplit: 0.4 });
  t.same([...again.test.labels], [...s.test.labels], 'the split is fixed');

  writeFileSync(join(d, 'list.csv'), 'path,label\n' + [0, 1, 2, 3, 4].flatMap((i) => [`cat/${i}.png,cat`, `dog/${i}.png,dog`]).join('\n') + '\n');
  const c = await loadImageFolder(join(d, 'list.csv'), { size: 8, valSplit: 0.2, channels: 1 });
  t.same(c.train.classNames, ['cat', 'dog']);
  t.equal(c.train.count + c.test.count, 10);
  t.equal(c.train.channels, 1);
});

t.test('bad folders and files are ConvnetsErrors naming what is wrong', async (t) => {
  const d = join(root, 'bad');
  mkdirSync(join(d, 'train', 'a'), { recursive: true });
  await t.rejects(loadImageFolder(d), /has train\/ but no val\//);
  mkdirSync(join(d, 'val', 'zebra'), { recursive: true });
  await png(join(d, 'train', 'a', '0.png'), 1, 0);
  writeFileSync(join(d, 'val', 'zebra', '0.png'), 'x');
  await t.rejects(loadImageFolder(d), /class 'zebra' is not among the training classes/);
  const e = join(root, 'empty');
  mkdirSync(e);
  await t.rejects(loadImageFolder(e), /no class subfolders/);
  await t.rejects(loadImageFolder(join(root, 'nope.txt')), /neither a folder nor a \.csv/);
  await t.rejects(loadImageFolder(big, { valSplit: 0.1 }), /has a val\/ folder, so valSplit/);
  const broken = join(root, 'broken');
  for (const c of ['a', 'b']) mkdirSync(join(broken, c), { recursive: true });
  for (let i = 0; i < 2; i++) { await png(join(broken, 'a', `${i}.png`), 0, i); await png(join(broken, 'b', `${i}.png`), 5, i); }
  writeFileSync(join(broken, 'b', '2.png'), 'truncated');
  await t.rejects(loadImageFolder(broken, { valSplit: 0.4, mean: [0, 0, 0], std: [1, 1, 1] }).then(async (s) => {
    const l = new DataLoader(s.train, { batchSize: 2, mean: s.mean, std: s.std, backend: be });
    try { for await (const b of l.stream(0)) void b; } finally { l.dispose(); }
  }), /b[/\\]2\.png: cannot decode the image/);
  writeFileSync(join(root, 'bad.csv'), 'path,label\nonly-a-path\n');
  await t.rejects(loadImageFolder(join(root, 'bad.csv')), /bad\.csv:2: expected 'path,label'/);
});

t.test('the loader streams batches with labels and prefetch, the same order as in memory', async (t) => {
  const s = await loadImageFolder(big, { size: 16 });
  const l = new DataLoader(s.train, { batchSize: 64, mean: s.mean, std: s.std, shuffle: true, seed: 3, backend: be });
  const order = l.epochOrder(0).slice();
  const seen: number[] = [];
  for await (const b of l.stream(0)) seen.push(...b.labels.subarray(0, b.size));
  t.same(seen, [...order].map((i) => s.train.labels[i]), 'labels follow the epoch order');
  t.throws(() => [...l.batches(0)], /is streamed: iterate with stream/);
  l.dispose();
});

function smallNet(classes: number): nn.Module {
  nn.manualSeed(1);
  return new nn.Sequential(new nn.Conv2d(3, 8, 3, { padding: 1, stride: 2 }), new nn.BatchNorm2d(8), new nn.ReLU(),
    new nn.GlobalAvgPool2d(), new nn.Flatten(), new nn.Linear(8, classes));
}

t.test('API: 300 classes from a folder, with early stopping and the best weights restored', async (t) => {
  const s = await loadImageFolder(big, { size: 16 });
  const m = smallNet(CLASSES);
  const es = new EarlyStopping({ monitor: 'val_accuracy', patience: 1, restoreBest: true });
  const ck = join(root, 'api.safetensors');
  const r = await fit(m, s, { epochs: 20, batchSize: 32, lr: 0.05, optimizer: 'adamw', schedule: { kind: 'constant' }, progress: 'none', seed: 1, callbacks: [es], checkpoint: ck });
  t.ok(r.testAccuracy > 10 / CLASSES, `held-out accuracy ${(100 * r.testAccuracy).toFixed(1)}% is well above chance (${(100 / CLASSES).toFixed(2)}%)`);
  t.ok(r.history.length < 20 && es.stoppedEpoch === r.history.length, `stopped early at epoch ${es.stoppedEpoch}`);
  t.equal(r.testAccuracy, es.bestValue, 'the returned score is that of the restored best epoch');
  const meta = readSafetensorsFile(ck).metadata;
  t.same(JSON.parse(meta.classNames).slice(297), ['c297', 'c298', 'c299'], 'class names saved in the checkpoint');
  m.dispose();
});

t.test('CLI: --data folder:<dir> with --early-stopping and --json', async (t) => {
  const { register } = await import('../../src/ts/cli/train.js');
  const p = new Command('convnets').exitOverride();
  register(p);
  let out = '';
  const w = process.stdout.write.bind(process.stdout), ew = process.stderr.write.bind(process.stderr);
  process.stdout.write = ((x: string) => { out += x; return true; }) as typeof process.stdout.write;
  process.stderr.write = (() => true) as typeof process.stderr.write;
  const ck = join(root, 'cli.safetensors');
  try {
    await p.parseAsync(['node', 'convnets', 'train', '--backend', 'js', '--data', `folder:${big}`, '--image-size', '16', '--epochs', '3', '--batch', '32', '--limit', '256',
      '--early-stopping', '0', '--schedule', 'constant', '--lr', '0.01', '--no-augment', '--checkpoint', ck, '--json']);
  } finally {
    process.stdout.write = w; process.stderr.write = ew;
  }
  const r = JSON.parse(out.trim().split('\n').pop()!);
  t.equal(r.classes, CLASSES);
  t.ok(r.epochs >= 1 && r.epochs <= 3, `${r.epochs} epochs`);
  t.ok(Number.isFinite(r.testAccuracy));
  t.equal(JSON.parse(readSafetensorsFile(ck).metadata.classNames).length, CLASSES);
});

t.test('without sharp installed: a ConvnetsError naming sharp, raised when a folder is opened', async (t) => {
  const { spawnSync } = await import('node:child_process');
  const { fileURLToPath, pathToFileURL } = await import('node:url');
  const hook = fileURLToPath(new URL('../helpers/unresolvable.mjs', import.meta.url));
  const script = join(root, 'nosharp.mjs');
  // Importing the module must not need sharp (it loads lazily); opening a folder must say what is missing.
  writeFileSync(script, `const m = await import(${JSON.stringify(pathToFileURL(fileURLToPath(new URL('../../src/ts/data/folder.ts', import.meta.url))).href)});
try { await m.loadImageFolder(${JSON.stringify(big)}, { size: 16 }); console.log('no error'); } catch (e) { console.log(e.name + ': ' + e.message); }\n`);
  const r = spawnSync(process.execPath, [...process.execArgv, '--import', hook, script], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, CONVNETS_TEST_UNRESOLVABLE: '^sharp$' } });
  t.match(r.stdout, /ConvnetsError: images \(image files, image folders\) are decoded with the 'sharp' package, which could not be loaded .*npm install sharp/, r.stderr);
});
