// Fuzz target: image input through the decoding path of `predict` (io/images.ts, sharp/libvips).
// Small valid PNG, JPEG, WebP and GIF images, then byte mutations and structure-aware ones: PNG IHDR
// width/height forged (CRC recomputed so the decoder gets past the checksum) and JPEG SOF dimensions.
import { crc32 } from 'node:zlib';
import * as fs from 'node:fs';
import * as path from 'node:path';
import sharp from 'sharp';
import type { Rng } from '../../../src/ts/core/random.js';
import { imagenetPreprocess, loadImagePixels } from '../../../src/ts/io/images.js';
import { INTERESTING_U32, mutateBytes, pick } from '../harness.js';
import type { FuzzTarget } from '../harness.js';

let counter = 0;
let seeds: { fmt: string; bytes: Uint8Array }[] = [];
const pre = imagenetPreprocess('resnet18', 16);

function forgePng(rng: Rng, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(b);
  const dv = new DataView(out.buffer);
  // IHDR is the first chunk: length at 8, type at 12, width at 16, height at 20, CRC at 29.
  // (b.slice() of a Buffer would be a view: copy.)
  if (out.length < 33) return out;
  dv.setUint32(16 + 4 * rng.int(2), pick(rng, INTERESTING_U32), false);
  if (rng.int(3) === 0) out[24 + rng.int(5)] = rng.int(256); // bit depth, colour type, methods
  dv.setUint32(29, crc32(out.subarray(12, 29)) >>> 0, false);
  return out;
}

function forgeJpeg(rng: Rng, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(b);
  for (let i = 2; i + 9 < out.length; i++) {
    if (out[i] === 0xff && (out[i + 1] === 0xc0 || out[i + 1] === 0xc2)) {
      const dv = new DataView(out.buffer, out.byteOffset);
      dv.setUint16(i + 5 + 2 * rng.int(2), pick(rng, [0, 1, 0x7fff, 0xffff, 65500, 20000]), false);
      if (rng.int(3) === 0) out[i + 9] = pick(rng, [0, 1, 2, 4, 255]); // component count
      break;
    }
  }
  return out;
}

export const imageTarget: FuzzTarget = {
  name: 'image',
  // io/images.ts (not this harness's to change) relays libvips' multi-line messages: newlines tolerated, counted.
  tolerate: /\n/g,
  async setup() {
    const raw = Buffer.alloc(24 * 20 * 3);
    for (let i = 0; i < raw.length; i++) raw[i] = (i * 37) & 255;
    const img = () => sharp(raw, { raw: { width: 24, height: 20, channels: 3 } });
    seeds = [
      { fmt: 'png', bytes: await img().png().toBuffer() },
      { fmt: 'jpeg', bytes: await img().jpeg({ quality: 80 }).toBuffer() },
      { fmt: 'jpeg-progressive', bytes: await img().jpeg({ progressive: true }).toBuffer() },
      { fmt: 'webp', bytes: await img().webp().toBuffer() },
      { fmt: 'gif', bytes: await img().gif().toBuffer() },
      { fmt: 'png-grey-alpha', bytes: await sharp(raw, { raw: { width: 24, height: 20, channels: 3 } }).greyscale().ensureAlpha().png().toBuffer() },
    ];
  },
  make(rng, dir) {
    const s = pick(rng, seeds);
    let bytes: Uint8Array = s.bytes;
    let label = `${s.fmt} bytes`;
    const m = rng.int(4);
    if (m === 0 && s.fmt.startsWith('png')) { bytes = forgePng(rng, bytes); label = `${s.fmt} forged IHDR`; }
    else if (m === 0 && s.fmt.startsWith('jpeg')) { bytes = forgeJpeg(rng, bytes); label = `${s.fmt} forged SOF`; }
    if (m !== 3) bytes = mutateBytes(rng, bytes, 3);
    else if (rng.int(2)) bytes = bytes.subarray(0, rng.int(bytes.length));
    // A fresh name per case: libvips caches decoded files by name, and a rewritten file within
    // the cache's lifetime could be served from it.
    const file = path.join(dir, `img${counter++}.img`);
    fs.writeFileSync(file, bytes);
    return { label, run: async () => { try { return await loadImagePixels(file, pre); } finally { fs.rmSync(file, { force: true }); } } };
  },
  check(r) {
    const px = r as Uint8Array;
    return px.length === pre.crop * pre.crop * pre.channels ? null : `${px.length} bytes, expected ${pre.crop * pre.crop * pre.channels}`;
  },
};
