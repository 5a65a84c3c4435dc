// IDX files (MNIST, Fashion-MNIST, EMNIST): magic = 0x00 0x00 <type> <ndims>, then ndims big-endian
// uint32 sizes, then the values. Gzipped files (1f 8b) are inflated no further than the size the IDX
// header declares. Every defect (wrong magic, dimensions, truncation, trailing bytes, labels out of
// range, special files, decompression bombs) is a ConvnetsError naming the file.
import { constants as bufferConstants } from 'node:buffer';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { constants as zlibConstants, gunzipSync } from 'node:zlib';
import { ConvnetsError } from '../core/backend.js';
import { safeText } from '../core/text.js';
import { closeFile, openRegularFile, readRange } from '../io/files.js';
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

/** Largest array any IDX file may declare (Node's Buffer limit); real datasets are far smaller. */
export const MAX_IDX_BYTES = Math.min(bufferConstants.MAX_LENGTH, 2 ** 32);

const isGzip = (b: Uint8Array): boolean => b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b;
const name = (f: string): string => safeText(f, 200);

export interface IdxHeader {
  type: IdxArray['type'];
  /** Bytes per value. */
  width: number;
  dims: number[];
  count: number;
  /** Header bytes (4 + 4 * ndims). */
  headerBytes: number;
  /** Total size the header implies. */
  expectedBytes: number;
}

/**
 * Validates the IDX header at the start of `bytes` (which may hold only the header) and returns the
 * size it implies; throws when more than the header is needed to tell.
 */
export function parseIdxHeader(bytes: Uint8Array, source: string): IdxHeader {
  const src = name(source);
  if (bytes.length < 4) throw new ConvnetsError(`${src}: not an IDX file (${bytes.length} bytes, shorter than the 4-byte magic)`);
  if (bytes[0] !== 0 || bytes[1] !== 0 || !(bytes[2] in TYPES)) {
    const magic = [...bytes.subarray(0, 4)].map((b) => b.toString(16).padStart(2, '0')).join(' ');
    throw new ConvnetsError(`${src}: not an IDX file (magic ${magic}; expected 00 00 <type 08..0e> <ndims>)`);
  }
  const [type, width] = TYPES[bytes[2]];
  const ndims = bytes[3];
  if (ndims < 1 || ndims > 4) throw new ConvnetsError(`${src}: IDX header declares ${ndims} dimensions (expected 1 to 4)`);
  const headerBytes = 4 + 4 * ndims;
  if (bytes.length < headerBytes) throw new ConvnetsError(`${src}: truncated IDX header (${bytes.length} bytes, need ${headerBytes})`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims: number[] = [];
  let count = 1;
  for (let i = 0; i < ndims; i++) {
    const d = view.getUint32(4 + 4 * i, false);
    if (d === 0) throw new ConvnetsError(`${src}: IDX dimension ${i} is 0`);
    dims.push(d);
    count *= d;
  }
  const expectedBytes = headerBytes + count * width;
  if (expectedBytes > MAX_IDX_BYTES) {
    throw new ConvnetsError(`${src}: IDX dimensions [${dims.join(', ')}] declare ${expectedBytes} bytes, more than the ${MAX_IDX_BYTES} a reader can hold (corrupt header?)`);
  }
  return { type, width, dims, count, headerBytes, expectedBytes };
}

// Deflate expands at most ~1032:1, so a 64 KiB input prefix is enough to see any real file's header,
// and the cap below bounds what a prefix can inflate to.
const PREFIX_OUTPUT_CAP = 64 * 1024 * 1024;

/** Inflates just enough of a gzip stream to read the IDX header (bounded in memory and time). */
function gzipPrefix(raw: Uint8Array, need: number, file: string): Uint8Array {
  let out: Uint8Array = new Uint8Array(0);
  for (let len = Math.min(raw.length, 256); ; len = Math.min(raw.length, len * 4)) {
    try {
      out = gunzipSync(raw.subarray(0, len), { finishFlush: zlibConstants.Z_SYNC_FLUSH, maxOutputLength: PREFIX_OUTPUT_CAP });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
        throw new ConvnetsError(`${name(file)}: gzip stream holds no IDX header in its first ${PREFIX_OUTPUT_CAP} bytes (corrupt or not an IDX file)`);
      }
      throw new ConvnetsError(`${name(file)}: corrupt gzip data (${safeText((e as Error).message, 160)})`);
    }
    if (out.length >= need || len >= raw.length) return out;
  }
}

