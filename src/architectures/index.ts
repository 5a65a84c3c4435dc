// Architecture registry: listModels(), createModel(name, options), and the counting helpers
// (torchvision-style parameter counts, Keras-style counts, MACs).
import { ConvnetsError } from '../ts/core/backend.js';
import type { Backend, Buf } from '../ts/core/backend.js';
import { withoutInit } from '../ts/nn/init.js';
import { getBackend, hasBackend, setBackend } from '../ts/core/registry.js';
import type { Module } from '../ts/nn/module.js';
import { Conv2d } from '../ts/nn/conv.js';
import { BatchNorm2d } from '../ts/nn/batchnorm.js';
import { densenet } from './densenet.js';
import { efficientnet, efficientnetB } from './efficientnet.js';
import { googlenet, inception_v3 } from './inception.js';
import { mobilenet_v1, mobilenet_v2, mobilenet_v3_large, mobilenet_v3_small } from './mobilenet.js';
import { resnet, resnetV2 } from './resnet.js';
import { squeezenet } from './squeezenet.js';
import { vgg } from './vgg.js';
import { ConvNet } from './model.js';
import type { ModelOptions } from './model.js';

export { ConvNet } from './model.js';
export type { ModelOptions, ModelInfo } from './model.js';

export interface ModelEntry {
  family: string;
  build: (o: ModelOptions) => ConvNet;
}

const REGISTRY = new Map<string, ModelEntry>();

export function registerModel(name: string, entry: ModelEntry): void {
  if (!/^[a-z][a-z0-9_]*$/.test(name)) throw new ConvnetsError(`registerModel: name must be lower-case [a-z0-9_], got '${name}'`);
  if (REGISTRY.has(name)) throw new ConvnetsError(`registerModel: '${name}' is already registered`);
  REGISTRY.set(name, entry);
}

for (const n of ['vgg11', 'vgg13', 'vgg16', 'vgg19'] as const) {
  registerModel(n, { family: 'vgg', build: (o) => vgg(n, false, o) });
  registerModel(`${n}_bn`, { family: 'vgg', build: (o) => vgg(n, true, o) });
}
for (const n of ['resnet18', 'resnet34', 'resnet50', 'resnet101', 'resnet152', 'resnext50_32x4d', 'wide_resnet50_2']) {
  registerModel(n, { family: 'resnet', build: (o) => resnet(n, o) });
}
for (const n of ['resnet50_v2', 'resnet101_v2', 'resnet152_v2']) registerModel(n, { family: 'resnet_v2', build: (o) => resnetV2(n, o) });
registerModel('googlenet', { family: 'inception', build: googlenet });
registerModel('inception_v3', { family: 'inception', build: inception_v3 });
for (const n of ['densenet121', 'densenet161', 'densenet169', 'densenet201']) registerModel(n, { family: 'densenet', build: (o) => densenet(n, o) });
registerModel('mobilenet_v1', { family: 'mobilenet', build: mobilenet_v1 });
registerModel('mobilenet_v2', { family: 'mobilenet', build: mobilenet_v2 });
registerModel('mobilenet_v3_large', { family: 'mobilenet', build: mobilenet_v3_large });
registerModel('mobilenet_v3_small', { family: 'mobilenet', build: mobilenet_v3_small });
registerModel('squeezenet1_0', { family: 'squeezenet', build: (o) => squeezenet('1_0', o) });
registerModel('squeezenet1_1', { family: 'squeezenet', build: (o) => squeezenet('1_1', o) });
for (let b = 0; b <= 7; b++) registerModel(`efficientnet_b${b}`, { family: 'efficientnet', build: (o) => efficientnetB(b, o) });
registerModel('efficientnet', { family: 'efficientnet', build: (o) => efficientnet({ phi: o.phi ?? 0 }, o) });

/** Every registered model name, sorted. */
export function listModels(): string[] {
  return [...REGISTRY.keys()].sort();
}

export function modelFamily(name: string): string {
  const e = REGISTRY.get(name);
  if (!e) throw unknownModel(name);
  return e.family;
}

