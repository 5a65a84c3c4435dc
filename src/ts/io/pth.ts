// PyTorch checkpoint files (torch.save) read without Python:
// - the zip format (torch >= 1.6): <root>/data.pkl (the pickled state dict, storages as persistent ids
//   ('storage', torch.FloatStorage, key, location, numel)) + <root>/data/<key> raw little-endian bytes;
// - the legacy format (torch < 1.6, and old torchvision downloads): five pickles in a row (magic
//   number, protocol version, system info, the object, the sorted storage keys), then each storage as
//   an 8-byte element count followed by its bytes.
// The pickle goes through the restricted unpickler (pickle.ts); tensors are read by range from the
// file descriptor after their storage offset, sizes and strides are checked, never the whole file.
import * as fs from 'node:fs';
import { ConvnetsError } from '../core/backend.js';
import type { DecodedSafetensors, DecodedTensor } from './safetensors.js';
import { readSafetensorsFile } from './safetensors.js';
import { PyDict, PyTuple, STORAGE_DTYPES, describe, isTensor, unpickle } from './pickle.js';
import type { StorageRef, TensorRef } from './pickle.js';
import { ZipReader, crc32, printable } from './zip.js';

/** data.pkl (or the legacy pickles) larger than this are refused: real state dicts have ~100 KB. */
export const MAX_PICKLE_BYTES = 64 << 20;
const LEGACY_MAGIC = 0x1950a86a20f9469cfc6cn;

export interface DecodedCheckpoint extends DecodedSafetensors {
  format: 'safetensors' | 'pth-zip' | 'pth-legacy';
}

interface StorageSource {
  /** Byte range of the storage in the file, or its inflated bytes. */
  read(byteOffset: number, byteLength: number, into?: Uint8Array): Uint8Array;
  bytes: number;
  /** CRC-32 of the whole storage (zip entries): checked when one tensor reads all of it. */
  crc?: number;
}

const ELEM = (dtype: string): number => Object.values(STORAGE_DTYPES).find(([d]) => d === dtype)![1];

function storageFrom(pid: unknown, source: string, legacy: boolean): StorageRef {
  const fail = (m: string): never => { throw new ConvnetsError(`pth ${source}: ${m}`); };
  if (!(pid instanceof PyTuple)) return fail(`persistent id ${describe(pid)} is not a tuple`);
  const [tag, type, key, location, numel, view] = pid.items;
  if (tag !== 'storage') fail(`persistent id of kind ${describe(tag)} (only 'storage' is read)`);
  if (!(typeof type === 'object' && type !== null && 'module' in type && (type as { module: string }).module === 'torch')) {
    fail(`storage type ${describe(type)} is not a torch storage class`);
  }
  const dt = STORAGE_DTYPES[(type as { name: string }).name];
  if (!dt) fail(`storage type torch.${(type as { name: string }).name} is not supported`);
  if (typeof key !== 'string' || !/^[A-Za-z0-9_]{1,64}$/.test(key)) fail(`storage key ${describe(key)} is not a plain name`);
  if (typeof location !== 'string') fail(`storage location ${describe(location)} is not a string`);
  if (typeof numel !== 'number' || !Number.isSafeInteger(numel) || numel < 0) fail(`storage ${key}: element count ${describe(numel)} is not a non-negative integer`);
  let base = 0; let n = numel as number;
  if (legacy && view !== undefined && view !== null) {
    // (view_key, offset, view_size): a view into root storage `key`.
    const v = view instanceof PyTuple ? view.items : [];
    if (v.length !== 3 || typeof v[1] !== 'number' || typeof v[2] !== 'number') fail(`storage ${key}: malformed view ${describe(view)}`);
    base = v[1] as number; n = v[2] as number;
    if (!Number.isSafeInteger(base) || !Number.isSafeInteger(n) || base < 0 || n < 0 || base + n > (numel as number)) {
      fail(`storage ${key}: view [${base}, ${base + n}) outside its ${numel} elements`);
    }
  }
  return { kind: 'storage', key: key as string, dtype: dt[0], numel: n, location: location as string, base };
}

const hostLittleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1; const e = (h >> 10) & 0x1f; const m = h & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m ? NaN : s * Infinity;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}

let halfLut: Float32Array | null = null;
/** float16 bits -> float32, all 65,536 of them (built once). */
function halfTable(): Float32Array {
  if (!halfLut) { halfLut = new Float32Array(65536); for (let h = 0; h < 65536; h++) halfLut[h] = halfToFloat(h); }
  return halfLut;
}

