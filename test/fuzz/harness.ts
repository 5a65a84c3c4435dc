// A small structure-aware fuzzing harness for the file readers. Each target turns a seeded Rng into
// one case (a valid sample, then structure-aware and byte-level mutations) and runs the reader on it.
// For every case the harness asserts what a reader owes its caller: a ConvnetsError or a valid
// result (never another exception), bounded time, bounded memory (RSS growth over the run's
// baseline), and a bounded, control-character-free message. Case i of seed s is reproducible alone.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ConvnetsError } from '../../src/ts/core/backend.js';
import { Rng } from '../../src/ts/core/random.js';
import { MAX_MESSAGE_CHARS } from '../../src/ts/core/text.js';

export interface FuzzCase {
  /** What the case is (for a crash report). */
  label: string;
  /** Runs the reader; returns its result (checked by the target's `check`). */
  run(): unknown;
}

export interface FuzzTarget {
  name: string;
  /** Called once before the first case (builds seed files, models); may be async. */
  setup?(dir: string): unknown;
  make(rng: Rng, dir: string): FuzzCase | Promise<FuzzCase>;
  /** Returns a problem with an accepted result, or null when it is valid. */
  check?(result: unknown): string | null;
  /**
   * Characters tolerated in messages (counted in the report, not failed): only for a reader whose
   * messages this harness does not own (the image path relays libvips' multi-line text).
   */
  tolerate?: RegExp;
}

export interface FuzzOptions {
  /** Stop after this many cases... */
  cases?: number;
  /** ... or after this many seconds, whichever comes first. */
  seconds?: number;
  seed?: number;
  /** First case index (to replay one case: start = i, cases = 1). */
  start?: number;
  maxCaseMs?: number;
  maxRssGrowthMB?: number;
  /** Called about every `progressSeconds` with the report so far. */
  onProgress?: (r: FuzzReport) => void;
  progressSeconds?: number;
  /** Keep going after a memory overrun (judged per case then: growth during the case). Default: stop. */
  keepGoing?: boolean;
}

export interface Failure { kind: 'crash' | 'invalid' | 'slow' | 'memory' | 'message'; index: number; label: string; detail: string; }

export interface FuzzReport {
  target: string;
  seed: number;
  cases: number;
  accepted: number;
  rejected: number;
  /** Distinct rejection messages (up to the case's file name), and distinct after numbers are normalised too. */
  distinctMessages: number;
  distinctKinds: number;
  failures: Failure[];
  crashes: number;
  hangs: number;
  slowestMs: number;
  longestMessage: number;
  baseRssMB: number;
  peakRssMB: number;
  seconds: number;
  /** A few normalised rejection kinds, most frequent first. */
  topKinds: [string, number][];
  /** Messages that held a tolerated character (see FuzzTarget.tolerate). */
  toleratedMessages: number;
}

const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
const mb = (b: number): number => Math.round(b / 1048576 * 10) / 10;

/** Messages with numbers and temp paths normalised, for counting kinds of rejection. */
export function messageKind(msg: string, dir: string): string {
  return msg.split(dir).join('<dir>').replace(/'[^']*'/g, "'…'").replace(/-?\d+(\.\d+)?(e[+-]?\d+)?/gi, '#').slice(0, 160);
}

