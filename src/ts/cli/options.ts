// Option parsers shared by every command (commander's argParser): each takes the flag's name, so a
// bad value is a UsageError (a ConvnetsError; the CLI exits 1) naming the flag and the value. A flat
// list: one parser per kind.
import { UsageError } from '../core/backend.js';
import { safeText } from '../core/text.js';
import { registeredBackends, resolveBackendName } from '../core/registry.js';
import { closeMatches, isModel } from '../../architectures/index.js';

const INT = /^\s*-?\d+\s*$/;

/** An integer >= min (digits only: '1e3', '2.0' and '' are refused). */
export function intAtLeast(flag: string, min: number): (v: string) => number {
  return (v: string): number => {
    const n = Number(v);
    if (!INT.test(v) || !Number.isSafeInteger(n) || n < min) throw new UsageError(`${flag} must be an integer >= ${min}, got '${v}'`);
    return n;
  };
}

/** An integer in [min, max]. */
export function intInRange(flag: string, min: number, max: number): (v: string) => number {
  const atLeast = min === 1 ? posInt(flag) : intAtLeast(flag, min);
  return (v: string): number => {
    const n = atLeast(v);
    if (n > max) throw new UsageError(`${flag} must be at most ${max}, got ${n}`);
    return n;
  };
}

/** A positive integer (1, 2, ...). */
export function posInt(flag: string): (v: string) => number {
  return (v: string): number => {
    const n = Number(v);
    if (!INT.test(v) || !Number.isSafeInteger(n) || n <= 0) throw new UsageError(`${flag} must be a positive integer, got '${v}'`);
    return n;
  };
}

/** A non-negative integer (0, 1, ...). */
export function nonNegInt(flag: string): (v: string) => number {
  return (v: string): number => {
    const n = Number(v);
    if (!INT.test(v) || !Number.isSafeInteger(n) || n < 0) throw new UsageError(`${flag} must be a non-negative integer, got '${v}'`);
    return n;
  };
}

/** A finite number (any sign). */
export function finiteNumber(flag: string): (v: string) => number {
  return (v: string): number => {
    const n = Number(v);
    if (v.trim() === '' || !Number.isFinite(n)) throw new UsageError(`${flag} must be a number, got '${v}'`);
    return n;
  };
}

/** A finite number >= min. */
export function numAtLeast(flag: string, min: number): (v: string) => number {
  return (v: string): number => {
    const n = Number(v);
    if (v.trim() === '' || !Number.isFinite(n) || n < min) throw new UsageError(`${flag} must be a number >= ${min}, got '${v}'`);
    return n;
  };
}

/** A finite number > 0. */
export function posNumber(flag: string): (v: string) => number {
  return (v: string): number => {
    const n = Number(v);
    if (v.trim() === '' || !Number.isFinite(n) || n <= 0) throw new UsageError(`${flag} must be a positive number, got '${v}'`);
    return n;
  };
}

/** One of a fixed set of words. */
export function oneOf<T extends string>(flag: string, choices: readonly T[]): (v: string) => T {
  return (v: string): T => {
    if (!(choices as readonly string[]).includes(v)) throw new UsageError(`${flag} must be one of ${choices.join(', ')}, got '${v}'`);
    return v as T;
  };
}

/** --backend: a backend name core knows (whether it can run here is initBackend's to say). */
export function backendName(flag = '--backend'): (v: string) => string {
  // An older name ('native' for cuda) is accepted as the registry resolves it.
  return (v: string): string => (resolveBackendName(v) !== v ? v : oneOf(flag, registeredBackends())(v));
}

/** --threads: worker threads (wasm, the onnxruntime peers). */
export function threadCount(flag = '--threads'): (v: string) => number {
  return posInt(flag);
}

/** A registered model name, or a usage error with the closest names (checked before anything runs). */
export function checkModelName(name: string, flag = 'model'): void {
  if (isModel(name)) return;
  const near = closeMatches(name);
  throw new UsageError(`unknown ${flag} '${name}'${near.length ? ` (did you mean ${near.join(', ')}?)` : ''}; \`convnets list\` prints them all`);
}

const shown = (v: string): string => `'${safeText(v, 60)}'`;

/** A decimal integer in [min, max], one message for both bounds (no exponent or fraction: '1e20' and '2.0' are refused). */
export function intBetween(flag: string, min: number, max: number): (v: string) => number {
  return (v: string): number => {
    const n = Number(v);
    if (!INT.test(v) || !Number.isSafeInteger(n) || n < min || n > max) {
      throw new UsageError(`${flag} must be an integer in [${min}, ${max}], got ${shown(v)}`);
    }
    return n;
  };
}

/** A finite number in [min, max]; `exclusiveMin` refuses min itself (e.g. --clip 0). */
export function numberInRange(flag: string, min: number, max = Infinity, exclusiveMin = false, hint = ''): (v: string) => number {
  return (v: string): number => {
    const n = Number(v);
    if (v.trim() === '' || !Number.isFinite(n) || n < min || n > max || (exclusiveMin && n === min)) {
      const range = max === Infinity ? `${exclusiveMin ? '>' : '>='} ${min}` : `in ${exclusiveMin ? '(' : '['}${min}, ${max}]`;
      throw new UsageError(`${flag} must be a number ${range}${hint}, got ${shown(v)}`);
    }
    return n;
  };
}

/** Seeds are uint32 (the generators' state width): 4294967296 would silently equal 0. */
export const MAX_SEED = 0xffffffff;
export function seedArg(flag = '--seed'): (v: string) => number {
  return intBetween(flag, 0, MAX_SEED);
}

/** Batch sizes: far above any that fits in memory, so '1e20'-scale typos are refused at once. */
export const MAX_BATCH = 65536;
export function batchArg(flag = '--batch'): (v: string) => number {
  return intBetween(flag, 1, MAX_BATCH);
}

/** Gradient clipping norm: > 0 (0 would silently disable it; leave the flag out for no clipping). */
export function clipArg(flag = '--clip'): (v: string) => number {
  return numberInRange(flag, 0, Infinity, true, ' (leave the flag out for no clipping)');
}

/** Worker threads: 1..1024; see threadsWarning() for more than the machine has. */
export const MAX_THREADS = 1024;
export function threadsArg(flag = '--threads'): (v: string) => number {
  return intBetween(flag, 1, MAX_THREADS);
}

/** A warning line when `threads` exceeds the CPU cores (oversubscription is slower, never faster). */
export function threadsWarning(threads: number | undefined, cores: number, flag = '--threads'): string | null {
  if (threads === undefined || threads <= cores) return null;
  return `warning: ${flag} ${threads} exceeds the ${cores} CPU core(s) of this machine; threads beyond the cores only add memory and contention (expect it to run slower)`;
}
