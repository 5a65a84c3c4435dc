// The embedded digits: all 10,000 loaded, exact bytes, a fixed 8,000 / 2,000 split.
import t from 'tap';
import { createRequire } from 'node:module';
import { loadEmbeddedDigits, loadMnist, mnistSplitIndices } from '../../src/ts/data/mnist.js';

t.test('all 10,000 digits, classes in order, bytes match the package', async (t) => {
  const all = loadEmbeddedDigits();
  t.equal(all.count, 10000);
  const counts = new Array(10).fill(0);
  for (const l of all.labels) counts[l]++;
  t.equal(counts.reduce((a, b) => a + b, 0), 10000);
  t.ok(counts.every((c) => c > 800), `every class present: ${counts}`);
  // the package's own accessor gives the first "1" digit: compare with our bytes
  const mnist = createRequire(import.meta.url)('mnist');
  const first1: number[] = mnist[1].get(0);
  const off = counts[0] * 784;
  let maxErr = 0;
  for (let i = 0; i < 784; i++) maxErr = Math.max(maxErr, Math.abs(all.images[off + i] / 255 - first1[i]));
  t.ok(maxErr <= 0.0006, `bytes round-trip the 3-decimal floats (max error ${maxErr})`);
  t.equal(all.labels[counts[0]], 1); t.equal(all.labels[counts[0] - 1], 0);
});

t.test('split is fixed, disjoint and covers everything', async (t) => {
  const a = mnistSplitIndices(), b = mnistSplitIndices();
  t.equal(a.train.length, 8000); t.equal(a.test.length, 2000);
  t.same([...a.test.subarray(0, 50)], [...b.test.subarray(0, 50)]);
  const seen = new Uint8Array(10000);
  for (const i of a.train) seen[i]++;
  for (const i of a.test) seen[i]++;
  t.ok(seen.every((v) => v === 1), 'each digit in exactly one split');
  const s = loadMnist();
  t.equal(s.train.count, 8000); t.equal(s.test.count, 2000);
  const counts = new Array(10).fill(0);
  for (const l of s.test.labels) counts[l]++;
  t.ok(counts.every((c) => c > 150), `held-out has every class: ${counts}`);
  t.ok(s.mean[0] > 0.1 && s.mean[0] < 0.16, `mean ${s.mean[0]}`);
  t.ok(s.std[0] > 0.28 && s.std[0] < 0.34, `std ${s.std[0]}`);
});
