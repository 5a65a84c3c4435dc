// Fuzz target: IDX files, raw and gzipped. A valid IDX file (ubyte mostly, other types too), then
// header mutations (type, rank, dimensions up to 2^32-1), truncation and trailing bytes, byte
// mutations of the raw or the gzip stream, and decompression bombs (a small header followed by far
// more zeros than it declares, or a huge declared size). readIdxFile must stay bounded.
import { gzipSync } from 'node:zlib';
import type { Rng } from '../../../src/ts/core/random.js';
import { readIdxFile, readIdxPair } from '../../../src/ts/data/idx.js';
import type { IdxArray } from '../../../src/ts/data/idx.js';
import { concat, INTERESTING_U32, mutateBytes, pick, writeCase } from '../harness.js';
import type { FuzzTarget } from '../harness.js';

const WIDTH: Record<number, number> = { 8: 1, 9: 1, 11: 2, 12: 4, 13: 4, 14: 8 };
let bombs: Uint8Array[] = [];

function idx(rng: Rng): Uint8Array {
  const type = rng.int(4) ? 8 : pick(rng, [8, 9, 11, 12, 13, 14]);
  const dims = Array.from({ length: 1 + rng.int(4) }, () => 1 + rng.int(6));
  const count = dims.reduce((a, b) => a * b, 1);
  const out = new Uint8Array(4 + 4 * dims.length + count * WIDTH[type]);
  const dv = new DataView(out.buffer);
  out[2] = type; out[3] = dims.length;
  dims.forEach((d, i) => dv.setUint32(4 + 4 * i, d, false));
  for (let i = 4 + 4 * dims.length; i < out.length; i++) out[i] = rng.int(256);
  return out;
}

function mutateHeader(rng: Rng, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(b);
  const dv = new DataView(out.buffer);
  switch (rng.int(4)) {
    case 0: out[2] = pick(rng, [0, 7, 8, 10, 14, 15, 255]); break;
    case 1: out[3] = pick(rng, [0, 1, 2, 3, 4, 5, 255]); break;
    default: {
      const nd = Math.min(out[3], (out.length - 4) >> 2);
      if (nd > 0) dv.setUint32(4 + 4 * rng.int(nd), pick(rng, INTERESTING_U32), false);
    }
  }
  return out;
}

export const idxTarget: FuzzTarget = {
  name: 'idx',
  setup() {
    // Bombs built once: 10x28x28 declared, 16 MiB of zeros; 60000x28x28 declared, 64 MiB of zeros;
    // 2^32-1 x 1000 declared (refused from the header alone).
    const h = (dims: number[]): Uint8Array => {
      const b = new Uint8Array(4 + 4 * dims.length); b[2] = 8; b[3] = dims.length;
      dims.forEach((d, i) => new DataView(b.buffer).setUint32(4 + 4 * i, d >>> 0, false));
      return b;
    };
    // Plain Uint8Array copies: a Buffer's slice() is a view, so mutations would wear the bombs down.
    bombs = [
      gzipSync(concat(h([10, 28, 28]), new Uint8Array(16 * 1048576)), { level: 9 }),
      gzipSync(concat(h([60000, 28, 28]), new Uint8Array(64 * 1048576)), { level: 9 }),
      gzipSync(concat(h([0xffffffff, 1000]), new Uint8Array(1048576)), { level: 9 }),
      gzipSync(concat(h([16, 1024, 1024]), new Uint8Array(1048576)), { level: 9 }),
    ].map((b) => new Uint8Array(b));
  },
  make(rng, dir) {
    const mode = rng.int(10);
    let bytes: Uint8Array, label: string;
    if (mode === 0) { bytes = pick(rng, bombs); if (rng.int(2)) bytes = mutateBytes(rng, bytes, 2); label = 'gzip bomb'; }
    else {
      let raw = idx(rng);
      if (rng.int(2)) raw = mutateHeader(rng, raw);
      if (rng.int(3) === 0) raw = mutateBytes(rng, raw);
      const gz = mode >= 6;
      bytes = gz ? gzipSync(raw) : raw;
      if (gz && rng.int(3) === 0) bytes = mutateBytes(rng, bytes);
      label = gz ? 'gzip' : 'raw';
    }
    const file = writeCase(dir, bytes, '');
    if (rng.int(8) === 0) {
      const labels = writeCase(dir, idx(rng), '');
      return { label: `${label} pair`, run: () => readIdxPair(file, labels) };
    }
    return { label, run: () => readIdxFile(file) };
  },
  check(r) {
    if (r && typeof r === 'object' && 'dims' in r) {
      const a = r as IdxArray;
      const count = a.dims.reduce((x, y) => x * y, 1);
      if (a.data.length !== count) return `${a.data.length} values for dims [${a.dims}]`;
      if (a.dims.some((d) => !Number.isInteger(d) || d < 1)) return `bad dims [${a.dims}]`;
    } else {
      const d = r as { count: number; height: number; width: number; channels: number; images: Uint8Array; labels: Uint8Array; numClasses: number };
      if (d.images.length !== d.count * d.height * d.width * d.channels || d.labels.length !== d.count) return 'dataset sizes disagree';
      if (d.labels.some((l) => l >= d.numClasses)) return 'label out of range accepted';
    }
    return null;
  },
};
