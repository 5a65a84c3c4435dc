// Custom macro designs (the chapter's Q9): a JSON description (stem; stages of any library block with
// channels, blocks, stride; head) becomes a ConvNet, and validate() reports parameters, size, MACs and
// measured latency on a backend against the design's constraints.
import { ACTIVATIONS, ConvnetsError } from '../ts/core/backend.js';
import { describeValue, jsonDepth, safeText } from '../ts/core/text.js';
import type { ActivationKind } from '../ts/core/backend.js';
import { Tensor } from '../ts/core/tensor.js';
import type { Module } from '../ts/nn/module.js';
import {
  BasicBlock, Bottleneck, ConvBnAct, DenseBlock, DepthwiseSeparable, Dropout, Fire, Flatten, GlobalAvgPool2d,
  GoogLeNetInception, InvertedResidual, Linear, MaxPool2d, PreActBlock, PreActBottleneck, Sequential, act, bn,
} from './blocks.js';
import type { Named } from './blocks.js';
import { Conv2d, AvgPool2d } from './blocks.js';
import { ConvNet } from './model.js';

export const BLOCK_TYPES = [
  'conv', 'basic', 'bottleneck', 'preact_basic', 'preact_bottleneck', 'inverted_residual', 'mbconv',
  'depthwise_separable', 'dense', 'fire', 'inception',
] as const;
export type BlockType = (typeof BLOCK_TYPES)[number];

export interface StemSpec {
  channels: number;
  /** Default 3. */
  kernel?: number;
  /** Default 2 (1 for 28-32 px data). */
  stride?: number;
  /** 3x3/2 max pool after the stem conv (default false). */
  pool?: boolean;
  activation?: ActivationKind;
}

export interface StageSpec {
  block: BlockType;
  /** Output channels of the stage (dense: the transition's width at the start of the stage). */
  channels: number;
  /** Blocks (dense: layers) in the stage. */
  blocks: number;
  /** Stride of the stage's first block (1 or 2; default 1). */
  stride?: number;
  /** inverted_residual / mbconv expansion (default 6). */
  expand?: number;
  /** Depthwise kernel of inverted_residual / mbconv (default 3). */
  kernel?: number;
  /** Squeeze-excite ratio (inverted_residual default 0, mbconv 0.25 of the block input). */
  se?: number;
  activation?: ActivationKind;
  /** Dense growth rate (default 32). */
  growth?: number;
}

export interface HeadSpec {
  /** 1x1 ConvBnAct to this width before pooling (MobileNet/EfficientNet's last conv). */
  lastConv?: number;
  /** Hidden fully connected widths before the classifier. */
  hidden?: number[];
  dropout?: number;
  activation?: ActivationKind;
}

export interface MacroSpec {
  name?: string;
  inputChannels?: number;
  inputSize?: number;
  numClasses?: number;
  stem: StemSpec;
  stages: StageSpec[];
  head?: HeadSpec;
}

// ---- validation of the description ---------------------------------------------------------------------

function fail(path: string, msg: string): never {
  throw new ConvnetsError(`custom model: ${path} ${msg}`);
}

function obj(path: string, v: unknown, keys: readonly string[]): Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) fail(path, `must be an object, got ${describeValue(v)}`);
  for (const k of Object.keys(v as object)) {
    if (!keys.includes(k)) fail(`${path}.${safeText(k, 40)}`, `is not a known field (known: ${keys.join(', ')})`);
  }
  return v as Record<string, unknown>;
}

function int(path: string, v: unknown, dflt?: number, min = 1, max: number = LIMITS.width): number {
  if (v === undefined && dflt !== undefined) return dflt;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) fail(path, `must be an integer in [${min}, ${max}], got ${describeValue(v)}`);
  return v;
}

/**
 * Bounds of a description, checked before anything is built: far above any published design
 * (ResNet-152's largest stage has 36 blocks, DenseNet-264 64 layers), low enough that a typo such as
 * blocks: 1e9 is refused at once instead of allocating gigabytes.
 */
/** A description is a few hundred bytes; a megabyte is not a design. */
export const MAX_JSON_CHARS = 1_000_000;

export const LIMITS = {
  stages: 64, blocks: 1000, totalBlocks: 5000, width: 16384, kernel: 15, hidden: 16, inputSize: 4096, inputChannels: 64,
  numClasses: 100_000, growth: 1024, nameChars: 200,
  /** Estimated parameters (float32: 4 bytes each, 1 GB at the limit). */
  params: 250_000_000,
} as const;

