// Readers on files this test writes: valid, corrupt and truncated IDX (raw and gzip) and CIFAR-10 batches.
import t from 'tap';
import { mkdtempSync, writeFileSync, readFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { ConvnetsError } from '../../src/ts/core/backend.js';
import { encodeIdx, parseIdx, readIdxFile, readIdxPair, loadIdxDir } from '../../src/ts/data/idx.js';
import { readCifarBatches, loadCifar10Dir } from '../../src/ts/data/cifar10.js';

const dir = mkdtempSync(join(tmpdir(), 'convnets-data-'));

function images(n: number, h: number, w: number): Uint8Array {
  const a = new Uint8Array(n * h * w);
  for (let i = 0; i < a.length; i++) a[i] = (i * 37 + 11) & 255;
  return a;
}

t.test('IDX round trip, raw and gzip', async (t) => {
  const px = images(5, 4, 3);
  const lb = Uint8Array.from([0, 3, 9, 1, 2]);
  writeFileSync(join(dir, 'im.idx'), encodeIdx([5, 4, 3], px));
  writeFileSync(join(dir, 'lb.idx.gz'), gzipSync(encodeIdx([5], lb)));
  const ds = readIdxPair(join(dir, 'im.idx'), join(dir, 'lb.idx.gz'));
  t.equal(ds.count, 5); t.equal(ds.height, 4); t.equal(ds.width, 3); t.equal(ds.channels, 1);
  t.same([...ds.images], [...px]);
  t.same([...ds.labels], [...lb]);
  // a non-ubyte type decodes big-endian
  const bytes = new Uint8Array([0, 0, 0x0b, 1, 0, 0, 0, 2, 0x01, 0x02, 0xff, 0xfe]);
  const a = parseIdx(bytes, 'shorts');
  t.equal(a.type, 'short');
  t.same([...a.data], [258, -2]);
});

t.test('IDX defects name the file', async (t) => {
  const good = encodeIdx([3, 2, 2], images(3, 2, 2));
  const cases: [string, Uint8Array, RegExp][] = [
    ['magic.idx', Uint8Array.from([0x50, 0x4b, 3, 4, ...good.subarray(4)]), /magic.idx: not an IDX file/],
    ['trunc.idx', good.subarray(0, good.length - 1), /trunc.idx: truncated IDX file/],
    ['header.idx', good.subarray(0, 9), /header.idx: truncated IDX header/],
    ['trailing.idx', Uint8Array.from([...good, 7]), /trailing.idx: IDX file has 1 trailing bytes/],
    ['dims.idx', Uint8Array.from([0, 0, 8, 9, ...good.subarray(4)]), /dims.idx: IDX header declares 9 dimensions/],
    ['empty.idx', new Uint8Array(0), /empty.idx: not an IDX file/],
  ];
  for (const [name, bytes, re] of cases) {
    writeFileSync(join(dir, name), bytes);
    t.throws(() => readIdxFile(join(dir, name)), re, name);
    t.throws(() => readIdxFile(join(dir, name)), ConvnetsError);
  }
  // truncated gzip stream
  const gz = gzipSync(good);
  writeFileSync(join(dir, 'cut.idx.gz'), gz.subarray(0, gz.length - 6));
  t.throws(() => readIdxFile(join(dir, 'cut.idx.gz')), /cut.idx.gz: corrupt or truncated gzip/);
  t.throws(() => readIdxFile(join(dir, 'missing.idx')), /cannot read data file .*missing.idx: ENOENT/);
  // count mismatch between images and labels
  writeFileSync(join(dir, 'im3.idx'), good);
  writeFileSync(join(dir, 'lb2.idx'), encodeIdx([2], Uint8Array.from([1, 2])));
  t.throws(() => readIdxPair(join(dir, 'im3.idx'), join(dir, 'lb2.idx')), /lb2.idx: 2 labels, but .*im3.idx holds 3 images/);
  writeFileSync(join(dir, 'lb3bad.idx'), encodeIdx([3], Uint8Array.from([1, 2, 10])));
  t.throws(() => readIdxPair(join(dir, 'im3.idx'), join(dir, 'lb3bad.idx')), /label 10 at index 2 is outside \[0, 10\)/);
});

t.test('IDX directory in MNIST layout', async (t) => {
  const d = join(dir, 'mnistlike');
  mkdirSync(d);
  writeFileSync(join(d, 'train-images-idx3-ubyte.gz'), gzipSync(encodeIdx([4, 2, 2], images(4, 2, 2))));
  writeFileSync(join(d, 'train-labels-idx1-ubyte.gz'), gzipSync(encodeIdx([4], Uint8Array.from([0, 1, 2, 3]))));
  writeFileSync(join(d, 't10k-images-idx3-ubyte'), encodeIdx([2, 2, 2], images(2, 2, 2)));
  t.throws(() => loadIdxDir(d), /no t10k labels file/);
  writeFileSync(join(d, 't10k-labels.idx1-ubyte'), encodeIdx([2], Uint8Array.from([5, 6])));
  const s = loadIdxDir(d);
  t.equal(s.train.count, 4); t.equal(s.test.count, 2);
  t.same([...s.test.labels], [5, 6]);
  t.equal(s.mean.length, 1);
  t.throws(() => loadIdxDir(join(dir, 'nope')), /does not exist/);
});

function cifarRecord(label: number, seed: number): Uint8Array {
  const r = new Uint8Array(3073);
  r[0] = label;
  for (let i = 1; i < r.length; i++) r[i] = (i * seed + 3) & 255;
  return r;
}

t.test('CIFAR-10 batches: planar to NHWC, defects', async (t) => {
  const d = join(dir, 'cifar-10-batches-bin');
  mkdirSync(d);
  const recs = [cifarRecord(3, 5), cifarRecord(9, 7)];
  writeFileSync(join(d, 'data_batch_1.bin'), Buffer.concat(recs));
  writeFileSync(join(d, 'test_batch.bin'), cifarRecord(0, 11));
  const s = loadCifar10Dir(dir); // parent directory is accepted
  t.equal(s.train.count, 2); t.equal(s.test.count, 1);
  t.same([...s.train.labels], [3, 9]);
  // pixel (row 1, col 2), channel G of image 1 = planar byte 1 + 1024 + 1*32 + 2
  const p = 1 * 32 + 2;
  t.equal(s.train.images[3072 + p * 3 + 1], recs[1][1 + 1024 + p]);
  t.equal(s.train.images[p * 3 + 2], recs[0][1 + 2048 + p]);
  t.equal(s.mean.length, 3);
  writeFileSync(join(dir, 'short.bin'), cifarRecord(1, 3).subarray(0, 3000));
  t.throws(() => readCifarBatches([join(dir, 'short.bin')]), /short.bin: not a CIFAR-10 binary batch: 3000 bytes/);
  writeFileSync(join(dir, 'badlabel.bin'), cifarRecord(12, 3));
  t.throws(() => readCifarBatches([join(dir, 'badlabel.bin')]), /badlabel.bin: record 0 has label 12/);
  t.throws(() => loadCifar10Dir(join(dir, 'none')), /cifar10:.*does not exist/);
  t.ok(readFileSync(join(d, 'test_batch.bin')).length === 3073);
});
