// `convnets train` end to end on a tiny IDX directory written here (8x8 images, js backend), and its
// error paths: missing/corrupt data, corrupt checkpoint, bad flags, a model that cannot take the images.
import t from 'tap';
import { mkdtempSync, mkdirSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeIdx } from '../../src/ts/data/idx.js';
import { quadrants, runTrainCli, writeQuadrantIdx } from './fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'convnets-cli-'));
const data = writeQuadrantIdx(dir);
const train = runTrainCli;

t.test('trains, writes a checkpoint, resumes, prints JSON last', async (t) => {
  const ck = join(dir, 'ck.safetensors');
  const out = await train('--data', `idx:${data}`, '--epochs', '2', '--batch', '16', '--json', '--checkpoint', ck, '--seed', '3', '--metrics', join(dir, 'm'));
  const lines = out.trim().split('\n');
  const r = JSON.parse(lines[lines.length - 1]);
  t.equal(r.model, 'resnet_digits');
  t.equal(r.epochs, 2);
  t.equal(r.steps, 8);
  t.equal(r.backend, 'js');
  for (const k of ['testAccuracy', 'seconds', 'imagesPerSecond']) t.type(r[k], 'number', k);
  t.ok(r.testAccuracy >= 0 && r.testAccuracy <= 1);
  t.ok(existsSync(ck) && existsSync(join(dir, 'm.csv')));
  t.match(out, /epoch 2\/2 done/);
  const again = await train('--data', `idx:${data}`, '--epochs', '3', '--batch', '16', '--json', '--resume', ck, '--seed', '3');
  const r2 = JSON.parse(again.trim().split('\n').pop()!);
  t.equal(r2.epochs, 3);
  t.equal(r2.steps, 12);
  t.match(again, /resumed from .*ck.safetensors: epoch 2, step 8/);
});

t.test('errors the user can fix', async (t) => {
  await t.rejects(train('--data', `idx:${join(dir, 'nope')}`), /idx:.*nope: directory does not exist/);
  await t.rejects(train('--data', 'imagenet'), /--data must be mnist, idx:<dir>, cifar10:<dir> or folder:<dir>/);
  await t.rejects(train('--data', 'cifar10:'), /give the directory/);
  await t.rejects(train('--optimizer', 'lamb'), /--optimizer must be sgd or adamw/);
  await t.rejects(train('--epochs', 'x'), /--epochs must be an integer/);
  await t.rejects(train('--crop-padding', '-1'), /--crop-padding must be an integer in \[0, 64\]/);
  const bad = join(dir, 'bad');
  mkdirSync(bad);
  for (const f of ['train-labels-idx1-ubyte', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte']) writeFileSync(join(bad, f), encodeIdx([1], new Uint8Array(1)));
  writeFileSync(join(bad, 'train-images-idx3-ubyte'), encodeIdx([64, 8, 8], quadrants(64, 1).images).subarray(0, 500));
  await t.rejects(train('--data', `idx:${bad}`), /bad.train-images-idx3-ubyte: truncated IDX file/);
  writeFileSync(join(dir, 'corrupt.safetensors'), new Uint8Array([200, 0, 0, 0, 0, 0, 0, 0, 123]));
  await t.rejects(train('--data', `idx:${data}`, '--resume', join(dir, 'corrupt.safetensors'), '--epochs', '1'), /corrupt.safetensors/);
  // squeezenet cannot shrink to 8x8 images: refused before any training
  await t.rejects(train('--data', `idx:${data}`, '--model', 'squeezenet1_1', '--epochs', '1'), /squeezenet1_1.*8x8/);
  await t.rejects(train('--data', `idx:${data}`, '--model', 'resnet_nope'), /unknown model 'resnet_nope'/);
});
