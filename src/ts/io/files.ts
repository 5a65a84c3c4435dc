// Bounded file reading shared by every reader: open without blocking (a FIFO would otherwise block
// the open forever), refuse anything that is not a regular file (/dev/zero, FIFOs, sockets,
// directories) before reading a byte, and read only the byte ranges a validated header declares.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ConvnetsError } from '../core/backend.js';
import { safeText } from '../core/text.js';

export interface OpenFile { fd: number; size: number; file: string; }

function kindOf(st: fs.Stats): string {
  return st.isDirectory() ? 'a directory' : st.isFIFO() ? 'a FIFO (named pipe)' : st.isCharacterDevice() ? 'a character device'
    : st.isBlockDevice() ? 'a block device' : st.isSocket() ? 'a socket' : 'not a regular file';
}

/** Opens `file` for reading if it is a regular file; `what` names it in errors ("weights file"). */
export function openRegularFile(file: string, what = 'file'): OpenFile {
  const name = safeText(file, 200);
  const label = what ? `${what} ${name}` : name;
  let fd: number;
  try {
    // O_NONBLOCK: opening a FIFO with no writer returns at once instead of blocking; fstat then refuses it.
    fd = fs.openSync(file, fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0));
  } catch (e) {
    throw new ConvnetsError(`cannot read ${label}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  let st: fs.Stats;
  try {
    st = fs.fstatSync(fd);
  } catch (e) {
    fs.closeSync(fd);
    throw new ConvnetsError(`cannot read ${label}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  if (!st.isFile()) {
    fs.closeSync(fd);
    throw new ConvnetsError(`${label} is ${kindOf(st)}, not a regular file`);
  }
  return { fd, size: st.size, file };
}

export function closeFile(f: OpenFile): void {
  try { fs.closeSync(f.fd); } catch { /* already closed */ }
}

/** Reads exactly `length` bytes at `position` into `into` (allocated when absent); a short read is an error. */
export function readRange(f: OpenFile, position: number, length: number, what = 'file', into?: Uint8Array): Uint8Array {
  const out = into ?? new Uint8Array(length);
  let off = 0;
  while (off < length) {
    // readSync takes at most 2 GiB - 1 per call.
    const n = fs.readSync(f.fd, out, off, Math.min(length - off, 0x40000000), position + off);
    if (n === 0) {
      throw new ConvnetsError(`${what ? what + ' ' : ''}${safeText(f.file, 200)}: ended after ${position + off} bytes while reading ${length} bytes at ${position} (the file changed or is truncated)`);
    }
    off += n;
  }
  return out;
}

/** Whole-file read after the regular-file check, refused above `maxBytes`. */
export function readRegularFile(file: string, what = 'file', maxBytes = Number.MAX_SAFE_INTEGER): Uint8Array {
  const f = openRegularFile(file, what);
  try {
    if (f.size > maxBytes) throw new ConvnetsError(`${what} ${safeText(file, 200)} is ${f.size} bytes, more than the ${maxBytes} allowed`);
    return readRange(f, 0, f.size, what);
  } finally {
    closeFile(f);
  }
}

/** fsync of a directory, so a rename inside it survives a power cut (best effort where unsupported). */
export function fsyncDir(dir: string): void {
  let fd: number | null = null;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch (e) {
    // Some filesystems (and Windows) cannot fsync a directory; the rename itself has happened.
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'EINVAL' && code !== 'EISDIR' && code !== 'EPERM' && code !== 'EBADF' && code !== 'ENOTSUP') throw e;
  } finally {
    if (fd !== null) fs.closeSync(fd);
  }
}

/** The directory of `file` (resolved). */
export function dirOf(file: string): string { return path.dirname(path.resolve(file)); }