/** `count` elements of `dtype` (little-endian bytes) -> float32, element i at bytes[i * size]. */
function toFloat32(b: Uint8Array, dtype: string, count: number, out = new Float32Array(count), pick?: Int32Array | Float64Array): Float32Array {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const at = (i: number): number => (pick ? pick[i] : i);
  switch (dtype) {
    case 'F32': for (let i = 0; i < count; i++) out[i] = dv.getFloat32(at(i) * 4, true); break;
    case 'F64': for (let i = 0; i < count; i++) out[i] = dv.getFloat64(at(i) * 8, true); break;
    case 'F16': {
      const lut = halfTable();
      if (!pick && hostLittleEndian && b.byteOffset % 2 === 0) {
        const h = new Uint16Array(b.buffer, b.byteOffset, count);
        for (let i = 0; i < count; i++) out[i] = lut[h[i]];
      } else {
        for (let i = 0; i < count; i++) out[i] = lut[dv.getUint16(at(i) * 2, true)];
      }
      break;
    }
    case 'BF16': { const u = new Uint32Array(1); const f = new Float32Array(u.buffer); for (let i = 0; i < count; i++) { u[0] = dv.getUint16(at(i) * 2, true) << 16; out[i] = f[0]; } break; }
    case 'I64': for (let i = 0; i < count; i++) out[i] = Number(dv.getBigInt64(at(i) * 8, true)); break;
    case 'I32': for (let i = 0; i < count; i++) out[i] = dv.getInt32(at(i) * 4, true); break;
    case 'I16': for (let i = 0; i < count; i++) out[i] = dv.getInt16(at(i) * 2, true); break;
    case 'I8': for (let i = 0; i < count; i++) out[i] = dv.getInt8(at(i)); break;
    default: for (let i = 0; i < count; i++) out[i] = dv.getUint8(at(i)); break; // U8, BOOL
  }
  return out;
}

/** Reads one tensor: checks its extent against the storage, then reads only that range. */
function readTensor(name: string, t: TensorRef, src: StorageSource, source: string): DecodedTensor {
  const fail = (m: string): never => { throw new ConvnetsError(`pth ${source}: tensor '${printable(name)}': ${m}`); };
  const { storage, shape, stride } = t;
  const es = ELEM(storage.dtype);
  let numel = 1;
  for (const d of shape) { numel *= d; if (!Number.isSafeInteger(numel)) fail(`size [${shape.join(', ')}] overflows`); }
  if ((storage.base + storage.numel) * es > src.bytes) {
    fail(`storage ${storage.key} declares ${storage.base + storage.numel} ${storage.dtype} elements but holds ${Math.floor(src.bytes / es)} (truncated?)`);
  }
  const data = new Float32Array(numel);
  if (numel === 0) return { shape: [...shape], data, dtype: storage.dtype };
  let last = t.offset;
  for (let i = 0; i < shape.length; i++) last += (shape[i] - 1) * stride[i];
  if (!Number.isSafeInteger(last) || last >= storage.numel) {
    fail(`offset ${t.offset}, size [${shape.join(', ')}], stride [${stride.join(', ')}] reach element ${last}, past the ${storage.numel} of storage ${storage.key}`);
  }
  let contiguous = true;
  for (let i = shape.length - 1, want = 1; i >= 0; i--) {
    if (shape[i] !== 1 && stride[i] !== want) contiguous = false;
    want *= shape[i];
  }
  const first = (storage.base + t.offset) * es;
  if (contiguous) {
    const raw = storage.dtype === 'F32' && hostLittleEndian ? src.read(first, numel * 4, new Uint8Array(data.buffer)) : src.read(first, numel * es);
    if (src.crc !== undefined && first === 0 && numel * es === src.bytes && crc32(raw) !== src.crc) {
      fail(`storage ${storage.key} fails its CRC-32 check (corrupt file)`);
    }
    if (raw.buffer !== data.buffer) toFloat32(raw, storage.dtype, numel, data);
  } else {
    // Gather a strided view from the span it covers (torch keeps views of larger storages this way).
    const span = src.read(first, (last - t.offset + 1) * es);
    const idx = new Float64Array(numel);
    const pos = new Array<number>(shape.length).fill(0);
    for (let i = 0, off = 0; i < numel; i++) {
      idx[i] = off;
      for (let d = shape.length - 1; d >= 0; d--) {
        pos[d]++; off += stride[d];
        if (pos[d] < shape[d]) break;
        off -= stride[d] * shape[d]; pos[d] = 0;
      }
    }
    toFloat32(span, storage.dtype, numel, data, idx);
  }
  return { shape: [...shape], data, dtype: storage.dtype };
}

/**
 * The tensors of the unpickled object: a dict of name -> tensor, or a training dict holding one under
 * 'state_dict' / 'model' / 'model_state_dict'. Other values (epoch numbers, optimizer dicts) are skipped.
 */