function num(path: string, v: unknown, dflt: number, lo: number, hi: number): number {
  if (v === undefined) return dflt;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < lo || v > hi) fail(path, `must be a number in [${lo}, ${hi}], got ${describeValue(v)}`);
  return v;
}

function stride(path: string, v: unknown, dflt: number): number {
  const s = int(path, v, dflt);
  if (s !== 1 && s !== 2) fail(path, `must be 1 or 2, got ${s}`);
  return s;
}

function actKind(path: string, v: unknown, dflt: ActivationKind): ActivationKind {
  if (v === undefined) return dflt;
  if (typeof v !== 'string' || !(ACTIVATIONS as readonly string[]).includes(v)) {
    fail(path, `must be one of ${ACTIVATIONS.join(', ')}, got ${describeValue(v)}`);
  }
  return v as ActivationKind;
}

/** Checks a description (from JSON or code) and fills defaults; every problem names its path. */
export interface ParsedSpec {
  name: string; inputChannels: number; inputSize: number; numClasses: number;
  stem: Required<StemSpec>; stages: StageSpec[]; head: Required<HeadSpec>;
}

export function parseMacroSpec(input: unknown): ParsedSpec {
  if (typeof input === 'string' && input.length > MAX_JSON_CHARS) fail('description', `is ${input.length} characters of JSON, more than the ${MAX_JSON_CHARS} allowed`);
  const spec = typeof input === 'string' ? parseJson(input) : input;
  const o = obj('description', spec, ['name', 'inputChannels', 'inputSize', 'numClasses', 'stem', 'stages', 'head']);
  const name = o.name === undefined ? 'custom' : o.name;
  if (typeof name !== 'string' || !name || name.length > LIMITS.nameChars) fail('name', `must be a non-empty string of at most ${LIMITS.nameChars} characters, got ${describeValue(o.name)}`);
  const st = obj('stem', o.stem, ['channels', 'kernel', 'stride', 'pool', 'activation']);
  if (st.pool !== undefined && typeof st.pool !== 'boolean') fail('stem.pool', `must be true or false, got ${describeValue(st.pool)}`);
  const kernel = int('stem.kernel', st.kernel, 3, 1, LIMITS.kernel);
  if (kernel % 2 === 0) fail('stem.kernel', `must be odd (same padding), got ${kernel}`);
  const stem: Required<StemSpec> = {
    channels: int('stem.channels', st.channels), kernel, stride: stride('stem.stride', st.stride, 2),
    pool: (st.pool as boolean | undefined) ?? false, activation: actKind('stem.activation', st.activation, 'relu'),
  };
  if (!Array.isArray(o.stages) || o.stages.length === 0) fail('stages', `must be a non-empty list, got ${describeValue(o.stages)}`);
  if (o.stages.length > LIMITS.stages) fail('stages', `has ${o.stages.length} stages, more than the ${LIMITS.stages} allowed`);
  const stages = Array.from(o.stages as unknown[], (raw, i): StageSpec => {
    const p = `stages[${i}]`;
    const s = obj(p, raw, ['block', 'channels', 'blocks', 'stride', 'expand', 'kernel', 'se', 'activation', 'growth']);
    if (typeof s.block !== 'string' || !(BLOCK_TYPES as readonly string[]).includes(s.block)) {
      fail(`${p}.block`, `must be one of ${BLOCK_TYPES.join(', ')}, got ${describeValue(s.block)}`);
    }
    const block = s.block as BlockType;
    const out: StageSpec = {
      block, channels: int(`${p}.channels`, s.channels), blocks: int(`${p}.blocks`, s.blocks, undefined, 1, LIMITS.blocks), stride: stride(`${p}.stride`, s.stride, 1),
      expand: num(`${p}.expand`, s.expand, 6, 1, 16), kernel: int(`${p}.kernel`, s.kernel, 3, 1, LIMITS.kernel),
      se: num(`${p}.se`, s.se, block === 'mbconv' ? 0.25 : 0, 0, 1),
      activation: actKind(`${p}.activation`, s.activation, block === 'mbconv' ? 'silu' : block === 'inverted_residual' || block === 'depthwise_separable' ? 'relu6' : 'relu'),
      growth: int(`${p}.growth`, s.growth, 32, 1, LIMITS.growth),
    };
    if (out.kernel! % 2 === 0) fail(`${p}.kernel`, `must be odd, got ${out.kernel}`);
    if (block === 'bottleneck' || block === 'preact_bottleneck') {
      if (out.channels % 4) fail(`${p}.channels`, `must be a multiple of 4 for ${block} (4x expansion), got ${out.channels}`);
    }
    if ((block === 'fire' || block === 'inception') && out.channels < 8) fail(`${p}.channels`, `must be at least 8 for ${block}, got ${out.channels}`);
    const unused = block !== 'inverted_residual' && block !== 'mbconv' ? ['expand', 'kernel', 'se'] : [];
    if (block !== 'dense') unused.push('growth');
    for (const k of unused) if (s[k] !== undefined) fail(`${p}.${k}`, `does not apply to block '${block}'`);
    return out;
  });
  const h = obj('head', o.head ?? {}, ['lastConv', 'hidden', 'dropout', 'activation']);
  if (h.hidden !== undefined && !Array.isArray(h.hidden)) fail('head.hidden', `must be a list of widths, got ${describeValue(h.hidden)}`);
  if (Array.isArray(h.hidden) && h.hidden.length > LIMITS.hidden) fail('head.hidden', `has ${h.hidden.length} layers, more than the ${LIMITS.hidden} allowed`);
  const head: Required<HeadSpec> = {
    lastConv: h.lastConv === undefined ? 0 : int('head.lastConv', h.lastConv),
    hidden: Array.from((h.hidden as unknown[] | undefined) ?? [], (v, i) => int(`head.hidden[${i}]`, v)),
    dropout: num('head.dropout', h.dropout, 0, 0, 0.99),
    activation: actKind('head.activation', h.activation, 'relu'),
  };
  const total = stages.reduce((a, st) => a + st.blocks, 0);
  if (total > LIMITS.totalBlocks) fail('stages', `hold ${total} blocks in all, more than the ${LIMITS.totalBlocks} allowed`);
  const parsed: ParsedSpec = {
    name, stem, stages, head,
    inputChannels: int('inputChannels', o.inputChannels, 3, 1, LIMITS.inputChannels),
    inputSize: int('inputSize', o.inputSize, 224, 1, LIMITS.inputSize),
    numClasses: int('numClasses', o.numClasses, 1000, 1, LIMITS.numClasses),
  };
  const est = estimateParams(parsed);
  if (est > LIMITS.params) {
    fail('description', `has about ${(est / 1e6).toFixed(0)}M parameters (${(est * 4 / 2 ** 30).toFixed(1)} GiB of float32 weights), more than the ${LIMITS.params / 1e6}M allowed: refused before building`);
  }
  return parsed;
}

