// Exclusive ownership of a checkpoint path for one training run: `<checkpoint>.lock` holds the owner's
// pid, host and start time. A second run on the same path is refused; a lock whose process is gone
// (same host, pid not alive) is stale and taken over. The lock is written to a temp file and linked
// into place, so it is never seen half-written. Also: removal of temp files left by killed writes,
// and a check that a path can be written before hours of training depend on it.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ConvnetsError } from '../core/backend.js';
import { safeText } from '../core/text.js';

export interface LockInfo { pid: number; host: string; started: string; }
export interface Lock { readonly file: string; release(): void; }

function alive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch (e) { return (e as NodeJS.ErrnoException).code === 'EPERM'; }
}

function readLock(lockFile: string): LockInfo | null {
  try {
    const st = fs.lstatSync(lockFile);
    if (!st.isFile() || st.size > 4096) return null;
    const v = JSON.parse(fs.readFileSync(lockFile, 'utf8')) as Partial<LockInfo>;
    if (!Number.isSafeInteger(v.pid) || typeof v.host !== 'string') return null;
    return { pid: v.pid!, host: v.host, started: String(v.started ?? '?') };
  } catch {
    return null;
  }
}

/** Takes `<file>.lock` or throws a ConvnetsError naming the run that holds it. */
export function acquireLock(file: string, what = 'checkpoint'): Lock {
  const lockFile = `${path.resolve(file)}.lock`;
  const dir = path.dirname(lockFile);
  const me: LockInfo = { pid: process.pid, host: os.hostname(), started: new Date().toISOString() };
  const tmp = path.join(dir, `.${path.basename(lockFile)}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`);
  try {
    fs.writeFileSync(tmp, JSON.stringify(me) + '\n', { flag: 'wx', mode: 0o644 });
  } catch (e) {
    throw new ConvnetsError(`cannot lock ${what} ${safeText(file, 200)}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message} (is ${safeText(dir, 200)} a writable directory?)`);
  }
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        fs.linkSync(tmp, lockFile); // atomic, fails with EEXIST when held
        break;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || attempt >= 3) {
          throw new ConvnetsError(`cannot lock ${what} ${safeText(file, 200)}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
        }
      }
      const held = readLock(lockFile);
      const sameHost = held !== null && held.host === me.host;
      if (held !== null && (!sameHost || alive(held.pid))) {
        throw new ConvnetsError(`${what} ${safeText(file, 200)} is in use by another training run (pid ${held.pid} on ${safeText(held.host, 60)}, since ${safeText(held.started, 40)}; ` +
          `lock file ${safeText(lockFile, 200)}). Use another path, or wait for that run; if it is gone, delete the lock file.`);
      }
      // Stale (owner dead) or unreadable: move it aside atomically, so only one contender breaks it.
      const aside = `${lockFile}.stale.${process.pid}`;
      try { fs.renameSync(lockFile, aside); } catch { continue; }
      const moved = readLock(aside);
      if (moved && (moved.pid !== held?.pid || moved.started !== held?.started)) {
        // Another run took the lock between our read and the rename: give it back.
        try { fs.linkSync(aside, lockFile); } catch { /* it re-locked already */ }
      }
      try { fs.unlinkSync(aside); } catch { /* gone */ }
    }
  } finally {
    try { fs.unlinkSync(tmp); } catch { /* linked or never made */ }
  }
  let released = false;
  const release = (): void => {
    if (released) return;
    released = true;
    process.removeListener('exit', release);
    // Only our own lock: never remove one another run took over.
    const held = readLock(lockFile);
    if (held && held.pid === me.pid && held.started === me.started) { try { fs.unlinkSync(lockFile); } catch { /* gone */ } }
  };
  // process.exit() (a closed stdout, a signal handler) skips finally blocks but not 'exit' listeners.
  process.on('exit', release);
  return { file: lockFile, release };
}

/** Temp files writeFileAtomic() leaves when killed mid-write: `.<base>.<pid>.<random>.tmp`. */
export function staleTempFiles(file: string): string[] {
  const dir = path.dirname(path.resolve(file));
  const base = path.basename(file);
  let names: string[];
  try { names = fs.readdirSync(dir); } catch { return []; }
  const prefix = `.${base}.`;
  const out: string[] = [];
  for (const n of names) {
    if (!n.startsWith(prefix) || !n.endsWith('.tmp')) continue;
    const m = /^(\d+)\.[0-9a-z]+\.tmp$/.exec(n.slice(prefix.length));
    if (!m || Number(m[1]) === process.pid) continue;
    out.push(path.join(dir, n));
  }
  return out;
}

/**
 * Removes the temp files of `file` that killed writers left (call while holding its lock: then no
 * other process can be writing them). Returns how many files and bytes went.
 */
export function removeStaleTempFiles(file: string): { files: number; bytes: number } {
  let files = 0, bytes = 0;
  for (const f of staleTempFiles(file)) {
    try {
      const st = fs.lstatSync(f);
      if (!st.isFile()) continue;
      fs.unlinkSync(f);
      files++; bytes += st.size;
    } catch { /* raced away */ }
  }
  return { files, bytes };
}

/**
 * Checks before training that `file` can be written: its directory exists and takes a new file, and
 * the path is not a directory. `flag` names the option in the error.
 */
export function checkWritable(file: string, flag: string): void {
  const abs = path.resolve(file);
  const dir = path.dirname(abs);
  const f = safeText(file, 200);
  let st: fs.Stats | undefined;
  try { st = fs.statSync(abs); } catch { /* does not exist yet: fine */ }
  if (st && !st.isFile()) throw new ConvnetsError(`${flag} ${f}: is ${st.isDirectory() ? 'a directory' : 'not a regular file'}, cannot write it`);
  let dst: fs.Stats;
  try { dst = fs.statSync(dir); } catch { throw new ConvnetsError(`${flag} ${f}: directory ${safeText(dir, 200)} does not exist`); }
  if (!dst.isDirectory()) throw new ConvnetsError(`${flag} ${f}: ${safeText(dir, 200)} is not a directory`);
  // The writer makes a temp file next to the target and renames it: try exactly that.
  const probe = path.join(dir, `.${path.basename(abs)}.${process.pid}.probe${Math.random().toString(36).slice(2)}.tmp`);
  try {
    fs.writeFileSync(probe, '', { flag: 'wx' });
  } catch (e) {
    throw new ConvnetsError(`${flag} ${f}: cannot write in ${safeText(dir, 200)} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  try { fs.unlinkSync(probe); } catch { /* best effort */ }
}
