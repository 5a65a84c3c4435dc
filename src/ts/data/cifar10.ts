// CIFAR-10 binary version: data_batch_1..5.bin and test_batch.bin, each record 1 label byte + 3072
// pixel bytes stored planar (1024 R, 1024 G, 1024 B, rows of 32). We convert to NHWC on load.
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ConvnetsError } from '../core/backend.js';
import { safeText } from '../core/text.js';
import { closeFile, openRegularFile, readRange } from '../io/files.js';
import { channelStats, checkDataset } from './dataset.js';
import type { DatasetSplit, ImageDataset } from './dataset.js';

const SIDE = 32, PLANE = SIDE * SIDE, RECORD = 1 + 3 * PLANE;
/** The real set has 60,000 images; a reader holding more than this is reading something else. */
export const MAX_RECORDS = 1_000_000;
export const CIFAR10_CLASSES = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'];

/** Parses concatenated records of one or more batch files (each checked separately). */
export function readCifarBatches(files: string[]): ImageDataset {
  const bufs: Uint8Array[] = [];
  if (!Array.isArray(files) || files.length === 0) throw new ConvnetsError('CIFAR-10: no batch files given');
  let count = 0;
  for (const f of files) {
    // Regular file and size checked before a byte of data is read.
    const fh = openRegularFile(f, 'CIFAR-10 batch');
    let b: Uint8Array;
    try {
      if (fh.size === 0 || fh.size % RECORD !== 0) {
        throw new ConvnetsError(`${safeText(f, 200)}: not a CIFAR-10 binary batch: ${fh.size} bytes is not a whole number of ${RECORD}-byte records (truncated or corrupt)`);
      }
      if (count + fh.size / RECORD > MAX_RECORDS) {
        throw new ConvnetsError(`${safeText(f, 200)}: ${fh.size / RECORD} records would bring the CIFAR-10 set past ${MAX_RECORDS} images (not a CIFAR-10 batch?)`);
      }
      b = readRange(fh, 0, fh.size, 'CIFAR-10 batch');
    } finally {
      closeFile(fh);
    }
    for (let r = 0; r < b.length; r += RECORD) {
      if (b[r] > 9) throw new ConvnetsError(`${safeText(f, 200)}: record ${r / RECORD} has label ${b[r]} (expected 0..9): corrupt file`);
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
  if (!existsSync(d) || !statSync(d).isDirectory()) throw new ConvnetsError(`cifar10:${safeText(dir, 200)}: directory does not exist`);
  const trainFiles = [1, 2, 3, 4, 5].map((k) => join(d, `data_batch_${k}.bin`)).filter((f) => existsSync(f));
  const testFile = join(d, 'test_batch.bin');
  if (trainFiles.length === 0) throw new ConvnetsError(`cifar10:${safeText(dir, 200)}: no data_batch_<k>.bin files in ${d}`);
  if (!existsSync(testFile)) throw new ConvnetsError(`cifar10:${safeText(dir, 200)}: no test_batch.bin in ${d}`);
  const train = readCifarBatches(trainFiles);
  const test = readCifarBatches([testFile]);
  return { train, test, ...channelStats(train) };
}
