// A small, bounded zip reader for the archives torch.save writes (data.pkl + one entry per storage,
// usually STORED, ZIP64 records for large files). It works from a file descriptor: it reads the end
// record and the central directory, then single entries or byte ranges on demand, so a 3 GB
// checkpoint is never read whole. Every size and offset is checked against the file length (and the
// limits below) before anything is allocated; deflated entries are inflated with an output bound.
//
// Why not a library: adm-zip reads the whole file into memory; yauzl is stream-oriented and has no
// positional read of a stored entry's bytes into a caller's buffer, which is the one operation we need
// for large storages. What we need (end record, central directory, local header, inflate with a
// bound) is ~200 lines.
import * as fs from 'node:fs';
import * as zlib from 'node:zlib';
import { ConvnetsError } from '../core/backend.js';

export interface ZipEntry {
  name: string;
  /** 0 = stored, 8 = deflated (anything else is refused when read). */
  method: number;
  compressedSize: number;
  size: number;
  crc32: number;
  localHeaderOffset: number;
}

export interface ZipLimits {
  /** Largest central directory accepted (bytes). */
  maxDirectoryBytes?: number;
  /** Most entries accepted. */
  maxEntries?: number;
  /** Largest inflated size of one deflated entry (bytes). */
  maxInflatedBytes?: number;
}

const DEFAULTS: Required<ZipLimits> = { maxDirectoryBytes: 64 << 20, maxEntries: 200_000, maxInflatedBytes: 1 << 30 };
/** Deflate cannot compress better than about 1032:1; a larger declared ratio is a forged size (a bomb). */
const MAX_DEFLATE_RATIO = 1032;