/**
 * Parameters of a parsed description, estimated from the block formulas without building anything
 * (exact for the convolutions and linears; BN and SE terms approximate). Used to refuse a design
 * before it allocates.
 */
export function estimateParams(s: ParsedSpec): number {
  let ch = s.stem.channels;
  let n = s.inputChannels * ch * s.stem.kernel ** 2 + 2 * ch;
  for (const st of s.stages) {
    const c = st.channels, k = st.kernel ?? 3;
    if (st.block === 'dense') {
      if ((st.stride ?? 1) === 2 || c !== ch) { n += ch * c + 2 * ch; ch = c; }
      const g = st.growth ?? 32;
      for (let i = 0; i < st.blocks; i++) { const cin = ch + i * g; n += cin * 4 * g + 9 * 4 * g * g + 2 * (cin + 4 * g); }
      ch += st.blocks * g;
      continue;
    }
    for (let i = 0; i < st.blocks; i++) {
      // A projection shortcut where the first block changes shape.
      const proj = i === 0 && ((st.stride ?? 1) === 2 || ch !== c) ? ch * c + 2 * c : 0;
      switch (st.block) {
        case 'conv': n += 9 * ch * c + 2 * c; break;
        case 'basic': case 'preact_basic': n += 9 * ch * c + 9 * c * c + 4 * c + proj; break;
        case 'bottleneck': case 'preact_bottleneck': {
          const m = c / 4;
          n += ch * m + 9 * m * m + m * c + 4 * m + 2 * c + (st.block === 'preact_bottleneck' && i === 0 ? ch * c + 2 * c : proj);
          break;
        }
        case 'inverted_residual': case 'mbconv': {
          const e = Math.max(1, Math.round(ch * (st.expand ?? 6)));
          const sq = (st.se ?? 0) > 0 ? Math.max(1, Math.floor((st.block === 'mbconv' ? ch : e) * st.se!)) : 0;
          n += (e !== ch ? ch * e + 2 * e : 0) + k * k * e + 2 * e + e * c + 2 * c + (sq ? 2 * e * sq + sq + e : 0);
          break;
        }
        case 'depthwise_separable': n += 9 * ch + 2 * ch + ch * c + 2 * c; break;
        case 'fire': n += ch * (c / 8) + (c / 8) * (c / 2) * 10; break;
        case 'inception': n += ch * c + 9 * c * c; break;
      }
      ch = c;
    }
  }
  if (s.head.lastConv) { n += ch * s.head.lastConv; ch = s.head.lastConv; }
  for (const w of s.head.hidden) { n += ch * w + w; ch = w; }
  return n + ch * s.numClasses + s.numClasses;
}

