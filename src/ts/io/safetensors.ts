// safetensors (https://huggingface.co/docs/safetensors) reader and writer.
// Layout: u64 little-endian header length N, N bytes of UTF-8 JSON
// ({"__metadata__": {str: str}, name: {dtype, shape, data_offsets: [begin, end]}}), then the data
// buffer; offsets are relative to the start of the data buffer.
//
// The reader treats its input as hostile: every malformation is a ConvnetsError naming the source
// and the tensor (escaped and bounded: no terminal escapes, no megabyte lines), and nothing is
// allocated before the sizes it depends on are checked against the file length (so a forged header
// cannot make us allocate gigabytes). Files are read by range: regular file and size first, then the
// header, then only the tensors it declares.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ConvnetsError } from '../core/backend.js';
import { boundMessage, describeValue, jsonDepth, safeText } from '../core/text.js';
import { closeFile, fsyncDir, openRegularFile, readRange } from './files.js';
import type { OpenFile } from './files.js';

export interface SafetensorsEntry {
  name: string;
  shape: number[];
  data: Float32Array;
}

export interface DecodedTensor {
  shape: number[];
  /** The values converted to float32 whatever the stored dtype. */
  data: Float32Array;
  /** The dtype as stored ('F32', 'F16', 'BF16', 'F64', 'I64', ...). */
  dtype: string;
}

export interface DecodedSafetensors {
  tensors: Map<string, DecodedTensor>;
  metadata: Record<string, string>;
}

/** Headers larger than this are refused (real ones are a few hundred KB even for 1000-tensor models). */
export const MAX_HEADER_BYTES = 100 * 1024 * 1024;
/** Deepest JSON nesting a header may have (real ones have 3). */
export const MAX_HEADER_DEPTH = 64;

const DTYPE_SIZES: Record<string, number> = {
  F64: 8, F32: 4, F16: 2, BF16: 2,
  I64: 8, I32: 4, I16: 2, I8: 1, U64: 8, U32: 4, U16: 2, U8: 1, BOOL: 1,
};

const hostLittleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function fail(source: string, msg: string): never {
  throw new ConvnetsError(boundMessage(`safetensors ${safeText(source, 200)}: ${msg}`));
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** IEEE half -> float. */
function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m ? NaN : s * Infinity;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}

/** Decodes `count` elements of `dtype` starting at bytes[offset] into float32. */
function convert(bytes: Uint8Array, offset: number, count: number, dtype: string): Float32Array {
  const out = new Float32Array(count);
  if (count === 0) return out;
  const view = new DataView(bytes.buffer, bytes.byteOffset + offset, count * DTYPE_SIZES[dtype]);
  switch (dtype) {
    case 'F32':
      if (hostLittleEndian) {
        // One memcpy into the (aligned) output instead of a DataView loop: fast for 100M-parameter files.
        new Uint8Array(out.buffer).set(bytes.subarray(offset, offset + count * 4));
      } else {
        for (let i = 0; i < count; i++) out[i] = view.getFloat32(i * 4, true);
      }
      break;
    case 'F64': for (let i = 0; i < count; i++) out[i] = view.getFloat64(i * 8, true); break;
    case 'F16': for (let i = 0; i < count; i++) out[i] = halfToFloat(view.getUint16(i * 2, true)); break;
    case 'BF16': {
      // bfloat16 is the top half of a float32.
      const u = new Uint32Array(out.buffer);
      for (let i = 0; i < count; i++) u[i] = view.getUint16(i * 2, true) << 16;
      if (!hostLittleEndian) for (let i = 0; i < count; i++) out[i] = new DataView(u.buffer).getFloat32(i * 4, true);
      break;
    }
    case 'I64': for (let i = 0; i < count; i++) out[i] = Number(view.getBigInt64(i * 8, true)); break;
    case 'U64': for (let i = 0; i < count; i++) out[i] = Number(view.getBigUint64(i * 8, true)); break;
    case 'I32': for (let i = 0; i < count; i++) out[i] = view.getInt32(i * 4, true); break;
    case 'U32': for (let i = 0; i < count; i++) out[i] = view.getUint32(i * 4, true); break;
    case 'I16': for (let i = 0; i < count; i++) out[i] = view.getInt16(i * 2, true); break;
    case 'U16': for (let i = 0; i < count; i++) out[i] = view.getUint16(i * 2, true); break;
    case 'I8': for (let i = 0; i < count; i++) out[i] = view.getInt8(i); break;
    case 'U8': case 'BOOL': for (let i = 0; i < count; i++) out[i] = view.getUint8(i); break;
    default: throw new Error(`unreachable dtype ${dtype}`);
  }
  return out;
}

