// Helpers shared by the bench/analyze commands: backend start-up and flag parsing.
import { ConvnetsError } from '../core/backend.js';
import type { Backend } from '../core/backend.js';
import { initBackend } from '../core/registry.js';

let loaded = false;

/** Registers the backends (js, wasm through the package index; native when built) and starts one. */
export async function startBackend(name?: string, threads?: number): Promise<Backend> {
  if (!loaded) {
    await import('../index.js');
    // Computed: the native backend's module is optional in a build without it.
    const spec = '../backends/native/index.js';
    try { await import(spec); } catch { /* not built: unavailable */ }
    loaded = true;
  }
  return initBackend(name, threads !== undefined ? { threads } : undefined);
}

export function posInt(flag: string): (v: string) => number {
  return (v: string): number => {
    const n = Number(v);
    if (!/^\s*\d+\s*$/.test(v) || !Number.isInteger(n) || n <= 0) throw new ConvnetsError(`${flag} must be a positive integer, got '${v}'`);
    return n;
  };
}

export function nonNegInt(flag: string): (v: string) => number {
  return (v: string): number => {
    const n = Number(v);
    if (!/^\s*\d+\s*$/.test(v) || !Number.isInteger(n) || n < 0) throw new ConvnetsError(`${flag} must be a non-negative integer, got '${v}'`);
    return n;
  };
}

export function posNumber(flag: string): (v: string) => number {
  return (v: string): number => {
    const n = Number(v);
    if (v.trim() === '' || !Number.isFinite(n) || n <= 0) throw new ConvnetsError(`${flag} must be a positive number, got '${v}'`);
    return n;
  };
}