function parseJson(s: string): unknown {
  // A design nests four levels ({stages: [{...}]}); refuse deep nesting before parsing it.
  if (jsonDepth(s, 32) > 32) fail('description', 'nests JSON deeper than 32 levels');
  try {
    return JSON.parse(s);
  } catch (e) {
    throw new ConvnetsError(`custom model: the description is not valid JSON (${safeText((e as Error).message, 200)})`);
  }
}

// ---- building ------------------------------------------------------------------------------------------

function stage(s: StageSpec, inC: number): { module: Module; outC: number } {
  const blocks: Module[] = [];
  const c = s.channels;
  const a = s.activation!;
  let ch = inC;
  const first = s.stride ?? 1;
  switch (s.block) {
    case 'conv':
      for (let i = 0; i < s.blocks; i++) { blocks.push(ConvBnAct(ch, c, 3, { stride: i ? 1 : first, act: a })); ch = c; }
      break;
    case 'basic':
      for (let i = 0; i < s.blocks; i++) { blocks.push(BasicBlock(ch, c, i ? 1 : first)); ch = c; }
      break;
    case 'bottleneck':
      for (let i = 0; i < s.blocks; i++) { blocks.push(Bottleneck(ch, c / 4, i ? 1 : first)); ch = c; }
      break;
    case 'preact_basic':
      for (let i = 0; i < s.blocks; i++) { blocks.push(PreActBlock(ch, c, i ? 1 : first)); ch = c; }
      break;
    case 'preact_bottleneck':
      for (let i = 0; i < s.blocks; i++) {
        // The first block projects (on the pre-activated input); later ones keep the identity.
        blocks.push(i === 0 ? PreActBottleneck(ch, c / 4, first, true) : PreActBottleneck(ch, c / 4, 1, false));
        ch = c;
      }
      break;
    case 'inverted_residual':
    case 'mbconv':
      for (let i = 0; i < s.blocks; i++) {
        const expandC = Math.max(1, Math.round(ch * s.expand!));
        const se = s.se! > 0
          ? { squeezeC: Math.max(1, Math.floor((s.block === 'mbconv' ? ch : expandC) * s.se!)), act: s.block === 'mbconv' ? 'silu' as const : 'relu' as const,
            gate: s.block === 'mbconv' ? 'sigmoid' as const : 'hardsigmoid' as const }
          : null;
        blocks.push(InvertedResidual({ inC: ch, outC: c, expandC, kernel: s.kernel!, stride: i ? 1 : first, act: a, se,
          layout: s.block === 'mbconv' ? 'v3' : 'v2' }));
        ch = c;
      }
      break;
    case 'depthwise_separable':
      for (let i = 0; i < s.blocks; i++) { blocks.push(DepthwiseSeparable(ch, c, i ? 1 : first, a)); ch = c; }
      break;
    case 'dense': {
      const named: Named[] = [];
      if (first === 2 || c !== ch) {
        const t: Named[] = [['norm', bn(ch)], ['relu', act('relu')], ['conv', new Conv2d(ch, c, 1, { bias: false })]];
        if (first === 2) t.push(['pool', new AvgPool2d(2, { stride: 2 })]);
        named.push(['transition', Sequential.named(t)]);
        ch = c;
      }
      named.push(['denseblock', DenseBlock(s.blocks, ch, s.growth!)]);
      return { module: Sequential.named(named), outC: ch + s.blocks * s.growth! };
    }
    case 'fire':
    case 'inception':
      if (first === 2) blocks.push(new MaxPool2d(3, { stride: 2, padding: 1 }));
      for (let i = 0; i < s.blocks; i++) {
        if (s.block === 'fire') {
          const e1 = Math.floor(c / 2);
          blocks.push(Fire(ch, Math.max(1, Math.floor(c / 8)), e1, c - e1));
        } else {
          const c1 = Math.floor(c / 4), c3 = Math.floor(c / 2), c5 = Math.max(1, Math.floor(c / 8));
          const pp = c - c1 - c3 - c5;
          blocks.push(GoogLeNetInception(ch, c1, Math.max(1, c3 >> 1), c3, Math.max(1, c5 >> 1), c5, pp));
        }
        ch = c;
      }
      break;
  }
  return { module: new Sequential(...blocks), outC: ch };
}

