// Flag parsers for the commands (commander's argParser callbacks): each refuses a bad value with a
// ConvnetsError naming the flag and the value, so a typo never becomes a silent default.
import { ConvnetsError } from '../core/backend.js';
import { safeText } from '../core/text.js';

const shown = (v: string): string => `'${safeText(v, 60)}'`;

/** A decimal integer in [min, max] (no exponent, fraction or sign tricks: '1e20' and '2.0' are refused). */
export function intInRange(flag: string, min: number, max: number): (v: string) => number {
  return (v: string): number => {
    const n = Number(v);
    if (!/^\s*-?\d+\s*$/.test(v) || !Number.isSafeInteger(n) || n < min || n > max) {
      throw new ConvnetsError(`${flag} must be an integer in [${min}, ${max}], got ${shown(v)}`);
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
      throw new ConvnetsError(`${flag} must be a number ${range}${hint}, got ${shown(v)}`);
    }
    return n;
  };
}

/** Seeds are uint32 (the generators' state width): 4294967296 would silently equal 0. */
export const MAX_SEED = 0xffffffff;
export function seedArg(flag = '--seed'): (v: string) => number {
  return intInRange(flag, 0, MAX_SEED);
}

/** Batch sizes: far above any that fits in memory, so '1e20'-scale typos are refused at once. */
export const MAX_BATCH = 65536;
export function batchArg(flag = '--batch'): (v: string) => number {
  return intInRange(flag, 1, MAX_BATCH);
}

/** Gradient clipping norm: > 0 (0 would silently disable it; leave the flag out for no clipping). */
export function clipArg(flag = '--clip'): (v: string) => number {
  return numberInRange(flag, 0, Infinity, true, ' (leave the flag out for no clipping)');
}

/** Worker threads: 1..1024; see threadsWarning() for more than the machine has. */
export const MAX_THREADS = 1024;
export function threadsArg(flag = '--threads'): (v: string) => number {
  return intInRange(flag, 1, MAX_THREADS);
}

/** A warning line when `threads` exceeds the CPU cores (oversubscription is slower, never faster). */
export function threadsWarning(threads: number | undefined, cores: number, flag = '--threads'): string | null {
  if (threads === undefined || threads <= cores) return null;
  return `warning: ${flag} ${threads} exceeds the ${cores} CPU core(s) of this machine; threads beyond the cores only add memory and contention (expect it to run slower)`;
}