/**
 * Inflates a gzipped IDX file bounded by the size its header declares: never more than that is
 * produced (zlib's maxOutputLength stops the inflation), so a decompression bomb is refused at once.
 */
function gunzipIdx(raw: Uint8Array, file: string): Uint8Array {
  let head = gzipPrefix(raw, 4, file);
  if (head.length >= 4 && head[0] === 0 && head[1] === 0 && head[3] >= 1 && head[3] <= 4) head = gzipPrefix(raw, 4 + 4 * head[3], file);
  const h = parseIdxHeader(head, file);
  let out: Buffer;
  try {
    out = gunzipSync(raw, { maxOutputLength: h.expectedBytes });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new ConvnetsError(`${name(file)}: gzip data inflates to more than the ${h.expectedBytes} bytes its IDX header declares (dimensions [${h.dims.join(', ')}]): corrupt file or decompression bomb`);
    }
    throw new ConvnetsError(`${name(file)}: corrupt or truncated gzip data (${safeText((e as Error).message, 160)})`);
  }
  return new Uint8Array(out.buffer, out.byteOffset, out.length);
}

/**
 * Reads the bytes of an IDX file, inflating gzip, bounded: the file must be a regular file, a raw
 * file's size must match its header before the data is read, a gzipped one inflates no further than
 * its header declares. `file` is used in messages.
 */
export function readMaybeGzip(file: string): Uint8Array {
  const f = openRegularFile(file, 'data file');
  try {
    const first = readRange(f, 0, Math.min(f.size, 20), 'data file');
    if (isGzip(first)) {
      // A gzip file is bounded by its own size (the input) and the header (the output).
      return gunzipIdx(readRange(f, 0, f.size, 'data file'), file);
    }
    const h = parseIdxHeader(first, file);
    if (f.size !== h.expectedBytes) return checkSize(h, f.size, file);
    return readRange(f, 0, f.size, 'data file');
  } finally {
    closeFile(f);
  }
}

function checkSize(h: IdxHeader, size: number, source: string): never {
  if (size < h.expectedBytes) {
    throw new ConvnetsError(`${name(source)}: truncated IDX file: dimensions [${h.dims.join(', ')}] need ${h.expectedBytes} bytes, the file has ${size}`);
  }
  throw new ConvnetsError(`${name(source)}: IDX file has ${size - h.expectedBytes} trailing bytes after dimensions [${h.dims.join(', ')}] (corrupt header?)`);
}

/** Parses IDX bytes (raw or gzipped); `source` names the file in errors. */
export function parseIdx(bytes: Uint8Array, source: string): IdxArray {
  if (isGzip(bytes)) bytes = gunzipIdx(bytes, source);
  const h = parseIdxHeader(bytes, source);
  const { type, width, dims, count, headerBytes: header, expectedBytes: expected } = h;
  if (bytes.length !== expected) checkSize(h, bytes.length, source);
  if (type === 'ubyte') return { dims, type, data: bytes.slice(header, expected) };
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
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
    throw new ConvnetsError(`${name(imagesFile)}: expected unsigned-byte images [n, h, w] or [n, h, w, c], got ${im.type} [${im.dims.join(', ')}]`);
  }
  if (lb.type !== 'ubyte' || lb.dims.length !== 1) {
    throw new ConvnetsError(`${name(labelsFile)}: expected unsigned-byte labels [n], got ${lb.type} [${lb.dims.join(', ')}]`);
  }
  if (lb.dims[0] !== im.dims[0]) {
    throw new ConvnetsError(`${name(labelsFile)}: ${lb.dims[0]} labels, but ${name(imagesFile)} holds ${im.dims[0]} images`);
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
  throw new ConvnetsError(`idx:${name(dir)}: no ${stem} ${kind.split('-')[0]} file (looked for ${tried.join(', ')})`);
}

/** An MNIST-layout directory: train-{images,labels} and t10k-{images,labels}, raw or gzipped. */
export function loadIdxDir(dir: string): DatasetSplit {
  if (!existsSync(dir)) throw new ConvnetsError(`idx:${name(dir)}: directory does not exist`);
  const train = readIdxPair(findFile(dir, 'train', 'images-idx3'), findFile(dir, 'train', 'labels-idx1'));
  const test = readIdxPair(findFile(dir, 't10k', 'images-idx3'), findFile(dir, 't10k', 'labels-idx1'));
  if (train.height !== test.height || train.width !== test.width || train.channels !== test.channels) {
    throw new ConvnetsError(`idx:${name(dir)}: training images are ${train.height}x${train.width}x${train.channels} but test images are ${test.height}x${test.width}x${test.channels}`);
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
