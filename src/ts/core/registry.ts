// Backend registry: one explicit, lazy table of the built-in backends, in priority order (cuda when a
// GPU is usable > cpu (the native CPU kernels) > wasm > js), unless CONVNETS_BACKEND or a name overrides. Nothing registers itself on
// import: a backend module is loaded the first time it is asked about, so an import that fails (a
// module missing from a build) reads as "unavailable: <reason>" instead of crashing the caller.
// The table (backend-table.ts; backend-table.web.ts in browser bundles, through package.json's
// "browser" map) and the counting backend below are the only places core reaches into backends/.
import { ConvnetsError, RuntimeFailure } from './backend.js';
import type { Backend } from './backend.js';
import { MetaBackend } from '../backends/meta/index.js';
import { ALIASES as NODE_ALIASES, BUILTIN as NODE_TABLE } from './backend-table.js';
import type { BackendName } from './backend-table.js';

export type { BackendName } from './backend-table.js';

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

/** What a backend module exports for the table. */
export interface BackendModule { factory: BackendFactory; }

/** The built-in backends' lazy loaders, in priority order: Node's, unless an entry installs another. */
let BUILTIN: Readonly<Record<string, () => Promise<BackendModule>>> = NODE_TABLE;
let ALIASES: Readonly<Record<string, string>> = NODE_ALIASES;

/** The Node priority order (cuda > cpu > wasm > js); registeredBackends() gives the installed table's. */
export const BACKEND_PRIORITY = Object.keys(NODE_TABLE) as readonly BackendName[];

/**
 * Installs the platform's table of built-in backends (the browser entry installs the web one, so the
 * package works in a page with or without a bundler applying package.json's "browser" map). Backends
 * already loaded stay loaded.
 */
export function useBackendTable(table: Readonly<Record<string, () => Promise<BackendModule>>>,
  aliases: Readonly<Record<string, string>> = {}): void {
  BUILTIN = table;
  ALIASES = aliases;
}

/** The backend a name selects: itself, or the built-in an older name stands for ('native' -> 'cuda'). */
export function resolveBackendName(name: string): string {
  return Object.prototype.hasOwnProperty.call(ALIASES, name) ? ALIASES[name] : name;
}



/** Third-party backends (registerBackend), tried after the built-ins. */
const extra = new Map<string, BackendFactory>();
/** Loaded built-in factories, or why their module failed to load (cached: an import is tried once). */
const loaded = new Map<string, Promise<BackendFactory | string>>();
let current: Backend | null = null;
let warnedFallback = false;

function isBuiltin(name: string): name is BackendName {
  return Object.prototype.hasOwnProperty.call(BUILTIN, name);
}

/** Adds a backend that is not built in (a plugin); built-in names cannot be replaced. */
export function registerBackend(name: string, factory: BackendFactory): void {
  if (typeof name !== 'string' || !/^[a-z][a-z0-9_-]*$/.test(name)) {
    throw new ConvnetsError(`registerBackend: name must be lower-case [a-z0-9_-], got ${JSON.stringify(name)}`);
  }
  if (isBuiltin(resolveBackendName(name))) throw new ConvnetsError(`registerBackend: '${name}' is a built-in backend and cannot be replaced`);
  if (!factory || typeof factory.create !== 'function' || typeof factory.unavailableReason !== 'function') {
    throw new ConvnetsError(`registerBackend('${name}'): the factory needs create() and unavailableReason()`);
  }
  extra.set(name, factory);
}

/** Every backend name initBackend() knows, in priority order (whether or not it can run here). */
export function registeredBackends(): string[] {
  return [...Object.keys(BUILTIN), ...extra.keys()];
}

/** The factory of `name`, or a reason string when its module cannot be loaded. Never throws. */
async function factoryOf(name: string): Promise<BackendFactory | string> {
  name = resolveBackendName(name);
  const plugin = extra.get(name);
  if (plugin) return plugin;
  if (!isBuiltin(name)) return `backend '${name}' is not registered (known: ${registeredBackends().join(', ')})`;
  let p = loaded.get(name);
  if (!p) {
    p = BUILTIN[name]().then(
      (m) => (m && typeof m.factory?.create === 'function' ? m.factory : `its module exports no backend factory`),
      (e: unknown) => `its module failed to load: ${(e as Error)?.message ?? String(e)}`,
    );
    loaded.set(name, p);
  }
  return p;
}

export async function backendAvailability(name: string): Promise<string | null> {
  const f = await factoryOf(name);
  if (typeof f === 'string') return f;
  try {
    return await f.unavailableReason();
  } catch (e) {
    return `backend '${name}' failed its availability check: ${(e as Error).message}`;
  }
}

export async function createBackend(name: string, opts?: BackendOptions): Promise<Backend> {
  name = resolveBackendName(name);
  if (!isBuiltin(name) && !extra.has(name)) {
    throw new ConvnetsError(`unknown backend '${name}' (known: ${registeredBackends().join(', ')})`);
  }
  const why = await backendAvailability(name);
  if (why) throw new RuntimeFailure(`backend '${name}' is unavailable: ${why}`);
  return (await factoryOf(name) as BackendFactory).create(opts);
}

/** Picks the best available backend (or CONVNETS_BACKEND / `name`) and makes it current. */
export async function initBackend(name?: string, opts?: BackendOptions): Promise<Backend> {
  // `process` is Node's; a browser has no environment to override from.
  const wanted = name ?? (typeof process === 'object' ? process.env?.CONVNETS_BACKEND : undefined);
  let b: Backend | null = null;
  if (wanted) b = await createBackend(wanted, opts);
  else {
    const refused = new Map<string, string>();
    for (const cand of registeredBackends()) {
      const why = await backendAvailability(cand);
      if (why === null) {
        b = await createBackend(cand, opts);
        break;
      }
      refused.set(cand, why);
    }
    // Never a silent ~30x slowdown: a bundled app that lost the wasm build hears why it runs the reference.
    if (b?.name === 'js' && refused.has('wasm') && !warnedFallback) {
      warnedFallback = true;
      console.warn(`convnets: the wasm backend is unavailable (${refused.get('wasm')}); running the js reference, ` +
        'about 30x slower (initBackend(\'js\') or CONVNETS_BACKEND=js chooses it explicitly)');
    }
  }
  if (!b) throw new RuntimeFailure(`no backend is available (${registeredBackends().join(', ')} all refused: see convnets doctor)`);
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

let counting: MetaBackend | null = null;

/**
 * Runs `fn` with the storage-less counting backend current (buffers are lengths; kernels refuse to
 * run), then restores the previous backend. Synchronous, so model builders can count without a
 * backend module: parameter counts and MACs of a 140M-parameter model allocate no storage.
 */
export function withCountingBackend<T>(fn: () => T): T {
  counting ??= new MetaBackend();
  const prev = current;
  current = counting;
  try {
    return fn();
  } finally {
    current = prev;
  }
}