/** One tensor as the header declares it (validated: dtype known, shape and offsets consistent). */
export interface SafetensorsHeaderEntry {
  name: string; dtype: string; shape: number[]; count: number;
  /** Byte range inside the data buffer (relative to its start). */
  begin: number; end: number;
}

export interface SafetensorsHeader {
  entries: SafetensorsHeaderEntry[];
  metadata: Record<string, string>;
  /** File offset of the data buffer (8 + header length). */
  dataStart: number;
}

/** Tensor names in messages: control characters escaped, long names cut. */
const tname = (name: string): string => `tensor '${safeText(name, 100)}'`;

/** Checks the 8-byte length prefix against the total size; returns the header length. */
function headerLength(prefix: Uint8Array, total: number, source: string): number {
  if (total < 8) fail(source, `file is ${total} bytes, shorter than the 8-byte header length`);
  const dv = new DataView(prefix.buffer, prefix.byteOffset, 8);
  const headerLen = dv.getUint32(4, true) * 4294967296 + dv.getUint32(0, true);
  if (headerLen > MAX_HEADER_BYTES) {
    fail(source, `header length ${headerLen} exceeds the ${MAX_HEADER_BYTES}-byte limit (corrupt or not a safetensors file)`);
  }
  if (headerLen > total - 8) {
    fail(source, `header length ${headerLen} runs past the end of the file (${total} bytes; truncated?)`);
  }
  if (headerLen < 2) fail(source, `header length ${headerLen} is too small for a JSON object`);
  return headerLen;
}

/**
 * Validates a header's JSON bytes against a data buffer of `dataLen` bytes: every entry, the exact
 * tiling of the data buffer. Nothing is read or allocated for tensor data here.
 */
export function parseSafetensorsHeader(json: Uint8Array, dataLen: number, source = '<buffer>'): { entries: SafetensorsHeaderEntry[]; metadata: Record<string, string> } {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(json);
  } catch {
    fail(source, 'header is not valid UTF-8');
  }
  // A header nests three levels ({name: {shape: [..]}}); refuse deep nesting before parsing it.
  const depth = jsonDepth(text, MAX_HEADER_DEPTH);
  if (depth > MAX_HEADER_DEPTH) fail(source, `header nests JSON deeper than ${MAX_HEADER_DEPTH} levels (a safetensors header has 3): corrupt or hostile file`);
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (e) {
    fail(source, `header is not valid JSON (${safeText((e as Error).message, 160)})`);
  }
  if (!isPlainObject(header)) fail(source, `header must be a JSON object, got ${describeValue(header, 60)}`);

  // A null prototype: a '__proto__' key stays an ordinary entry.
  const metadata: Record<string, string> = Object.create(null) as Record<string, string>;
  const entries: SafetensorsHeaderEntry[] = [];
  for (const [name, raw] of Object.entries(header)) {
    if (name === '__metadata__') {
      if (!isPlainObject(raw)) fail(source, `__metadata__ must be an object of strings, got ${describeValue(raw, 60)}`);
      for (const [k, v] of Object.entries(raw)) {
        if (typeof v !== 'string') fail(source, `__metadata__.${safeText(k, 60)} must be a string, got ${describeValue(v, 60)}`);
        metadata[k] = v;
      }
      continue;
    }
    const where = tname(name);
    if (!isPlainObject(raw)) fail(source, `${where}: entry must be an object {dtype, shape, data_offsets}, got ${describeValue(raw, 60)}`);
    const { dtype, shape, data_offsets: offsets } = raw;
    if (typeof dtype !== 'string') fail(source, `${where}: dtype must be a string, got ${describeValue(dtype, 60)}`);
    if (!Object.hasOwn(DTYPE_SIZES, dtype)) {
      fail(source, `${where}: unsupported dtype '${safeText(dtype, 20)}' (supported: ${Object.keys(DTYPE_SIZES).join(', ')})`);
    }
    if (!Array.isArray(shape)) fail(source, `${where}: shape must be an array, got ${describeValue(shape, 60)}`);
    if (shape.length > 16) fail(source, `${where}: shape has rank ${shape.length} (more than 16 dimensions)`);
    let count = 1;
    for (const d of shape) {
      if (typeof d !== 'number' || !Number.isSafeInteger(d) || d < 0) {
        fail(source, `${where}: shape ${describeValue(shape, 80)} must hold non-negative integers`);
      }
      count *= d;
    }
    // Bounded by the file size below; this only keeps the arithmetic exact.
    if (!Number.isSafeInteger(count * DTYPE_SIZES[dtype])) fail(source, `${where}: shape ${describeValue(shape, 80)} is absurdly large`);
    if (!Array.isArray(offsets) || offsets.length !== 2 ||
      !offsets.every((o) => typeof o === 'number' && Number.isSafeInteger(o) && o >= 0)) {
      fail(source, `${where}: data_offsets must be [begin, end] non-negative integers, got ${describeValue(offsets, 60)}`);
    }
    const [begin, end] = offsets as [number, number];
    if (end < begin) fail(source, `${where}: data_offsets [${begin}, ${end}] end before begin`);
    if (end > dataLen) fail(source, `${where}: data_offsets [${begin}, ${end}] run past the data buffer (${dataLen} bytes; truncated?)`);
    const expected = count * DTYPE_SIZES[dtype];
    if (end - begin !== expected) {
      fail(source, `${where}: ${dtype} shape [${(shape as number[]).join(', ')}] needs ${expected} bytes but data_offsets [${begin}, ${end}] hold ${end - begin}`);
    }
    entries.push({ name, dtype, shape: shape as number[], count, begin, end });
  }

  // The format requires the tensors to tile the data buffer exactly: no overlap, no holes.
  const sorted = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let pos = 0;
  for (const e of sorted) {
    if (e.begin < pos) fail(source, `${tname(e.name)}: data_offsets [${e.begin}, ${e.end}] overlap the previous tensor (which ends at ${pos})`);
    if (e.begin > pos) fail(source, `${tname(e.name)}: data_offsets [${e.begin}, ${e.end}] leave a gap after byte ${pos}`);
    pos = e.end;
  }
  if (pos !== dataLen) fail(source, `data buffer is ${dataLen} bytes but the tensors cover ${pos} (trailing bytes)`);
  return { entries, metadata };
}

