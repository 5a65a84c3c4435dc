// IDX files (MNIST, Fashion-MNIST, EMNIST): magic = 0x00 0x00 <type> <ndims>, then ndims big-endian
// uint32 sizes, then the values. Gzipped files (1f 8b) are inflated first. Every defect (wrong magic,
// dimensions, truncation, trailing bytes, labels out of range) is a ConvnetsError naming the file.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { ConvnetsError } from '../core/backend.js';
import { channelStats, checkDataset } from './dataset.js';
import type { DatasetSplit, ImageDataset } from './dataset.js';

export interface IdxArray {
  dims: number[];
  /** Values as bytes when the file is ubyte (the common case), else as numbers. */
  data: Uint8Array | Float64Array;
  type: 'ubyte' | 'byte' | 'short' | 'int' | 'float' | 'double';
}

const TYPES: Record<number, [IdxArray['type'], number]> = {
  0x08: ['ubyte', 1], 0x09: ['byte', 1], 0x0b: ['short', 2], 0x0c: ['int', 4], 0x0d: ['float', 4], 0x0e: ['double', 8],
};

/** Reads the bytes of a file, inflating gzip; `file` is used in messages. */
export function readMaybeGzip(file: string): Uint8Array {
  let raw: Buffer;
  try {
    raw = readFileSync(file);
  } catch (e) {
    throw new ConvnetsError(`cannot read data file ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  if (raw.length >= 2 && raw[0] === 0x1f && raw[1] === 0x8b) {
    try {
      return new Uint8Array(gunzipSync(raw));
    } catch (e) {
      throw new ConvnetsError(`${file}: corrupt or truncated gzip data (${(e as Error).message})`);
    }
  }
  return new Uint8Array(raw.buffer, raw.byteOffset, raw.length);
}

/** Parses IDX bytes; `source` names the file in errors. */
export function parseIdx(bytes: Uint8Array, source: string): IdxArray {
  if (bytes.length < 4) throw new ConvnetsError(`${source}: not an IDX file (${bytes.length} bytes, shorter than the 4-byte magic)`);
  if (bytes[0] !== 0 || bytes[1] !== 0 || !(bytes[2] in TYPES)) {
    const magic = [...bytes.subarray(0, 4)].map((b) => b.toString(16).padStart(2, '0')).join(' ');
    throw new ConvnetsError(`${source}: not an IDX file (magic ${magic}; expected 00 00 <type 08..0e> <ndims>)`);
  }
  const [type, width] = TYPES[bytes[2]];
  const ndims = bytes[3];
  if (ndims < 1 || ndims > 4) throw new ConvnetsError(`${source}: IDX header declares ${ndims} dimensions (expected 1 to 4)`);
  const header = 4 + 4 * ndims;
  if (bytes.length < header) throw new ConvnetsError(`${source}: truncated IDX header (${bytes.length} bytes, need ${header})`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims: number[] = [];
  let count = 1;
  for (let i = 0; i < ndims; i++) {
    const d = view.getUint32(4 + 4 * i, false);
    if (d === 0) throw new ConvnetsError(`${source}: IDX dimension ${i} is 0`);
    dims.push(d);
    count *= d;
  }
  const expected = header + count * width;
  if (bytes.length < expected) {
    throw new ConvnetsError(`${source}: truncated IDX file: dimensions [${dims.join(', ')}] need ${expected} bytes, the file has ${bytes.length}`);
  }
  if (bytes.length > expected) {
    throw new ConvnetsError(`${source}: IDX file has ${bytes.length - expected} trailing bytes after dimensions [${dims.join(', ')}] (corrupt header?)`);
  }
  if (type === 'ubyte') return { dims, type, data: bytes.slice(header, expected) };
  const data = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    const o = header + i * width;
    data[i] = type === 'byte' ? view.getInt8(o) : type === 'short' ? view.getInt16(o, false)
      : type === 'int' ? view.getInt32(o, false) : type === 'float' ? view.getFloat32(o, false) : view.getFloat64(o, false);
  }
  return { dims, type, data };
}

export function readIdxFile(file: string): IdxArray {
  return parseIdx(readMaybeGzip(file), file);
}

/** An images file ([n, h, w] or [n, h, w, c] ubyte) plus a labels file ([n] ubyte) as a dataset. */
export function readIdxPair(imagesFile: string, labelsFile: string, numClasses = 10): ImageDataset {
  const im = readIdxFile(imagesFile);
  const lb = readIdxFile(labelsFile);
  if (im.type !== 'ubyte' || (im.dims.length !== 3 && im.dims.length !== 4)) {
    throw new ConvnetsError(`${imagesFile}: expected unsigned-byte images [n, h, w] or [n, h, w, c], got ${im.type} [${im.dims.join(', ')}]`);
  }
  if (lb.type !== 'ubyte' || lb.dims.length !== 1) {
    throw new ConvnetsError(`${labelsFile}: expected unsigned-byte labels [n], got ${lb.type} [${lb.dims.join(', ')}]`);
  }
  if (lb.dims[0] !== im.dims[0]) {
    throw new ConvnetsError(`${labelsFile}: ${lb.dims[0]} labels, but ${imagesFile} holds ${im.dims[0]} images`);
  }
  const [count, height, width] = im.dims;
  const channels = im.dims[3] ?? 1;
  return checkDataset({ name: imagesFile, count, height, width, channels, numClasses, images: im.data as Uint8Array, labels: lb.data as Uint8Array }, labelsFile);
}

/** Finds the first existing file among MNIST-style name variants (with or without .gz, '-' or '.'). */
function findFile(dir: string, stem: string, kind: 'images-idx3' | 'labels-idx1'): string {
  const names = [`${stem}-${kind}-ubyte`, `${stem}-${kind.replace('-', '.')}-ubyte`];
  const tried: string[] = [];
  for (const n of names) {
    for (const ext of ['', '.gz']) {
      const f = join(dir, n + ext);
      tried.push(n + ext);
      if (existsSync(f)) return f;
    }
  }
  throw new ConvnetsError(`idx:${dir}: no ${stem} ${kind.split('-')[0]} file (looked for ${tried.join(', ')})`);
}

/** An MNIST-layout directory: train-{images,labels} and t10k-{images,labels}, raw or gzipped. */
export function loadIdxDir(dir: string): DatasetSplit {
  if (!existsSync(dir)) throw new ConvnetsError(`idx:${dir}: directory does not exist`);
  const train = readIdxPair(findFile(dir, 'train', 'images-idx3'), findFile(dir, 'train', 'labels-idx1'));
  const test = readIdxPair(findFile(dir, 't10k', 'images-idx3'), findFile(dir, 't10k', 'labels-idx1'));
  if (train.height !== test.height || train.width !== test.width || train.channels !== test.channels) {
    throw new ConvnetsError(`idx:${dir}: training images are ${train.height}x${train.width}x${train.channels} but test images are ${test.height}x${test.width}x${test.channels}`);
  }
  return { train, test, ...channelStats(train) };
}

/** Encodes an IDX file (tests and tools): ubyte data with the given dims. */
export function encodeIdx(dims: number[], data: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + 4 * dims.length + data.length);
  const view = new DataView(out.buffer);
  out[2] = 0x08; out[3] = dims.length;
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  out.set(data, 4 + 4 * dims.length);
  return out;
}
