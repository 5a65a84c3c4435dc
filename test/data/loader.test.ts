// Transforms (normalisation, crop with padding, flip) and the seeded, allocation-free loader.
import t from 'tap';
import { JsBackend } from '../../src/ts/backends/js/index.js';
import { Rng } from '../../src/ts/core/random.js';
import { DataLoader } from '../../src/ts/data/loader.js';
import { normalizationTable, transformInto, drawTransform } from '../../src/ts/data/transforms.js';
import type { ImageDataset } from '../../src/ts/data/dataset.js';
import { channelStats, subset } from '../../src/ts/data/dataset.js';

const be = new JsBackend();

// 10 images of 3x4x2: pixel value encodes (image, y, x, channel) so every move is visible.
function grid(n = 10): ImageDataset {
  const h = 3, w = 4, c = 2;
  const images = new Uint8Array(n * h * w * c), labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    labels[i] = i % 3;
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let k = 0; k < c; k++) images[((i * h + y) * w + x) * c + k] = i * 20 + y * 6 + x + k * 100 + 1;
  }
  return { name: 'grid', count: n, height: h, width: w, channels: c, numClasses: 3, images, labels };
}

t.test('normalisation table and crop/flip geometry', async (t) => {
  const lut = normalizationTable([0.5, 0.25], [0.5, 2]);
  t.equal(lut[0 * 256 + 255], 1);
  t.equal(lut[1 * 256 + 0], -0.125);
  t.throws(() => normalizationTable([0.5], [0]), /std\[0\] must be positive/);
  const ds = grid(1);
  const id = new Float32Array(24), out = new Float32Array(24);
  const raw = normalizationTable([0, 0], [1 / 255, 1 / 255]); // identity on byte values
  transformInto(ds.images, 0, 3, 4, 2, id, 0, raw, { offY: 0, offX: 0, flip: false }, 0);
  t.same([...id].map(Math.round), [...ds.images], 'identity');
  // padding 1, offsets (0, 2): shifted down 1 and left 1; the top row is black padding
  transformInto(ds.images, 0, 3, 4, 2, out, 0, raw, { offY: 0, offX: 2, flip: false }, 1);
  const at = (a: Float32Array, y: number, x: number, k: number): number => Math.round(a[(y * 4 + x) * 2 + k]);
  t.equal(at(out, 0, 1, 0), 0, 'padding row');
  t.equal(at(out, 1, 0, 0), at(id, 0, 1, 0), 'out(1,0) = in(0,1)');
  t.equal(at(out, 2, 3, 1), 0, 'right padding column');
  t.equal(at(out, 2, 2, 1), at(id, 1, 3, 1));
  transformInto(ds.images, 0, 3, 4, 2, out, 0, raw, { offY: 0, offX: 0, flip: true }, 0);
  t.equal(at(out, 1, 0, 1), at(id, 1, 3, 1), 'flip mirrors columns');
  t.equal(at(out, 2, 3, 0), at(id, 2, 0, 0));
  // draws stay in range and use both flips
  const r = new Rng(3), s = { offY: 0, offX: 0, flip: false };
  let flips = 0, okRange = true;
  for (let i = 0; i < 200; i++) {
    drawTransform({ padding: 2, flip: true }, r, s);
    if (s.offX < 0 || s.offX > 4 || s.offY < 0 || s.offY > 4) okRange = false;
    if (s.flip) flips++;
  }
  t.ok(okRange && flips > 60 && flips < 140, `offsets in [0, 4], ${flips}/200 flips`);
});