/** Builds the model a description gives (validated first). Names: stem, stem_pool, stage1.., head_conv, avgpool, fc. */
export function buildCustomModel(input: MacroSpec | string): ConvNet {
  const s = parseMacroSpec(input);
  const named: Named[] = [['stem', ConvBnAct(s.inputChannels, s.stem.channels, s.stem.kernel, { stride: s.stem.stride, act: s.stem.activation })]];
  if (s.stem.pool) named.push(['stem_pool', new MaxPool2d(3, { stride: 2, padding: 1 })]);
  let ch = s.stem.channels;
  s.stages.forEach((st, i) => {
    const r = stage(st, ch);
    named.push([`stage${i + 1}`, r.module]);
    ch = r.outC;
  });
  // Pre-activation stages leave the last sum un-normalised: finish with BN + ReLU as ResNet v2 does.
  const last = s.stages[s.stages.length - 1].block;
  if (last === 'preact_basic' || last === 'preact_bottleneck' || last === 'dense') named.push(['final_norm', bn(ch)], ['final_relu', act('relu')]);
  if (s.head.lastConv) { named.push(['head_conv', ConvBnAct(ch, s.head.lastConv, 1, { act: s.head.activation })]); ch = s.head.lastConv; }
  named.push(['avgpool', new GlobalAvgPool2d()], ['flatten', new Flatten()]);
  const cls: Module[] = [];
  for (const w of s.head.hidden) { cls.push(new Linear(ch, w), act(s.head.activation)); ch = w; }
  if (s.head.dropout > 0) cls.push(new Dropout(s.head.dropout));
  cls.push(new Linear(ch, s.numClasses));
  named.push(['classifier', new Sequential(...cls)]);
  const model = new ConvNet({ name: s.name, family: 'custom', defaultInputSize: s.inputSize, inputChannels: s.inputChannels, numClasses: s.numClasses }, named);
  try {
    model.outputShape([1, s.inputSize, s.inputSize, s.inputChannels]);
  } catch (e) {
    model.dispose();
    if (e instanceof ConvnetsError) throw new ConvnetsError(`custom model: inputSize ${s.inputSize} is too small for this design (${e.message})`);
    throw e;
  }
  return model;
}

// ---- validation against constraints --------------------------------------------------------------------

export interface Constraints {
  maxParams?: number;
  /** float32 size of the parameters, MiB (params * 4 / 2^20, as the chapter). */
  maxSizeMB?: number;
  /** Multiply-accumulates per image at the input size. */
  maxMacs?: number;
  /** Median batch latency, ms, on the model's backend. */
  maxLatencyMs?: number;
}

/** Largest single activation validate() will allocate. */
export const MAX_ACTIVATION_BYTES = 4 * 2 ** 30;

export interface ValidateOptions {
  inputSize?: number;
  batch?: number;
  /** Timed forward passes (median reported); default 5, after one warm-up. */
  iterations?: number;
}

export interface ConstraintCheck { name: string; value: number; limit: number; unit: string; ok: boolean; }

export interface ValidationReport {
  model: string;
  backend: string;
  inputSize: number;
  batch: number;
  params: number;
  sizeMB: number;
  macs: number;
  latencyMs: number;
  checks: ConstraintCheck[];
  ok: boolean;
}