function editDistance(a: string, b: string): number {
  const d = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = d[0];
    d[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const t = d[j];
      d[j] = Math.min(d[j] + 1, d[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = t;
    }
  }
  return d[b.length];
}

/** Registered names closest to `name` (substring matches first, then small edit distance). */
export function closeMatches(name: string, max = 5): string[] {
  const q = String(name).toLowerCase().replace(/[-.\s]/g, '_');
  const scored = listModels().map((n) => {
    const dist = editDistance(q, n);
    const sub = n.includes(q) || q.includes(n) ? -100 : 0;
    return { n, s: dist + sub };
  });
  return scored.filter((x) => x.s <= Math.max(3, Math.floor(q.length / 3)) || x.s < 0)
    .sort((a, b) => a.s - b.s || a.n.localeCompare(b.n)).slice(0, max).map((x) => x.n);
}

function unknownModel(name: string): ConvnetsError {
  const close = closeMatches(name);
  return new ConvnetsError(`unknown model '${name}'` +
    (close.length ? `; did you mean ${close.join(', ')}?` : `; known models: ${listModels().join(', ')}`));
}

const KNOWN_OPTIONS = new Set(['numClasses', 'inputSize', 'dropout', 'smallInput', 'inputChannels', 'aux', 'width',
  'stochasticDepth', 'phi', 'init']);

/** Builds a registered model. Unknown names and options are ConvnetsErrors. */
export function createModel(name: string, options: ModelOptions = {}): ConvNet {
  if (typeof name !== 'string') throw new ConvnetsError(`createModel: name must be a string, got ${typeof name}`);
  const entry = REGISTRY.get(name);
  if (!entry) throw unknownModel(name);
  if (options === null || typeof options !== 'object') throw new ConvnetsError(`createModel: options must be an object`);
  for (const k of Object.keys(options)) {
    if (!KNOWN_OPTIONS.has(k)) throw new ConvnetsError(`createModel(${name}): unknown option '${k}' (known: ${[...KNOWN_OPTIONS].join(', ')})`);
  }
  const init = options.init ?? 'default';
  if (init !== 'default' && init !== 'none') throw new ConvnetsError(`createModel(${name}): init must be 'default' or 'none', got ${JSON.stringify(init)}`);
  if (init === 'none') return withoutStorage(() => entry.build(options));
  return entry.build(options);
}

// ---- counting without storage ------------------------------------------------------------------------------

/** A backend with no storage: buffers are lengths only; running anything is an error. */
function metaBackend(): Backend {
  const refuse = (k: string) => (): never => {
    throw new ConvnetsError(`this model was built with init: 'none' (counting only) and cannot run '${k}'; build it with init: 'default'`);
  };
  const base = {
    name: 'meta', dtype: 'float32' as const,
    alloc: (length: number): Buf => ({ length }),
    free: (): void => {}, write: (): void => {}, fill: (): void => {}, copy: (): void => {},
    read: (b: Buf): Float32Array => new Float32Array(b.length),
    allocated: (): number => 0, dispose: (): void => {},
  };
  return new Proxy(base, { get: (t, k: string) => (k in t ? (t as Record<string, unknown>)[k] : refuse(k)) }) as unknown as Backend;
}

let meta: Backend | null = null;

/**
 * Runs `build` with a storage-less current backend and the init streams short-circuited, so a
 * 140M-parameter model is counted in a fraction of a second. The previous backend is restored.
 */
export function withoutStorage<T>(build: () => T): T {
  meta ??= metaBackend();
  const prev = hasBackend() ? getBackend() : null;
  setBackend(meta);
  try {
    return withoutInit(build);
  } finally {
    if (prev) setBackend(prev);
    else (setBackend as (b: Backend | null) => void)(null);
  }
}

// ---- counts -------------------------------------------------------------------------------------------------

/** Trainable parameters (torchvision's num_params). */
export function paramCount(model: Module): number {
  return model.paramCount();
}

/**
 * Keras-style count: parameters + BN moving statistics (mean and variance), + a bias for every conv
 * that has none when `convBias` (Keras ResNet50 v1 puts biases on convs followed by BN).
 * Families built with Keras' layout (MobileNet v1, ResNet v2, DenseNet) need no convBias.
 */
export function kerasParamCount(model: Module, opts: { convBias?: boolean } = {}): number {
  let n = model.paramCount();
  for (const [, m] of model.namedModules()) {
    if (m instanceof BatchNorm2d) n += m.runningMean.size + m.runningVar.size;
    if (opts.convBias && m instanceof Conv2d && !m.bias) n += m.outChannels;
  }
  return n;
}

/** Multiply-accumulates of one image at `inputSize` (default: the model's), from the modules' layer info. */
export function countMacs(model: ConvNet, inputSize = model.defaultInputSize, batch = 1): number {
  let macs = 0;
  for (const l of model.layers([batch, inputSize, inputSize, model.inputChannels])) macs += l.macs;
  return macs / batch;
}

export * from './blocks.js';
export * from './vgg.js';
export * from './resnet.js';
export * from './inception.js';
export * from './densenet.js';
export * from './mobilenet.js';
export * from './efficientnet.js';
export * from './squeezenet.js';
export * from './custom.js';