function stateDictOf(v: unknown, source: string): Map<string, TensorRef> {
  if (!(v instanceof PyDict)) throw new ConvnetsError(`pth ${source}: holds ${describe(v)}, not a state dict (torch.save(model.state_dict(), file) writes one)`);
  const direct = new Map<string, TensorRef>();
  for (const [k, x] of v.map) if (typeof k === 'string' && isTensor(x)) direct.set(k, x);
  if (direct.size === 0) {
    for (const k of ['state_dict', 'model', 'model_state_dict']) {
      const inner = v.map.get(k);
      if (inner instanceof PyDict) {
        const m = new Map<string, TensorRef>();
        for (const [n, x] of inner.map) if (typeof n === 'string' && isTensor(x)) m.set(n, x);
        if (m.size) return m;
      }
    }
    throw new ConvnetsError(`pth ${source}: no tensors at the top level of its dict (keys: ${[...v.map.keys()].slice(0, 8).map(describe).join(', ')})`);
  }
  return direct;
}

function decodeAll(refs: Map<string, TensorRef>, sources: Map<string, StorageSource>, source: string): Map<string, DecodedTensor> {
  const out = new Map<string, DecodedTensor>();
  for (const [name, t] of refs) {
    const src = sources.get(t.storage.key);
    if (!src) throw new ConvnetsError(`pth ${source}: tensor '${printable(name)}' uses storage ${t.storage.key}, which the file does not contain (truncated?)`);
    out.set(name, readTensor(name, t, src, source));
  }
  return out;
}

function readZipPth(file: string): DecodedCheckpoint {
  const z = ZipReader.open(file);
  try {
    const pkls = [...z.entries.keys()].filter((n) => /^[^/]+\/data\.pkl$/.test(n));
    if (pkls.length !== 1) throw new ConvnetsError(`pth ${file}: expected one <name>/data.pkl in the archive, found ${pkls.length} (not a torch.save file?)`);
    const root = pkls[0].slice(0, -'data.pkl'.length);
    const bo = z.entries.get(`${root}byteorder`);
    if (bo) {
      const order = new TextDecoder().decode(z.read(bo, 16));
      if (order !== 'little') throw new ConvnetsError(`pth ${file}: byte order '${order.slice(0, 16)}' (only little-endian files are read)`);
    }
    const pkl = z.read(z.entries.get(pkls[0])!, MAX_PICKLE_BYTES);
    const src = `${file} (${pkls[0]})`;
    const storages = new Map<string, StorageRef>();
    const { value } = unpickle(pkl, {
      source: src,
      persistentLoad: (pid) => {
        const s = storageFrom(pid, file, false);
        const seen = storages.get(s.key);
        if (seen && (seen.dtype !== s.dtype || seen.numel !== s.numel)) throw new ConvnetsError(`pth ${file}: storage ${s.key} declared twice with different types`);
        storages.set(s.key, s);
        return s;
      },
    });
    const refs = stateDictOf(value, file);
    const sources = new Map<string, StorageSource>();
    for (const key of new Set([...refs.values()].map((t) => t.storage.key))) {
      const e = z.entries.get(`${root}data/${key}`);
      if (!e) continue;
      if (e.method === 0) {
        const start = z.dataOffset(e);
        sources.set(key, { bytes: e.size, crc: e.crc32, read: (o, n, into) => z.readRange(start + o, n, into) });
      } else {
        // Deflated storages (an archive re-zipped by another tool): inflated once, within the zip limits.
        const s = storages.get(key)!;
        const bytes = z.read(e, s.numel * ELEM(s.dtype));
        sources.set(key, { bytes: bytes.length, read: (o, n, into) => { const b = bytes.subarray(o, o + n); if (into) { into.set(b); return into; } return b; } });
      }
    }
    return { tensors: decodeAll(refs, sources, file), metadata: {}, format: 'pth-zip' };
  } finally {
    z.close();
  }
}

function readLegacyPth(file: string, fd: number, size: number): DecodedCheckpoint {
  const fail = (m: string): never => { throw new ConvnetsError(`pth ${file} (legacy format): ${m}`); };
  // The pickles come first and are small: read 1 MB, and more (up to the limit) only if they run past it.
  for (let want = Math.min(size, 1 << 20); ; want = Math.min(size, want * 8, MAX_PICKLE_BYTES)) {
    const head = new Uint8Array(want);
    fs.readSync(fd, head, 0, head.length, 0);
    try {
      return readLegacyFrom(file, fd, size, head, fail);
    } catch (e) {
      const short = e instanceof ConvnetsError && /runs past the end of the data/.test(e.message);
      if (!short || want >= Math.min(size, MAX_PICKLE_BYTES)) throw e;
    }
  }
}

