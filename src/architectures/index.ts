// Architecture registry: listModels(), createModel(name, options), and the counting helpers
// (torchvision-style parameter counts, Keras-style counts, MACs).
import { ConvnetsError } from '../ts/core/backend.js';
import { withoutInit } from '../ts/nn/init.js';
import { withCountingBackend } from '../ts/core/registry.js';
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
import { DEFAULT_MODEL, resnetDigits } from './digits.js';
import { gradflowNet } from './gradflow.js';
import { ConvNet, SmallInputUnavailable, positiveInt } from './model.js';
import type { ModelOptions } from './model.js';

export { ConvNet, SmallInputUnavailable } from './model.js';
export type { ModelOptions, ModelInfo } from './model.js';

export interface ModelEntry {
  family: string;
  build: (o: ModelOptions) => ConvNet;
}

const REGISTRY = new Map<string, ModelEntry>();

/** A family of names with a parameter in them (plainN, residualN ...): built from the name itself. */
export interface ModelPattern {
  /** How the names read, for listings and errors, e.g. 'plainN'. */
  label: string;
  family: string;
  pattern: RegExp;
  build: (name: string, o: ModelOptions) => ConvNet;
}

const PATTERNS: ModelPattern[] = [];

export function registerModel(name: string, entry: ModelEntry): void {
  if (!/^[a-z][a-z0-9_]*$/.test(name)) throw new ConvnetsError(`registerModel: name must be lower-case [a-z0-9_], got '${name}'`);
  if (REGISTRY.has(name) || PATTERNS.some((p) => p.pattern.test(name))) throw new ConvnetsError(`registerModel: '${name}' is already registered`);
  REGISTRY.set(name, entry);
}

/** Registers a parametric family; its pattern must not match a registered name. */
export function registerModelPattern(p: ModelPattern): void {
  const clash = [...REGISTRY.keys()].find((n) => p.pattern.test(n));
  if (clash) throw new ConvnetsError(`registerModelPattern(${p.label}): the pattern matches the registered model '${clash}'`);
  PATTERNS.push(p);
}

/** The registry entry of a name, fixed or from a pattern; null when unknown. */
function lookup(name: string): ModelEntry | null {
  const e = REGISTRY.get(name);
  if (e) return e;
  const p = PATTERNS.find((q) => q.pattern.test(name));
  return p ? { family: p.family, build: (o) => p.build(name, o) } : null;
}

/** Whether createModel knows `name` (a registered name or one of a registered pattern). */
export function isModel(name: string): boolean {
  return typeof name === 'string' && lookup(name) !== null;
}

/** The parametric families' labels (plainN, residualN (N odd), denseN). */
export function listModelPatterns(): string[] {
  return PATTERNS.map((p) => p.label);
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
// `convnets train`'s default; sizes from the data (a small-input model already).
registerModel(DEFAULT_MODEL, { family: 'resnet', build: (o) => resnetDigits({ numClasses: o.numClasses, inputChannels: o.inputChannels }) });
// The gradient-flow nets: `width` is their conv channel count (16), not a multiplier.
for (const [kind, label] of [['plain', 'plainN'], ['residual', 'residualN (N odd)'], ['dense', 'denseN']] as const) {
  registerModelPattern({
    label, family: 'gradflow', pattern: new RegExp(`^${kind}(\\d+)$`),
    build: (name, o) => gradflowNet(name, {
      inChannels: positiveInt(name, 'inputChannels', o.inputChannels, 1), numClasses: positiveInt(name, 'numClasses', o.numClasses, 10),
      inputSize: positiveInt(name, 'inputSize', o.inputSize, 28), width: positiveInt(name, 'width', o.width, 16),
    })!,
  });
}

/** Every registered model name, sorted. */
export function listModels(): string[] {
  return [...REGISTRY.keys()].sort();
}

export function modelFamily(name: string): string {
  const e = lookup(name);
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
    (close.length ? `; did you mean ${close.join(', ')}?` : `; known models: ${[...listModels(), ...listModelPatterns()].join(', ')}`));
}

const KNOWN_OPTIONS = new Set(['numClasses', 'inputSize', 'dropout', 'smallInput', 'inputChannels', 'aux', 'width',
  'stochasticDepth', 'phi', 'init']);

/** Builds a registered model. Unknown names and options are ConvnetsErrors. */
export function createModel(name: string, options: ModelOptions = {}): ConvNet {
  if (typeof name !== 'string') throw new ConvnetsError(`createModel: name must be a string, got ${typeof name}`);
  const entry = lookup(name);
  if (!entry) throw unknownModel(name);
  if (options === null || typeof options !== 'object') throw new ConvnetsError(`createModel: options must be an object`);
  for (const k of Object.keys(options)) {
    if (k === 'weights') {
      // Weights may need a download (asynchronous), and io sits below architectures: a separate entry point.
      throw new ConvnetsError(`createModel(${name}): pretrained weights load asynchronously: ` +
        `use \`await createPretrainedModel('${name}', { weights: ... })\` (or \`classifier()\`), or loadWeightsFile() into this model`);
    }
    if (!KNOWN_OPTIONS.has(k)) throw new ConvnetsError(`createModel(${name}): unknown option '${k}' (known: ${[...KNOWN_OPTIONS].join(', ')})`);
  }
  const init = options.init ?? 'default';
  if (init !== 'default' && init !== 'none') throw new ConvnetsError(`createModel(${name}): init must be 'default' or 'none', got ${JSON.stringify(init)}`);
  if (init === 'none') return withoutStorage(() => entry.build(options));
  return entry.build(options);
}

/** Inputs below this size get the family's small-input stem from buildModel(). */
const SMALL_INPUT = 64;

/**
 * createModel for inputs of `inputSize` pixels (the CLI's one model builder: train, analyze, bench):
 * below 64 px it asks for the family's small-input stem (ResNet, VGG, MobileNet, EfficientNet,
 * DenseNet), and builds the torchvision stem for families without one. An explicit smallInput wins.
 */
export function buildModel(name: string, options: ModelOptions = {}): ConvNet {
  if (options.smallInput === undefined && options.inputSize !== undefined && options.inputSize < SMALL_INPUT) {
    try {
      return createModel(name, { ...options, smallInput: true });
    } catch (e) {
      if (!(e instanceof SmallInputUnavailable)) throw e;
    }
  }
  return createModel(name, options);
}

// ---- counting without storage ------------------------------------------------------------------------------

/**
 * Runs `build` with core's storage-less counting backend current and the init streams short-circuited,
 * so a 140M-parameter model is counted in a fraction of a second. The previous backend is restored.
 */
export function withoutStorage<T>(build: () => T): T {
  return withCountingBackend(() => withoutInit(build));
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
export * from './digits.js';
export * from './gradflow.js';