export async function fuzz(target: FuzzTarget, opts: FuzzOptions = {}): Promise<FuzzReport> {
  const seed = opts.seed ?? 1;
  const maxCases = opts.cases ?? Infinity;
  const deadline = performance.now() + (opts.seconds ?? Infinity) * 1000;
  const maxCaseMs = opts.maxCaseMs ?? 5000;
  const maxGrowth = (opts.maxRssGrowthMB ?? 1024) * 1048576;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `convnets-fuzz-${target.name}-`));
  const messages = new Set<string>();
  const kinds = new Map<string, number>();
  const failures: Failure[] = [];
  let accepted = 0, rejected = 0, slowest = 0, longest = 0, n = 0, toleratedMessages = 0;
  const t0 = performance.now();
  try {
    await target.setup?.(dir);
    (globalThis as { gc?: () => void }).gc?.();
    const base = process.memoryUsage().rss;
    let peak = base;
    let nextProgress = performance.now() + (opts.progressSeconds ?? 60) * 1000;
    const report = (): FuzzReport => ({
      target: target.name, seed, cases: n, accepted, rejected, distinctMessages: messages.size, distinctKinds: kinds.size,
      failures: failures.slice(0, 50), crashes: failures.filter((f) => f.kind === 'crash' || f.kind === 'invalid').length,
      hangs: failures.filter((f) => f.kind === 'slow').length, slowestMs: Math.round(slowest), longestMessage: longest,
      baseRssMB: mb(base), peakRssMB: mb(peak), seconds: Math.round((performance.now() - t0) / 100) / 10,
      topKinds: [...kinds.entries()].sort((a, b) => b[1] - a[1]).slice(0, 12), toleratedMessages,
    });
    for (let i = opts.start ?? 0; n < maxCases && performance.now() < deadline; i++, n++) {
      // Case i depends on (seed, i) only.
      const rng = new Rng((Math.imul(seed, 0x9e3779b1) ^ Math.imul(i + 1, 0x85ebca77)) >>> 0);
      let c: FuzzCase;
      try {
        c = await target.make(rng, dir);
      } catch (e) {
        failures.push({ kind: 'crash', index: i, label: 'generator', detail: String((e as Error).stack ?? e).slice(0, 600) });
        continue;
      }
      const start = performance.now();
      const rssBefore = process.memoryUsage().rss;
      try {
        const result = await c.run();
        const problem = target.check?.(result) ?? null;
        if (problem) failures.push({ kind: 'invalid', index: i, label: c.label, detail: problem.slice(0, 600) });
        accepted++;
      } catch (e) {
        if (e instanceof ConvnetsError) {
          rejected++;
          const m = e.message;
          longest = Math.max(longest, m.length);
          if (m.length > MAX_MESSAGE_CHARS + 100) failures.push({ kind: 'message', index: i, label: c.label, detail: `message of ${m.length} chars: ${m.slice(0, 200)}` });
          const tolerated = target.tolerate ? m.replace(target.tolerate, '') : m;
          if (tolerated !== m) toleratedMessages++;
          if (CONTROL.test(tolerated)) failures.push({ kind: 'message', index: i, label: c.label, detail: `control character in: ${JSON.stringify(m.slice(0, 300))}` });
          // Distinct up to the per-case file name (case3.bin, img17.img): the same rejection of another file.
          if (messages.size < 1000000) messages.add(m.split(dir).join('<dir>').replace(/\b(case|img)\d+/g, 'file'));
          const k = messageKind(m, dir);
          kinds.set(k, (kinds.get(k) ?? 0) + 1);
        } else {
          failures.push({ kind: 'crash', index: i, label: c.label, detail: String((e as Error)?.stack ?? e).slice(0, 600) });
        }
      }
      const ms = performance.now() - start;
      slowest = Math.max(slowest, ms);
      if (ms > maxCaseMs) failures.push({ kind: 'slow', index: i, label: c.label, detail: `${Math.round(ms)} ms` });
      const rss = process.memoryUsage().rss;
      if (rss > peak) peak = rss;
      if (opts.keepGoing ? rss - rssBefore > maxGrowth : rss - base > maxGrowth) {
        failures.push({ kind: 'memory', index: i, label: c.label, detail: `RSS ${mb(rss)} MB, ${mb(rss - (opts.keepGoing ? rssBefore : base))} MB above the ${mb(opts.keepGoing ? rssBefore : base)} MB before ${opts.keepGoing ? 'the case' : 'the run'}` });
        if (!opts.keepGoing) break;
      }
      if (opts.onProgress && performance.now() > nextProgress) {
        opts.onProgress(report());
        nextProgress = performance.now() + (opts.progressSeconds ?? 60) * 1000;
      }
    }
    return report();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

// ---- mutators ---------------------------------------------------------------------------------------

export const INTERESTING_U32 = [0, 1, 2, 7, 8, 255, 256, 0x7fff, 0x8000, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xffffffff, 16777216, 1e6];

export function pick<T>(rng: Rng, a: readonly T[]): T { return a[rng.int(a.length)]; }

/** One to `max` byte-level mutations: bit flips, interesting bytes and words, chunk insert/delete/copy, truncation. */
export function mutateBytes(rng: Rng, input: Uint8Array, max = 4): Uint8Array {
  // A copy, always: Buffer#slice would be a view, and the mutations would wear down the seed input.
  let b: Uint8Array = new Uint8Array(input);
  const count = 1 + rng.int(max);
  for (let k = 0; k < count; k++) {
    const pos = b.length ? rng.int(b.length) : 0;
    switch (rng.int(9)) {
      case 0: if (b.length) b[pos] ^= 1 << rng.int(8); break;
      case 1: if (b.length) b[pos] = pick(rng, [0, 1, 0x7f, 0x80, 0xff, 0x1b, 0x22, 0x5b, 0x7b]); break;
      case 2: if (b.length >= 4) new DataView(b.buffer, b.byteOffset).setUint32(Math.min(pos, b.length - 4), pick(rng, INTERESTING_U32), rng.int(2) === 0); break;
      case 3: { // insert random bytes
        const ins = new Uint8Array(1 + rng.int(16)).map(() => rng.int(256));
        b = concat(b.subarray(0, pos), ins, b.subarray(pos));
        break;
      }
      case 4: b = concat(b.subarray(0, pos), b.subarray(Math.min(b.length, pos + 1 + rng.int(32)))); break;
      case 5: b = b.slice(0, pos); break; // truncate
      case 6: { // duplicate a chunk
        const len = Math.min(b.length - pos, 1 + rng.int(64));
        b = concat(b.subarray(0, pos), b.subarray(pos, pos + len), b.subarray(pos));
        break;
      }
      case 7: b = concat(b, new Uint8Array(1 + rng.int(64)).map(() => rng.int(256))); break; // trailing junk
      default: if (b.length) b[pos] = rng.int(256);
    }
  }
  return b;
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}

/** Awkward JSON values: wrong types, out-of-range numbers, long strings with escapes, deep and wide structures. */
export function weirdValue(rng: Rng, depthMax = 1000): unknown {
  switch (rng.int(16)) {
    case 0: return pick(rng, [-1, 0, 0.5, 1.5, -0, 1e300, -1e300, 2 ** 53, 2 ** 53 + 2, 2 ** 32, 4294967296, 1e9, 1e20]);
    case 1: return pick(rng, ['', 'abc', '3', '-3', '0.5', '1e3', ' 2', 'NaN', 'Infinity', '\u001b[31mred\u001b[0m', '\u0000']);
    case 2: return null;
    case 3: return pick(rng, [true, false]);
    case 4: return [];
    case 5: return {};
    case 6: { // deeply nested array (JSON.stringify recurses: deeper nesting goes in as text, see deepText)
      const d = 1 + rng.int(Math.min(depthMax, 1000));
      return JSON.parse('['.repeat(d) + ']'.repeat(d));
    }
    case 7: return Array.from({ length: 1 + rng.int(50000) }, (_, i) => i % 7);
    case 8: return 'x'.repeat(1 + rng.int(100000));
    case 9: return { nested: { deeper: [1, { x: 'y' }] } };
    case 10: return [1, 'two', null];
    case 11: return Object.fromEntries(Array.from({ length: 1 + rng.int(20000) }, (_, i) => [`k${i}`, i]));
    case 12: return `\u001b]0;title\u0007${'\u202e'.repeat(3)}`;
    default: return rng.int(2 ** 31) - rng.int(2 ** 31);
  }
}

/** Writes bytes to a fresh file in `dir` and returns its path. */
let fileCounter = 0;
export function writeCase(dir: string, bytes: Uint8Array, ext = '.bin'): string {
  const f = path.join(dir, `case${fileCounter++ % 8}${ext}`);
  fs.writeFileSync(f, bytes);
  return f;
}

/** JSON text of an array nested `depth` levels deep (millions are fine: no recursion builds it). */
export function deepText(depth: number): string { return '['.repeat(depth) + ']'.repeat(depth); }

export const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;