/** Measures the model and checks it against the constraints (a report, never a throw for a miss). */
export function validate(model: ConvNet, constraints: Constraints = {}, opts: ValidateOptions = {}): ValidationReport {
  const ck = obj('constraints', constraints, ['maxParams', 'maxSizeMB', 'maxMacs', 'maxLatencyMs']);
  for (const [k, v] of Object.entries(ck)) if (typeof v !== 'number' || !(v > 0)) fail(`constraints.${k}`, `must be a positive number, got ${describeValue(v)}`);
  const inputSize = int('inputSize', opts.inputSize, model.defaultInputSize, 1, LIMITS.inputSize);
  const batch = int('batch', opts.batch, 1, 1, 65536);
  const iterations = int('iterations', opts.iterations, 5, 1, 10000);
  const params = model.paramCount();
  const sizeMB = (params * 4) / 2 ** 20;
  let macs = 0, largest = 0;
  for (const l of model.layers([batch, inputSize, inputSize, model.inputChannels])) {
    macs += l.macs;
    largest = Math.max(largest, l.outputShape.reduce((a, b) => a * b, 1));
  }
  macs /= batch;
  // Estimated from the summary before allocating: the largest activation, in float32.
  if (largest * 4 > MAX_ACTIVATION_BYTES) {
    fail('inputSize', `${inputSize} with batch ${batch} needs an activation of ${(largest * 4 / 2 ** 30).toFixed(1)} GiB (more than ${MAX_ACTIVATION_BYTES / 2 ** 30} GiB): refused before allocating`);
  }
  const first = model.parameters()[0];
  if (!first) fail('model', 'has no parameters');
  const backend = first.value.backend;
  const x = Tensor.randn([batch, inputSize, inputSize, model.inputChannels], 7, 1, 0, backend);
  const wasTraining = model.training;
  model.eval();
  const times: number[] = [];
  try {
    for (let i = 0; i <= iterations; i++) {
      const t0 = performance.now();
      const y = model.forward(x, { training: false });
      y.toFloat32(); // waits for asynchronous backends
      if (i > 0) times.push(performance.now() - t0);
    }
  } finally {
    x.dispose();
    model.train(wasTraining);
  }
  times.sort((a, b) => a - b);
  const latencyMs = times[Math.floor(times.length / 2)];
  const checks: ConstraintCheck[] = [];
  const add = (name: string, value: number, limit: number | undefined, unit: string): void => {
    if (limit !== undefined) checks.push({ name, value, limit, unit, ok: value <= limit });
  };
  add('params', params, constraints.maxParams, '');
  add('size', sizeMB, constraints.maxSizeMB, 'MB');
  add('macs', macs, constraints.maxMacs, '');
  add('latency', latencyMs, constraints.maxLatencyMs, 'ms');
  return { model: model.name, backend: backend.name, inputSize, batch, params, sizeMB, macs, latencyMs, checks, ok: checks.every((c) => c.ok) };
}

function fmt(v: number, unit: string): string {
  if (unit === 'MB') return `${v.toFixed(1)} MB`;
  if (unit === 'ms') return `${v.toFixed(1)} ms`;
  if (v >= 1e9) return `${(v / 1e9).toFixed(3)}G`;
  if (v >= 1e6) return `${(v / 1e6).toFixed(2)}M`;
  return String(Math.round(v));
}

/** The report as text, one line per measurement, limits marked ok / OVER. */
export function formatValidation(r: ValidationReport): string {
  const lim = (name: string): string => {
    const c = r.checks.find((x) => x.name === name);
    return c ? `  (limit ${fmt(c.limit, c.unit)}: ${c.ok ? 'ok' : 'OVER'})` : '';
  };
  return [
    `${r.model} on ${r.backend}, input ${r.batch}x${r.inputSize}x${r.inputSize}`,
    `  parameters ${fmt(r.params, '')}${lim('params')}`,
    `  size       ${fmt(r.sizeMB, 'MB')}${lim('size')}`,
    `  MACs       ${fmt(r.macs, '')}${lim('macs')}`,
    `  latency    ${fmt(r.latencyMs, 'ms')} (median)${lim('latency')}`,
    `  ${r.checks.length === 0 ? 'no constraints given' : r.ok ? 'meets every constraint' : 'misses: ' + r.checks.filter((c) => !c.ok).map((c) => c.name).join(', ')}`,
  ].join('\n');
}