/** Parses a safetensors buffer. `source` (a file name) goes into every error message. */
export function decodeSafetensors(bytes: Uint8Array, source = '<buffer>'): DecodedSafetensors {
  if (!(bytes instanceof Uint8Array)) fail(source, `expected bytes (Uint8Array), got ${typeof bytes}`);
  const headerLen = headerLength(bytes, bytes.length, source);
  const dataStart = 8 + headerLen;
  const { entries, metadata } = parseSafetensorsHeader(bytes.subarray(8, dataStart), bytes.length - dataStart, source);
  const tensors = new Map<string, DecodedTensor>();
  for (const e of entries) {
    tensors.set(e.name, { shape: e.shape, dtype: e.dtype, data: convert(bytes, dataStart + e.begin, e.count, e.dtype) });
  }
  return { tensors, metadata };
}

/** Serialises float32 tensors (F32, header padded with spaces to a multiple of 8 bytes). */
export function encodeSafetensors(entries: SafetensorsEntry[], metadata?: Record<string, string>): Uint8Array {
  const header: Record<string, unknown> = {};
  if (metadata && Object.keys(metadata).length > 0) {
    for (const [k, v] of Object.entries(metadata)) {
      if (typeof v !== 'string') throw new ConvnetsError(`encodeSafetensors: metadata '${k}' must be a string, got ${typeof v}`);
    }
    header.__metadata__ = { ...metadata };
  }
  let offset = 0;
  const seen = new Set<string>();
  for (const e of entries) {
    if (typeof e.name !== 'string' || e.name === '' || e.name === '__metadata__') {
      throw new ConvnetsError(`encodeSafetensors: invalid tensor name ${describeValue(e.name, 80)}`);
    }
    if (seen.has(e.name)) throw new ConvnetsError(`encodeSafetensors: duplicate tensor name '${safeText(e.name, 100)}'`);
    seen.add(e.name);
    if (!Array.isArray(e.shape) || !e.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      throw new ConvnetsError(`encodeSafetensors: tensor '${e.name}' shape must be non-negative integers, got ${describeValue(e.shape, 80)}`);
    }
    const count = e.shape.reduce((a, b) => a * b, 1);
    if (!(e.data instanceof Float32Array) || e.data.length !== count) {
      throw new ConvnetsError(`encodeSafetensors: tensor '${safeText(e.name, 100)}' shape [${e.shape.join(', ')}] needs ${count} float32 values, ` +
        `got ${e.data instanceof Float32Array ? e.data.length : typeof e.data}`);
    }
    header[e.name] = { dtype: 'F32', shape: [...e.shape], data_offsets: [offset, offset + count * 4] };
    offset += count * 4;
  }
  let json = Buffer.from(JSON.stringify(header), 'utf8');
  const padded = Math.ceil(json.length / 8) * 8;
  if (padded !== json.length) json = Buffer.concat([json, Buffer.alloc(padded - json.length, 0x20)]);
  const out = new Uint8Array(8 + json.length + offset);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, json.length % 4294967296, true);
  dv.setUint32(4, Math.floor(json.length / 4294967296), true);
  out.set(json, 8);
  let pos = 8 + json.length;
  for (const e of entries) {
    if (hostLittleEndian) out.set(new Uint8Array(e.data.buffer, e.data.byteOffset, e.data.byteLength), pos);
    else for (let i = 0; i < e.data.length; i++) dv.setFloat32(pos + i * 4, e.data[i], true);
    pos += e.data.byteLength;
  }
  return out;
}

