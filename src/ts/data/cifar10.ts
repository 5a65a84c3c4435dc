// CIFAR-10 binary version: data_batch_1..5.bin and test_batch.bin, each record 1 label byte + 3072
// pixel bytes stored planar (1024 R, 1024 G, 1024 B, rows of 32). We convert to NHWC on load.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ConvnetsError } from '../core/backend.js';
import { channelStats, checkDataset } from './dataset.js';
import type { DatasetSplit, ImageDataset } from './dataset.js';

const SIDE = 32, PLANE = SIDE * SIDE, RECORD = 1 + 3 * PLANE;
export const CIFAR10_CLASSES = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'];

/** Parses concatenated records of one or more batch files (each checked separately). */
export function readCifarBatches(files: string[]): ImageDataset {
  const bufs: Uint8Array[] = [];
  let count = 0;
  for (const f of files) {
    let b: Buffer;
    try { b = readFileSync(f); } catch (e) {
      throw new ConvnetsError(`cannot read CIFAR-10 batch ${f}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    if (b.length === 0 || b.length % RECORD !== 0) {
      throw new ConvnetsError(`${f}: not a CIFAR-10 binary batch: ${b.length} bytes is not a whole number of ${RECORD}-byte records (truncated or corrupt)`);
    }
    for (let r = 0; r < b.length; r += RECORD) {
      if (b[r] > 9) throw new ConvnetsError(`${f}: record ${r / RECORD} has label ${b[r]} (expected 0..9): corrupt file`);
    }
    bufs.push(b);
    count += b.length / RECORD;
  }
  const images = new Uint8Array(count * 3 * PLANE);
  const labels = new Uint8Array(count);
  let i = 0;
  for (const b of bufs) {
    for (let r = 0; r < b.length; r += RECORD, i++) {
      labels[i] = b[r];
      const o = i * 3 * PLANE;
      for (let p = 0; p < PLANE; p++) {
        images[o + 3 * p] = b[r + 1 + p];
        images[o + 3 * p + 1] = b[r + 1 + PLANE + p];
        images[o + 3 * p + 2] = b[r + 1 + 2 * PLANE + p];
      }
    }
  }
  return checkDataset({ name: files.length === 1 ? files[0] : `${files[0]} (+${files.length - 1})`, count, height: SIDE, width: SIDE, channels: 3, numClasses: 10, images, labels });
}

/** A cifar-10-batches-bin directory (or its parent). */
export function loadCifar10Dir(dir: string): DatasetSplit {
  let d = dir;
  if (existsSync(join(dir, 'cifar-10-batches-bin'))) d = join(dir, 'cifar-10-batches-bin');
  if (!existsSync(d) || !statSync(d).isDirectory()) throw new ConvnetsError(`cifar10:${dir}: directory does not exist`);
  const trainFiles = [1, 2, 3, 4, 5].map((k) => join(d, `data_batch_${k}.bin`)).filter((f) => existsSync(f));
  const testFile = join(d, 'test_batch.bin');
  if (trainFiles.length === 0) throw new ConvnetsError(`cifar10:${dir}: no data_batch_<k>.bin files in ${d}`);
  if (!existsSync(testFile)) throw new ConvnetsError(`cifar10:${dir}: no test_batch.bin in ${d}`);
  const train = readCifarBatches(trainFiles);
  const test = readCifarBatches([testFile]);
  return { train, test, ...channelStats(train) };
}
