// Option parsers shared by every command (commander's argParser): each takes the flag's name, so a
// bad value is a UsageError (a ConvnetsError; the CLI exits 1) naming the flag and the value. A flat
// list: one parser per kind.
import { UsageError } from '../core/backend.js';
import { registeredBackends } from '../core/registry.js';
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
  return (v: string): string => oneOf(flag, registeredBackends())(v);
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