/**
 * Writes atomically: a temp file next to the target, fsync, rename. A failure at any point leaves the
 * previous file intact (rename within a directory is atomic on POSIX). Synchronous, so `await` is optional.
 */
export function writeSafetensorsFile(file: string, entries: SafetensorsEntry[], metadata?: Record<string, string>): void {
  const bytes = encodeSafetensors(entries, metadata);
  writeFileAtomic(file, bytes);
}

export function writeFileAtomic(file: string, bytes: Uint8Array): void {
  const dir = path.dirname(path.resolve(file));
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`);
  let fd: number | null = null;
  try {
    fd = fs.openSync(tmp, 'w', 0o644);
    let off = 0;
    while (off < bytes.length) off += fs.writeSync(fd, bytes, off, bytes.length - off);
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = null;
    fs.renameSync(tmp, file);
    // The rename lives in the directory: sync it too, or a power cut can bring the old file back.
    fsyncDir(dir);
  } catch (e) {
    if (fd !== null) { try { fs.closeSync(fd); } catch { /* already failing */ } }
    try { fs.unlinkSync(tmp); } catch { /* may not exist */ }
    throw new ConvnetsError(`cannot write ${safeText(file, 200)}: ${safeText((e as Error).message, 300)}`);
  }
}

/** Reads and validates the header of a file; no tensor data is read. */
export function readSafetensorsHeader(file: string): SafetensorsHeader {
  const f = openRegularFile(file, '');
  try { return headerOf(f); } finally { closeFile(f); }
}

function headerOf(f: OpenFile): SafetensorsHeader {
  const source = safeText(f.file, 200);
  const prefix = f.size >= 8 ? readRange(f, 0, 8, 'safetensors file') : new Uint8Array(8);
  const headerLen = headerLength(prefix, f.size, source);
  const json = readRange(f, 8, headerLen, 'safetensors file');
  const dataStart = 8 + headerLen;
  return { ...parseSafetensorsHeader(json, f.size - dataStart, source), dataStart };
}

export interface ReadSafetensorsOptions {
  /** Reads only the tensors this accepts (the others are validated in the header but never read). */
  filter?: (name: string, entry: SafetensorsHeaderEntry) => boolean;
}

/**
 * Reads and decodes a .safetensors file (errors name the file). Bounded: the file must be a regular
 * file; the header is read and validated against the file size first, then only the declared byte
 * ranges are read, each straight into its own array (no whole-file buffer, no 2 GiB limit).
 */
export function readSafetensorsFile(file: string, options: ReadSafetensorsOptions = {}): DecodedSafetensors {
  const f = openRegularFile(file, '');
  try {
    const { entries, metadata, dataStart } = headerOf(f);
    const tensors = new Map<string, DecodedTensor>();
    for (const e of entries) {
      if (options.filter && !options.filter(e.name, e)) continue;
      let data: Float32Array;
      if (e.dtype === 'F32' && hostLittleEndian) {
        data = new Float32Array(e.count);
        readRange(f, dataStart + e.begin, e.end - e.begin, 'safetensors file', new Uint8Array(data.buffer));
      } else {
        data = convert(readRange(f, dataStart + e.begin, e.end - e.begin, 'safetensors file'), 0, e.count, e.dtype);
      }
      tensors.set(e.name, { shape: e.shape, dtype: e.dtype, data });
    }
    return { tensors, metadata };
  } finally {
    closeFile(f);
  }
}