function readLegacyFrom(file: string, fd: number, size: number, head: Uint8Array, fail: (m: string) => never): DecodedCheckpoint {
  const opts = { source: `${file} (legacy format)` };
  const magic = unpickle(head, opts);
  if (magic.value !== LEGACY_MAGIC) fail('bad magic number');
  const proto = unpickle(head, opts, magic.end);
  if (proto.value !== 1001) fail(`protocol version ${describe(proto.value)} (expected 1001)`);
  const info = unpickle(head, opts, proto.end);
  if (info.value instanceof PyDict && info.value.map.get('little_endian') === false) fail('written on a big-endian machine');
  const storages = new Map<string, StorageRef>();
  // Root storages by key (their dtype gives the element size of the data section).
  const obj = unpickle(head, { source: opts.source, persistentLoad: (pid) => { const s = storageFrom(pid, file, true); storages.set(s.key, s); return s; } }, info.end);
  const keys = unpickle(head, opts, obj.end);
  if (!Array.isArray(keys.value)) fail('storage key list missing');
  const refs = stateDictOf(obj.value, file);
  const sources = new Map<string, StorageSource>();
  let p = keys.end;
  for (const key of keys.value as unknown[]) {
    if (typeof key !== 'string') fail(`storage key ${describe(key)} is not a string`);
    const s = storages.get(key as string);
    if (!s) fail(`storage ${describe(key)} is listed but never referenced`);
    if (p + 8 > size) fail(`storage ${key} header at offset ${p} runs past the end of the file (truncated?)`);
    const nb = new Uint8Array(8); fs.readSync(fd, nb, 0, 8, p);
    const n = Number(new DataView(nb.buffer).getBigInt64(0, true));
    const bytes = n * ELEM(s!.dtype);
    if (!Number.isSafeInteger(bytes) || n < 0 || p + 8 + bytes > size) fail(`storage ${key}: ${n} elements at offset ${p + 8} run past the end of the file (${size} bytes; truncated?)`);
    const start = p + 8;
    sources.set(key as string, {
      bytes,
      read: (o, len, into) => {
        if (o < 0 || o + len > bytes) fail(`read outside storage ${key}`);
        const b = into ?? new Uint8Array(len);
        let done = 0;
        while (done < len) { const r = fs.readSync(fd, b, done, len - done, start + o + done); if (r === 0) fail('unexpected end of file'); done += r; }
        return b;
      },
    });
    p = start + bytes;
  }
  return { tensors: decodeAll(refs, sources, file), metadata: {}, format: 'pth-legacy' };
}

/** What a weights file is, from its first bytes. */
export function sniffWeightsFile(file: string): { kind: 'pth-zip' | 'pth-legacy' | 'safetensors' | 'tar'; fd: number; size: number } {
  let fd: number;
  // stat before open: opening a FIFO would block until a writer appears.
  let pre: fs.Stats;
  try { pre = fs.statSync(file); } catch (e) { throw new ConvnetsError(`weights ${file}: cannot open (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`); }
  if (!pre.isFile()) throw new ConvnetsError(`weights ${file}: not a regular file`);
  try { fd = fs.openSync(file, 'r'); } catch (e) { throw new ConvnetsError(`weights ${file}: cannot open (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`); }
  const st = fs.fstatSync(fd);
  if (!st.isFile()) { fs.closeSync(fd); throw new ConvnetsError(`weights ${file}: not a regular file`); }
  const b = new Uint8Array(Math.min(262, st.size));
  fs.readSync(fd, b, 0, b.length, 0);
  const kind = b[0] === 0x50 && b[1] === 0x4b && b[2] === 3 && b[3] === 4 ? 'pth-zip'
    : b[0] === 0x80 && b[1] === 2 && b[2] === 0x8a && b[3] === 0x0a ? 'pth-legacy'
      : b.length >= 262 && new TextDecoder().decode(b.subarray(257, 262)) === 'ustar' ? 'tar' : 'safetensors';
  return { kind, fd, size: st.size };
}

/** Reads a torch.save file (zip or legacy). */
export function readPthFile(file: string): DecodedCheckpoint {
  const s = sniffWeightsFile(file);
  try {
    if (s.kind === 'pth-zip') return readZipPth(file);
    if (s.kind === 'pth-legacy') return readLegacyPth(file, s.fd, s.size);
    if (s.kind === 'tar') throw new ConvnetsError(`pth ${file}: the tar format of torch < 0.4 is not read; re-save it with torch.save(torch.load(f), f)`);
    throw new ConvnetsError(`pth ${file}: neither a torch.save zip archive nor the legacy pickle format`);
  } finally {
    fs.closeSync(s.fd);
  }
}

/**
 * Reads any weights file we accept, dispatching on its content: torch.save archives (.pth/.pt, zip or
 * legacy) and safetensors. The one entry point for predict, export, the API and --weights.
 */
export function readWeightsFile(file: string): DecodedCheckpoint {
  const s = sniffWeightsFile(file);
  fs.closeSync(s.fd);
  if (s.kind !== 'safetensors') return readPthFile(file);
  return { ...readSafetensorsFile(file), format: 'safetensors' };
}
