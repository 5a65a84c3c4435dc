// Model lookup for the analyses and benchmarks: the architectures registry (src/architectures) for
// torchvision names, and the gradient-flow nets (plainN / residualN / denseN) built here.
import { ConvnetsError } from '../core/backend.js';
import type { Module } from '../nn/module.js';
import { gradflowNet } from './gradflow.js';

export interface ModelLike extends Module { defaultInputSize?: number; inputChannels?: number; }

export interface CreateOptions {
  numClasses?: number; inputSize?: number; dropout?: number; smallInput?: boolean; inputChannels?: number;
  phi?: number; width?: number; init?: 'default' | 'none';
  [k: string]: unknown;
}

interface Registry {
  listModels(): string[];
  createModel(name: string, opts?: CreateOptions): ModelLike;
}

let registry: Promise<Registry | null> | null = null;

/** The architectures registry, or null while it is not there (reported by callers). */
export async function architectures(): Promise<Registry | null> {
  if (!registry) {
    registry = (async () => {
      // A computed specifier: the registry is another engineer's module and may land later.
      const spec = '../../architectures/index.js';
      try {
        const m = (await import(spec)) as Partial<Registry>;
        if (typeof m.createModel !== 'function' || typeof m.listModels !== 'function') return null;
        return m as Registry;
      } catch {
        return null;
      }
    })();
  }
  return registry;
}

/** Every model name we can build: the registry's plus the gradient-flow families. */
export async function knownModels(): Promise<string[]> {
  const r = await architectures();
  return [...(r ? r.listModels() : []), 'plainN', 'residualN (N odd)', 'denseN'];
}

/** Builds a model by name on the current backend. */
export async function buildModel(name: string, opts: CreateOptions = {}): Promise<ModelLike> {
  const inC = opts.inputChannels ?? 1;
  const g = gradflowNet(name, { inChannels: inC, numClasses: opts.numClasses }) as ModelLike | null;
  if (g) {
    // MNIST-sized by default, like the gradient-flow analysis that uses them.
    g.inputChannels = inC;
    g.defaultInputSize = opts.inputSize ?? 28;
    return g;
  }
  const r = await architectures();
  if (!r) throw new ConvnetsError(`model '${name}': the architectures registry (src/architectures/index.ts) is not available`);
  const names = r.listModels();
  if (!names.includes(name)) {
    throw new ConvnetsError(`unknown model '${name}' (known: ${names.join(', ')}, or plainN / residualN / denseN)`);
  }
  return r.createModel(name, opts);
}
