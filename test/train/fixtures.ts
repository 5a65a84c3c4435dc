// Shared fixtures of the training tests: a synthetic 4-class 8x8 set (a bright quadrant per class,
// plus seeded noise) that a tiny conv net learns in a few steps, and that tiny net.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { Rng } from '../../src/ts/core/random.js';
import { register } from '../../src/ts/cli/train.js';
import { encodeIdx } from '../../src/ts/data/idx.js';
import type { DatasetSplit, ImageDataset } from '../../src/ts/data/dataset.js';
import * as nn from '../../src/ts/nn/index.js';

export function quadrants(count: number, seed: number, name = 'quadrants'): ImageDataset {
  const r = new Rng(seed);
  const images = new Uint8Array(count * 64), labels = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const c = r.int(4);
    labels[i] = c;
    const qy = c >> 1, qx = c & 1;
    for (let y = 0; y < 8; y++) for (let x = 0; x < 8; x++) {
      const inQ = (y >> 2) === qy && (x >> 2) === qx;
      images[i * 64 + y * 8 + x] = Math.min(255, (inQ ? 150 : 20) + r.int(90));
    }
  }
  return { name, count, height: 8, width: 8, channels: 1, numClasses: 4, images, labels };
}

export function quadrantSplit(nTrain = 96, nTest = 48): DatasetSplit {
  return { train: quadrants(nTrain, 1, 'quadrants-train'), test: quadrants(nTest, 2, 'quadrants-test'), mean: [0.3], std: [0.2] };
}

/** conv-bn-relu (stride 2) -> dropout -> flatten -> linear: params, BN buffers and a seeded dropout. */
export function tinyNet(seed = 7, classes = 4, dropout = 0.2): nn.Module {
  nn.manualSeed(seed);
  return new nn.Sequential(
    new nn.Conv2d(1, 4, 3, { padding: 1, stride: 2, bias: false }), new nn.BatchNorm2d(4), new nn.ReLU(),
    new nn.Dropout(dropout), new nn.Flatten(), new nn.Linear(64, classes));
}

/** Writes the quadrants as an MNIST-layout IDX directory (64 train, 32 test) under `dir`; returns it. */
export function writeQuadrantIdx(dir: string): string {
  const data = join(dir, 'q');
  mkdirSync(data);
  const tr = quadrants(64, 1), te = quadrants(32, 2);
  writeFileSync(join(data, 'train-images-idx3-ubyte'), encodeIdx([64, 8, 8], tr.images));
  writeFileSync(join(data, 'train-labels-idx1-ubyte'), encodeIdx([64], Uint8Array.from(tr.labels)));
  writeFileSync(join(data, 't10k-images-idx3-ubyte'), encodeIdx([32, 8, 8], te.images));
  writeFileSync(join(data, 't10k-labels-idx1-ubyte'), encodeIdx([32], Uint8Array.from(te.labels)));
  return data;
}

/** Runs `convnets train --backend js ...args` in this process, capturing stdout and stderr together. */
export async function runTrainCli(...args: string[]): Promise<string> {
  const p = new Command('convnets').exitOverride();
  register(p);
  let out = '';
  const write = process.stdout.write.bind(process.stdout);
  const errWrite = process.stderr.write.bind(process.stderr);
  process.stdout.write = ((s: string) => { out += s; return true; }) as typeof process.stdout.write;
  process.stderr.write = ((s: string) => { out += s; return true; }) as typeof process.stderr.write;
  try {
    await p.parseAsync(['node', 'convnets', 'train', '--backend', 'js', ...args]);
  } finally {
    process.stdout.write = write;
    process.stderr.write = errWrite;
  }
  return out;
}
