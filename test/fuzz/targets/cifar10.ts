// Fuzz target: CIFAR-10 binary batches. Valid records (label byte + 3072 planar pixels), then label
// bytes out of range, sizes that are not whole records, empty files, byte mutations, several files.
import type { Rng } from '../../../src/ts/core/random.js';
import { readCifarBatches } from '../../../src/ts/data/cifar10.js';
import type { ImageDataset } from '../../../src/ts/data/dataset.js';
import { mutateBytes, pick, writeCase } from '../harness.js';
import type { FuzzTarget } from '../harness.js';

const RECORD = 3073;

function batch(rng: Rng): Uint8Array {
  const n = rng.int(6);
  const b = new Uint8Array(n * RECORD);
  for (let r = 0; r < n; r++) {
    b[r * RECORD] = rng.int(10);
    for (let i = 1; i < RECORD; i += 97) b[r * RECORD + i] = rng.int(256);
  }
  return b;
}

export const cifarTarget: FuzzTarget = {
  name: 'cifar10',
  make(rng, dir) {
    const files: string[] = [];
    const kinds: string[] = [];
    for (let k = 0, n = 1 + rng.int(3); k < n; k++) {
      let b = batch(rng);
      const m = rng.int(5);
      if (m === 0 && b.length) b[RECORD * rng.int(b.length / RECORD)] = pick(rng, [10, 11, 127, 255]);
      else if (m === 1) b = mutateBytes(rng, b, 2);
      else if (m === 2) b = b.subarray(0, rng.int(b.length + 1));
      kinds.push(['label', 'bytes', 'truncated', 'valid', 'valid'][m]);
      files.push(writeCase(dir, b, `.${k}.bin`));
    }
    return { label: kinds.join('+'), run: () => readCifarBatches(files) };
  },
  check(r) {
    const d = r as ImageDataset;
    if (d.images.length !== d.count * 32 * 32 * 3 || d.labels.length !== d.count) return `sizes disagree (count ${d.count})`;
    if (d.labels.some((l) => l > 9)) return 'label > 9 accepted';
    return null;
  },
};
