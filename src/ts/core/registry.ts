// Backend registry: backends register a factory; the library picks native (GPU usable) > wasm > js,
// unless CONVNETS_BACKEND overrides. Core never imports a backend: backends import the contract.
import { ConvnetsError } from './backend.js';
import type { Backend } from './backend.js';

export type BackendName = 'js' | 'wasm' | 'native';

export interface BackendOptions {
  /** Worker threads for wasm (default: available cores). */
  threads?: number;
  /** js only: run the reference in float64 (gradient checks). */
  dtype?: 'float32' | 'float64';
  [key: string]: unknown;
}

export interface BackendFactory {
  /** Why this backend cannot run here, or null when it can. Must not throw. */
  unavailableReason(): Promise<string | null>;
  create(opts?: BackendOptions): Promise<Backend>;
}

const factories = new Map<string, BackendFactory>();
let current: Backend | null = null;

export function registerBackend(name: BackendName, factory: BackendFactory): void {
  factories.set(name, factory);
}

export function registeredBackends(): string[] {
  return [...factories.keys()];
}

export async function backendAvailability(name: string): Promise<string | null> {
  const f = factories.get(name);
  if (!f) return `backend '${name}' is not registered (known: ${registeredBackends().join(', ') || 'none'})`;
  try {
    return await f.unavailableReason();
  } catch (e) {
    return `backend '${name}' failed its availability check: ${(e as Error).message}`;
  }
}

export async function createBackend(name: string, opts?: BackendOptions): Promise<Backend> {
  const f = factories.get(name);
  if (!f) throw new ConvnetsError(`unknown backend '${name}' (known: ${registeredBackends().join(', ')})`);
  const why = await backendAvailability(name);
  if (why) throw new ConvnetsError(`backend '${name}' is unavailable: ${why}`);
  return f.create(opts);
}

/** Picks the best available backend (or CONVNETS_BACKEND / `name`) and makes it current. */
export async function initBackend(name?: string, opts?: BackendOptions): Promise<Backend> {
  const wanted = name ?? process.env.CONVNETS_BACKEND;
  let b: Backend | null = null;
  if (wanted) b = await createBackend(wanted, opts);
  else {
    for (const cand of ['native', 'wasm', 'js']) {
      if (factories.has(cand) && (await backendAvailability(cand)) === null) {
        b = await createBackend(cand, opts);
        break;
      }
    }
  }
  if (!b) throw new ConvnetsError('no backend is available (none registered?)');
  setBackend(b);
  return b;
}

export function setBackend(b: Backend): void {
  current = b;
}

export function getBackend(): Backend {
  if (!current) {
    throw new ConvnetsError('no current backend: call `await initBackend()` (or setBackend) first');
  }
  return current;
}

export function hasBackend(): boolean {
  return current !== null;
}