/** zlib.crc32 is in Node >= 20.15 / 22.2; a table-driven fallback for older runtimes. */
let crcTable: Uint32Array | null = null;
export function crc32(b: Uint8Array): number {
  const native = (zlib as unknown as { crc32?: (d: Uint8Array) => number }).crc32;
  if (typeof native === 'function') return native(b) >>> 0;
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) { let c = n; for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1; crcTable[n] = c >>> 0; }
  }
  let c = 0xffffffff;
  for (let i = 0; i < b.length; i++) c = crcTable[(c ^ b[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** A name from a file, safe to print: control characters replaced, at most `max` characters. */
export function printable(s: string, max = 80): string {
  const t = s.length > max ? `${s.slice(0, max)}...` : s;
  return t.replace(/[\x00-\x1f\x7f-\x9f]/g, '?');
}

const u16 = (b: Uint8Array, o: number): number => b[o] | (b[o + 1] << 8);
const u32 = (b: Uint8Array, o: number): number => (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16)) + b[o + 3] * 0x1000000;
function u64(b: Uint8Array, o: number, what: string, fail: (m: string) => never): number {
  const v = u32(b, o) + u32(b, o + 4) * 0x100000000;
  if (!Number.isSafeInteger(v)) fail(`${what} ${v} is not a representable size`);
  return v;
}

export class ZipReader {
  readonly entries = new Map<string, ZipEntry>();
  private readonly limits: Required<ZipLimits>;
  private fd: number;

  private constructor(readonly file: string, fd: number, readonly fileSize: number, limits: ZipLimits) {
    this.fd = fd;
    this.limits = { ...DEFAULTS, ...limits };
  }

  /** Opens a regular file and reads its central directory (nothing else). */
  static open(file: string, limits: ZipLimits = {}): ZipReader {
    let fd: number;
    // stat before open: opening a FIFO would block until a writer appears.
    try { if (!fs.statSync(file).isFile()) throw new ConvnetsError(`${file}: not a regular file`); } catch (e) {
      if (e instanceof ConvnetsError) throw e;
      throw new ConvnetsError(`${file}: cannot open (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
    try { fd = fs.openSync(file, 'r'); } catch (e) { throw new ConvnetsError(`${file}: cannot open (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`); }
    try {
      const st = fs.fstatSync(fd);
      if (!st.isFile()) throw new ConvnetsError(`${file}: not a regular file`);
      const z = new ZipReader(file, fd, st.size, limits);
      z.readDirectory();
      return z;
    } catch (e) {
      fs.closeSync(fd);
      throw e;
    }
  }

  fail(msg: string): never {
    throw new ConvnetsError(`zip ${this.file}: ${msg}`);
  }

  close(): void {
    if (this.fd >= 0) fs.closeSync(this.fd);
    this.fd = -1;
  }

  /** Reads `length` bytes at `position` (checked against the file size) into `into` or a new buffer. */
  readRange(position: number, length: number, into?: Uint8Array): Uint8Array {
    if (!Number.isSafeInteger(position) || !Number.isSafeInteger(length) || position < 0 || length < 0 || position + length > this.fileSize) {
      this.fail(`read of ${length} bytes at offset ${position} runs past the end of the file (${this.fileSize} bytes; truncated?)`);
    }
    const buf = into ?? new Uint8Array(length);
    let done = 0;
    while (done < length) {
      const n = fs.readSync(this.fd, buf, done, Math.min(length - done, 1 << 30), position + done);
      if (n === 0) this.fail(`unexpected end of file at offset ${position + done}`);
      done += n;
    }
    return buf;
  }

  private readDirectory(): void {
    const size = this.fileSize;
    if (size < 22) this.fail(`file is ${size} bytes, too short for a zip end record (truncated?)`);
    // The end record is in the last 22 + 65535 (comment) bytes.
    const tailLen = Math.min(size, 22 + 65535);
    const tail = this.readRange(size - tailLen, tailLen);
    let eocd = -1;
    for (let i = tailLen - 22; i >= 0; i--) {
      if (tail[i] === 0x50 && tail[i + 1] === 0x4b && tail[i + 2] === 5 && tail[i + 3] === 6) { eocd = i; break; }
    }
    if (eocd < 0) this.fail('no end-of-central-directory record (not a zip archive, or truncated)');
    let count = u16(tail, eocd + 10);
    let cdSize = u32(tail, eocd + 12);
    let cdOffset = u32(tail, eocd + 16);
    if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) {
      // ZIP64: a locator 20 bytes before the end record points to the ZIP64 end record.
      const loc = eocd - 20;
      if (loc < 0 || u32(tail, loc) !== 0x07064b50) this.fail('ZIP64 sizes without a ZIP64 locator');
      const recOff = u64(tail, loc + 8, 'ZIP64 end record offset', (m) => this.fail(m));
      const rec = this.readRange(recOff, 56);
      if (u32(rec, 0) !== 0x06064b50) this.fail(`no ZIP64 end record at offset ${recOff}`);
      count = u64(rec, 32, 'entry count', (m) => this.fail(m));
      cdSize = u64(rec, 40, 'central directory size', (m) => this.fail(m));
      cdOffset = u64(rec, 48, 'central directory offset', (m) => this.fail(m));
    }
    if (count > this.limits.maxEntries) this.fail(`${count} entries exceed the limit of ${this.limits.maxEntries}`);
    if (cdSize > this.limits.maxDirectoryBytes) this.fail(`central directory of ${cdSize} bytes exceeds the limit of ${this.limits.maxDirectoryBytes}`);
    if (cdOffset + cdSize > size) this.fail(`central directory (${cdSize} bytes at ${cdOffset}) runs past the end of the file (${size} bytes; truncated?)`);
    if (count * 46 > cdSize) this.fail(`${count} entries cannot fit in a ${cdSize}-byte central directory`);
    const cd = this.readRange(cdOffset, cdSize);
    let p = 0;
    for (let i = 0; i < count; i++) {
      if (p + 46 > cdSize || u32(cd, p) !== 0x02014b50) this.fail(`central directory entry ${i} is malformed`);
      const method = u16(cd, p + 10);
      const crc32 = u32(cd, p + 16);
      let compressedSize = u32(cd, p + 20);
      let usize = u32(cd, p + 24);
      const nameLen = u16(cd, p + 28); const extraLen = u16(cd, p + 30); const commentLen = u16(cd, p + 32);
      let localHeaderOffset = u32(cd, p + 42);
      const end = p + 46 + nameLen + extraLen + commentLen;
      if (end > cdSize) this.fail(`central directory entry ${i} runs past the directory`);
      let name: string;
      try { name = new TextDecoder('utf-8', { fatal: true }).decode(cd.subarray(p + 46, p + 46 + nameLen)); } catch { this.fail(`entry ${i} has a name that is not UTF-8`); }
      // ZIP64 extra field: the 64-bit values, in this order, for the fields stored as 0xffffffff.
      let e = p + 46 + nameLen;
      const extraEnd = e + extraLen;
      while (e + 4 <= extraEnd) {
        const id = u16(cd, e); const len = u16(cd, e + 2);
        if (e + 4 + len > extraEnd) this.fail(`entry '${printable(name)}': extra field runs past its record`);
        if (id === 1) {
          let q = e + 4;
          const take = (what: string): number => {
            if (q + 8 > e + 4 + len) this.fail(`entry '${printable(name)}': ZIP64 field '${what}' missing`);
            const v = u64(cd, q, what, (m) => this.fail(`entry '${printable(name)}': ${m}`)); q += 8; return v;
          };
          if (usize === 0xffffffff) usize = take('size');
          if (compressedSize === 0xffffffff) compressedSize = take('compressed size');
          if (localHeaderOffset === 0xffffffff) localHeaderOffset = take('offset');
        }
        e += 4 + len;
      }
      if (localHeaderOffset + 30 + compressedSize > cdOffset + cdSize) {
        this.fail(`entry '${printable(name)}' (${compressedSize} bytes at ${localHeaderOffset}) runs past the archive (truncated?)`);
      }
      if (this.entries.has(name)) this.fail(`duplicate entry '${printable(name)}'`);
      this.entries.set(name, { name, method, compressedSize, size: usize, crc32, localHeaderOffset });
      p = end;
    }
  }

  /** Offset of the entry's data in the file (after its local header), checked to lie inside the file. */
  dataOffset(entry: ZipEntry): number {
    const h = this.readRange(entry.localHeaderOffset, 30);
    if (u32(h, 0) !== 0x04034b50) this.fail(`entry '${printable(entry.name)}': no local header at offset ${entry.localHeaderOffset}`);
    const start = entry.localHeaderOffset + 30 + u16(h, 26) + u16(h, 28);
    if (start + entry.compressedSize > this.fileSize) {
      this.fail(`entry '${printable(entry.name)}' (${entry.compressedSize} bytes at ${start}) runs past the end of the file (${this.fileSize} bytes; truncated?)`);
    }
    return start;
  }

  /** The whole (inflated) entry, refused when its size exceeds `maxBytes`; the CRC is checked. */
  read(entry: ZipEntry, maxBytes: number): Uint8Array {
    if (entry.size > maxBytes) this.fail(`entry '${printable(entry.name)}' is ${entry.size} bytes, over the ${maxBytes}-byte limit for it`);
    const start = this.dataOffset(entry);
    let out: Uint8Array;
    if (entry.method === 0) {
      if (entry.compressedSize !== entry.size) this.fail(`stored entry '${printable(entry.name)}' has compressed size ${entry.compressedSize} != size ${entry.size}`);
      out = this.readRange(start, entry.size);
    } else if (entry.method === 8) {
      if (entry.size > this.limits.maxInflatedBytes) this.fail(`deflated entry '${printable(entry.name)}' declares ${entry.size} bytes, over the ${this.limits.maxInflatedBytes}-byte limit`);
      if (entry.size > MAX_DEFLATE_RATIO * entry.compressedSize + 1024) {
        this.fail(`deflated entry '${printable(entry.name)}' declares ${entry.size} bytes from ${entry.compressedSize} (a ratio deflate cannot reach: a zip bomb or a forged size)`);
      }
      const raw = this.readRange(start, entry.compressedSize);
      try {
        out = zlib.inflateRawSync(raw, { maxOutputLength: Math.max(1, entry.size) });
      } catch (e) {
        this.fail(`entry '${printable(entry.name)}': inflating failed or exceeded its declared ${entry.size} bytes (${(e as Error).message.slice(0, 200)})`);
      }
      if (out.length !== entry.size) this.fail(`entry '${printable(entry.name)}' inflated to ${out.length} bytes, declared ${entry.size}`);
    } else {
      this.fail(`entry '${printable(entry.name)}' uses compression method ${entry.method} (only stored and deflated are read)`);
    }
    if (crc32(out) !== entry.crc32) this.fail(`entry '${printable(entry.name)}' fails its CRC-32 check (corrupt file)`);
    return out;
  }
}