t.test('loader: seeded order, every sample once, reused buffers', async (t) => {
  const ds = grid(10);
  const mk = (seed: number, dropLast = false): DataLoader => new DataLoader(ds, { batchSize: 4, mean: [0, 0], std: [1, 1], shuffle: true, seed, dropLast, backend: be });
  const a = mk(1), b = mk(1), c = mk(2);
  t.same([...a.epochOrder(0)], [...b.epochOrder(0)], 'same seed, same order');
  t.notSame([...a.epochOrder(0)], [...a.epochOrder(1)], 'epochs differ');
  t.notSame([...a.epochOrder(0)], [...c.epochOrder(0)], 'seeds differ');
  t.equal(a.batchesPerEpoch, 3); t.equal(mk(1, true).batchesPerEpoch, 2);
  const seen: number[] = [];
  const sizes: number[] = [];
  const xs = new Set<unknown>();
  const before = be.allocated();
  for (let epoch = 0; epoch < 3; epoch++) {
    for (const bt of a.batches(epoch)) {
      sizes.push(bt.size);
      xs.add(bt.x);
      const x = bt.x.data();
      for (let i = 0; i < bt.size; i++) {
        // recover the image index from the first pixel (i*20 + 1) and check its label travelled with it
        const img = Math.round((x[i * 24] * 255 - 1) / 20);
        if (epoch === 0) seen.push(img);
        t.equal(bt.labels[i], img % 3);
        t.equal(bt.y.data()[i], img % 3);
      }
    }
  }
  t.same(seen.sort((p, q) => p - q), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], 'every sample once per epoch');
  t.same(sizes, [4, 4, 2, 4, 4, 2, 4, 4, 2]);
  t.equal(xs.size, 2, 'one tensor per batch shape, reused across epochs');
  const after = be.allocated();
  for (const bt of a.batches(3)) void bt;
  t.equal(be.allocated(), after, 'no backend allocation after the first epoch');
  t.ok(after > before);
  a.dispose(); b.dispose(); c.dispose();
  t.equal(be.allocated(), before, 'dispose frees the batch tensors');
});

t.test('padLast: one batch shape, the padding repeats a real sample and is not counted', async (t) => {
  const ds = grid(10);
  const l = new DataLoader(ds, { batchSize: 4, mean: [0, 0], std: [1, 1], padLast: true, backend: be });
  const got: { size: number; shape: number[]; imgs: number[] }[] = [];
  const xs = new Set<unknown>();
  for (const bt of l.batches(0)) {
    xs.add(bt.x);
    const x = bt.x.data();
    const imgs = Array.from({ length: bt.x.shape[0] }, (_, i) => Math.round((x[i * 24] * 255 - 1) / 20));
    got.push({ size: bt.size, shape: [...bt.x.shape], imgs });
    t.same([...bt.labels], imgs.map((i) => i % 3), 'labels travel with the (repeated) images');
  }
  t.same(got.map((g) => g.size), [4, 4, 2]);
  t.ok(got.every((g) => g.shape[0] === 4), 'every batch has 4 rows');
  t.same(got[2].imgs, [8, 9, 8, 8], 'the short batch is padded with its first sample');
  t.equal(xs.size, 1, 'one tensor for the whole epoch');
  l.dispose();
});

t.test('loader checks, subset and stats', async (t) => {
  const ds = grid(4);
  t.throws(() => new DataLoader(ds, { batchSize: 0, mean: [0, 0], std: [1, 1], backend: be }), /batchSize must be a positive integer/);
  t.throws(() => new DataLoader(ds, { batchSize: 2, mean: [0], std: [1], backend: be }), /1 normalisation means for 2-channel images/);
  const s = subset(ds, [3, 1]);
  t.same([...s.labels], [0, 1]);
  t.equal(s.images[0], ds.images[3 * 24]);
  const st = channelStats({ ...ds, channels: 1, height: 1, width: 2, count: 48, images: Uint8Array.from({ length: 96 }, (_, i) => (i % 2) * 255), labels: new Int32Array(48) });
  t.ok(Math.abs(st.mean[0] - 0.5) < 1e-12 && Math.abs(st.std[0] - 0.5) < 1e-9, `stats ${st.mean} ${st.std}`);
});
