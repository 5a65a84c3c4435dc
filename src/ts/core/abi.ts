// The one definition of what crosses the TS <-> kernel boundary: every enum (one numbering for every
// backend), every kernel's parameter record (field order and types), every kernel's buffer arguments,
// and the wasm parameter-block layouts. scripts/gen-abi.mjs renders assembly/abi.ts and
// native/src/abi.h from it (checked in; `npm run gen:abi` rewrites them, the build and a test fail when
// they are stale). Backends marshal through encodeFields(), never through slot numbers.
import { ConvnetsError } from './errors.js';

// ---- enums ----------------------------------------------------------------------------------------
/** Code = index. Append only: codes are compiled into the kernels. */
export const ENUMS = {
  activation: ['none', 'relu', 'relu6', 'silu', 'sigmoid', 'hardswish', 'hardsigmoid', 'gelu'],
  elementwiseOp: ['add', 'axpy', 'scale', 'mul'],
  poolMode: ['max', 'avg'],
  /** wasm GEMM modes: indirect over x / over dy, direct rows (pointwise, dense), stems with merged row taps. */
  gemmMode: ['convForward', 'convBackwardData', 'directForward', 'directBackwardData', 'rowTapForward'],
} as const;
export type EnumName = keyof typeof ENUMS;
export type EnumMember<E extends EnumName> = (typeof ENUMS)[E][number];

/** The code of `member` in enum `e` (throws a ConvnetsError naming the op and the members). */
export function enumCode(e: EnumName, member: string, op: string = e): number {
  const i = (ENUMS[e] as readonly string[]).indexOf(member);
  if (i < 0) throw new ConvnetsError(`${op}: unknown ${e} '${String(member)}' (expected one of ${ENUMS[e].join(', ')})`);
  return i;
}

// ---- fields ---------------------------------------------------------------------------------------
/**
 * Every field is one 4-byte slot: i32 (checked integer), u32 (unsigned, e.g. a hash threshold), f32
 * (checked finite), bool (0/1), ptr (wasm byte offset, 0 = none), an enum code, or i32[] (a count slot
 * followed by the values: only as the last field of a record).
 */
export type FieldType = 'i32' | 'u32' | 'f32' | 'bool' | 'ptr' | 'i32[]' | { enum: EnumName };
export interface Field { name: string; type: FieldType; }

function fields(spec: string, ...more: [string, FieldType][]): Field[] {
  const ints = spec.split(/\s+/).filter(Boolean).map((name): Field => ({ name, type: 'i32' }));
  return [...ints, ...more.map(([name, type]) => ({ name, type }))];
}
const ptrs = (spec: string): Field[] => spec.split(/\s+/).filter(Boolean).map((name) => ({ name, type: 'ptr' as const }));

// ---- records: the contract's parameters (src/ts/core/backend.ts), one per kernel signature -----------
export const RECORDS = {
  conv2d: fields('n inH inW inC outH outW outC kH kW strideH strideW padTop padLeft dilationH dilationW groups',
    ['activation', { enum: 'activation' }]),
  pool2d: fields('n inH inW c outH outW kH kW strideH strideW padTop padLeft padBottom padRight',
    ['countIncludePad', 'bool']),
  adaptivePool2d: fields('n inH inW c outH outW'),
  batchNorm: fields('rows c', ['eps', 'f32'], ['momentum', 'f32']),
  globalPool: fields('n hw c'),
  dense: fields('n inF outF'),
  activation: fields('', ['kind', { enum: 'activation' }], ['length', 'i32']),
  elementwise: fields('length', ['alpha', 'f32']),
  channelScale: fields('n hw c'),
  concat: fields('rows', ['channels', 'i32[]']),
  dropout: fields('length', ['rate', 'f32'], ['seed', 'i32']),
  softmaxXent: fields('n classes', ['smoothing', 'f32'], ['gradScale', 'f32']),
  sgd: fields('length', ['lr', 'f32'], ['momentum', 'f32'], ['weightDecay', 'f32'], ['nesterov', 'bool']),
  adamw: fields('length', ['lr', 'f32'], ['beta1', 'f32'], ['beta2', 'f32'], ['eps', 'f32'], ['weightDecay', 'f32'],
    ['step', 'i32']),
} satisfies Record<string, Field[]>;
export type RecordName = keyof typeof RECORDS;

// ---- kernels --------------------------------------------------------------------------------------
/**
 * Every kernel of the contract: its family (the base name of its files in every backend, test and
 * bench), its parameter record, and its buffer arguments in call order ('name?' optional, 'name*' a list).
 */
export interface KernelSpec { family: string; record: RecordName; buffers: readonly string[]; }

export const KERNELS = {
  conv2d: { family: 'conv2d', record: 'conv2d', buffers: ['x', 'w', 'bias?', 'y'] },
  conv2dBackwardData: { family: 'conv2d', record: 'conv2d', buffers: ['dy', 'w', 'dx'] },
  conv2dBackwardFilter: { family: 'conv2d', record: 'conv2d', buffers: ['x', 'dy', 'dw', 'dbias?'] },
  dwconv2d: { family: 'dwconv2d', record: 'conv2d', buffers: ['x', 'w', 'bias?', 'y'] },
  dwconv2dBackwardData: { family: 'dwconv2d', record: 'conv2d', buffers: ['dy', 'w', 'dx'] },
  dwconv2dBackwardFilter: { family: 'dwconv2d', record: 'conv2d', buffers: ['x', 'dy', 'dw', 'dbias?'] },
  pwconv2d: { family: 'pwconv2d', record: 'conv2d', buffers: ['x', 'w', 'bias?', 'y'] },
  pwconv2dBackwardData: { family: 'pwconv2d', record: 'conv2d', buffers: ['dy', 'w', 'dx'] },
  pwconv2dBackwardFilter: { family: 'pwconv2d', record: 'conv2d', buffers: ['x', 'dy', 'dw', 'dbias?'] },
  batchNormTrain: { family: 'batchnorm', record: 'batchNorm',
    buffers: ['x', 'gamma', 'beta', 'y', 'runningMean', 'runningVar', 'saveMean', 'saveInvStd'] },
  batchNormInference: { family: 'batchnorm', record: 'batchNorm', buffers: ['x', 'gamma', 'beta', 'mean', 'variance', 'y'] },
  batchNormTrainBackward: { family: 'batchnorm', record: 'batchNorm',
    buffers: ['x', 'dy', 'gamma', 'saveMean', 'saveInvStd', 'dx', 'dgamma', 'dbeta'] },
  batchNormInferenceBackward: { family: 'batchnorm', record: 'batchNorm',
    buffers: ['x', 'dy', 'gamma', 'mean', 'variance', 'dx', 'dgamma', 'dbeta'] },
  maxPool2d: { family: 'pool', record: 'pool2d', buffers: ['x', 'y'] },
  maxPool2dBackward: { family: 'pool', record: 'pool2d', buffers: ['x', 'dy', 'dx'] },
  avgPool2d: { family: 'pool', record: 'pool2d', buffers: ['x', 'y'] },
  avgPool2dBackward: { family: 'pool', record: 'pool2d', buffers: ['dy', 'dx'] },
  adaptiveAvgPool2d: { family: 'pool', record: 'adaptivePool2d', buffers: ['x', 'y'] },
  adaptiveAvgPool2dBackward: { family: 'pool', record: 'adaptivePool2d', buffers: ['dy', 'dx'] },
  globalAvgPool: { family: 'globalpool', record: 'globalPool', buffers: ['x', 'y'] },
  globalAvgPoolBackward: { family: 'globalpool', record: 'globalPool', buffers: ['dy', 'dx'] },
  dense: { family: 'dense', record: 'dense', buffers: ['x', 'w', 'bias?', 'y'] },
  denseBackwardData: { family: 'dense', record: 'dense', buffers: ['dy', 'w', 'dx'] },
  denseBackwardFilter: { family: 'dense', record: 'dense', buffers: ['x', 'dy', 'dw', 'dbias?'] },
  activation: { family: 'activation', record: 'activation', buffers: ['x', 'y'] },
  activationBackward: { family: 'activation', record: 'activation', buffers: ['x', 'y', 'dy', 'dx'] },
  add: { family: 'elementwise', record: 'elementwise', buffers: ['a', 'b', 'y'] },
  axpy: { family: 'elementwise', record: 'elementwise', buffers: ['x', 'y'] },
  scale: { family: 'elementwise', record: 'elementwise', buffers: ['x', 'y'] },
  mul: { family: 'elementwise', record: 'elementwise', buffers: ['a', 'b', 'y'] },
  sumSquares: { family: 'elementwise', record: 'elementwise', buffers: ['x', 'out'] },
  channelScale: { family: 'channelscale', record: 'channelScale', buffers: ['x', 's', 'y'] },
  channelScaleBackward: { family: 'channelscale', record: 'channelScale', buffers: ['x', 's', 'dy', 'dx', 'ds'] },
  concat: { family: 'concat', record: 'concat', buffers: ['inputs*', 'y'] },
  split: { family: 'concat', record: 'concat', buffers: ['y', 'outputs*'] },
  dropoutMask: { family: 'dropout', record: 'dropout', buffers: ['mask'] },
  softmaxCrossEntropy: { family: 'softmax_xent', record: 'softmaxXent', buffers: ['logits', 'labels', 'probs', 'loss'] },
  softmaxCrossEntropyBackward: { family: 'softmax_xent', record: 'softmaxXent', buffers: ['probs', 'labels', 'dlogits'] },
  sgdUpdate: { family: 'optim', record: 'sgd', buffers: ['param', 'grad', 'velocity'] },
  adamwUpdate: { family: 'optim', record: 'adamw', buffers: ['param', 'grad', 'm', 'v'] },
} as const satisfies Record<string, KernelSpec>;

// ---- wasm parameter-block layouts --------------------------------------------------------------------
/**
 * The wasm kernels read their arguments from one block of shared memory (every thread reads the same
 * block): buffer offsets first, then a record's fields, then the kernel's own extras (scratch, modes).
 */
export const WASM_LAYOUTS = {
  conv: [...ptrs('a w bias c pack scr zero dwt db'), ...RECORDS.conv2d,
    ...fields('scrT ntu', ['hasBias', 'bool'], ['mode', { enum: 'gemmMode' }])],
  batchNorm: [...ptrs('x gamma beta dy mean variance saveMean saveInvStd scr dgamma dbeta u v out'), ...RECORDS.batchNorm,
    ...fields('', ['train', 'bool'], ['useV', 'bool'])],
  pool: [...ptrs('x y dy dx'), ...RECORDS.pool2d, ...fields('', ['mode', { enum: 'poolMode' }])],
  adaptivePool: [...ptrs('x y dy dx'), ...RECORDS.adaptivePool2d],
  globalPool: [...ptrs('x y dy dx'), ...RECORDS.globalPool],
  activation: [...ptrs('x y dy dx'), ...RECORDS.activation],
  elementwise: [...ptrs('a b y parts'), ...RECORDS.elementwise, ...fields('', ['op', { enum: 'elementwiseOp' }])],
  channelScale: [...ptrs('x s y dy dx ds'), ...RECORDS.channelScale],
  concatPart: [...ptrs('part whole'), ...fields('rows partC totalC offset', ['split', 'bool'])],
  dropout: [...ptrs('mask'), ...fields('length', ['threshold', 'u32'], ['scale', 'f32'], ['seed', 'i32'])],
  softmaxXent: [...ptrs('logits labels probs loss dlogits status'), ...RECORDS.softmaxXent],
  sgd: [...ptrs('param grad velocity'), ...RECORDS.sgd],
  adamw: [...ptrs('param grad m v'), ...RECORDS.adamw, ...fields('', ['bc1', 'f32'], ['sqrtBc2', 'f32'])],
} satisfies Record<string, Field[]>;
export type WasmLayoutName = keyof typeof WASM_LAYOUTS;

// ---- encoding -----------------------------------------------------------------------------------------
export interface Layout {
  readonly name: string;
  readonly fields: readonly Field[];
  /** Slot of each field (i32[]: its count slot; the values follow). */
  readonly slot: Readonly<Record<string, number>>;
  /** Slots a record takes without its variable tail. */
  readonly fixedSlots: number;
}

export function layout(name: string, fs: readonly Field[]): Layout {
  const slot: Record<string, number> = {};
  fs.forEach((f, i) => {
    if (f.name in slot) throw new ConvnetsError(`abi: layout ${name} repeats field ${f.name}`);
    if (f.type === 'i32[]' && i !== fs.length - 1) throw new ConvnetsError(`abi: layout ${name}: i32[] must be the last field`);
    slot[f.name] = i;
  });
  return { name, fields: fs, slot, fixedSlots: fs.length };
}

/** Slots a set of values needs in a layout (the fixed ones plus a variable tail). */
export function slotsNeeded(l: Layout, values: Readonly<Record<string, unknown>>): number {
  const last = l.fields[l.fields.length - 1];
  if (last && last.type === 'i32[]') {
    const a = values[last.name];
    return l.fixedSlots + (Array.isArray(a) ? a.length : 0);
  }
  return l.fixedSlots;
}

function bad(op: string, f: Field, v: unknown, want: string): never {
  const shown = typeof v === 'string' ? JSON.stringify(v.slice(0, 40)) : String(v);
  throw new ConvnetsError(`${op}: params.${f.name} must be ${want}, got ${shown}`);
}

/**
 * Writes `values` (by field name) into the 4-byte slots i32[base..] / f32[base..] (two views of the
 * same memory), checking each value against its field type. Missing ptrs are 0, missing bools false,
 * a missing enum is its first member ('none'); any other missing field is an error naming it. Returns
 * the number of slots written.
 */
export function encodeFields(op: string, l: Layout, values: Readonly<Record<string, unknown>>, i32: Int32Array,
  f32: Float32Array, base = 0): number {
  let at = base;
  for (const f of l.fields) {
    const v = values[f.name];
    const t = f.type;
    if (t === 'ptr') {
      if (v === undefined || v === null) i32[at] = 0;
      else if (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 0xffffffff) i32[at] = v | 0;
      else bad(op, f, v, 'a buffer offset');
    } else if (t === 'bool') {
      if (v === undefined || typeof v === 'boolean') i32[at] = v ? 1 : 0;
      else bad(op, f, v, 'a boolean');
    } else if (t === 'i32') {
      if (typeof v !== 'number' || !Number.isInteger(v) || v < -2147483648 || v > 2147483647) bad(op, f, v, 'a 32-bit integer');
      i32[at] = v;
    } else if (t === 'u32') {
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 0xffffffff) bad(op, f, v, 'an unsigned 32-bit integer');
      i32[at] = v | 0;
    } else if (t === 'f32') {
      if (typeof v !== 'number' || !Number.isFinite(v)) bad(op, f, v, 'a finite number');
      f32[at] = v;
    } else if (t === 'i32[]') {
      if (!Array.isArray(v)) bad(op, f, v, 'an array of integers');
      i32[at] = v.length;
      for (let k = 0; k < v.length; k++) {
        const e = v[k];
        if (typeof e !== 'number' || !Number.isInteger(e) || e < -2147483648 || e > 2147483647) bad(op, f, e, 'integers');
        i32[at + 1 + k] = e;
      }
      at += v.length;
    } else {
      i32[at] = v === undefined ? 0 : typeof v === 'string' ? enumCode(t.enum, v, `${op}: params.${f.name}`) : bad(op, f, v, `one of ${ENUMS[t.enum].join(', ')}`);
    }
    at++;
  }
  return at - base;
}

/** The slots read back by field name (the inverse of encodeFields; enums as member names). Tests and probes. */
export function decodeFields(l: Layout, i32: Int32Array, f32: Float32Array, base = 0): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  let at = base;
  for (const f of l.fields) {
    const t = f.type;
    if (t === 'f32') out[f.name] = f32[at];
    else if (t === 'bool') out[f.name] = i32[at] !== 0;
    else if (t === 'u32' || t === 'ptr') out[f.name] = i32[at] >>> 0;
    else if (t === 'i32') out[f.name] = i32[at];
    else if (t === 'i32[]') {
      const n = i32[at];
      out[f.name] = Array.from(i32.subarray(at + 1, at + 1 + n));
      at += n;
    } else out[f.name] = ENUMS[t.enum][i32[at]] ?? i32[at];
    at++;
  }
  return out;
}

const recordLayouts = new Map<string, Layout>();
/** The layout of a contract record (as native reads it: the record's fields from slot 0). */
export function recordLayout(r: RecordName): Layout {
  let l = recordLayouts.get(r);
  if (!l) { l = layout(r, RECORDS[r]); recordLayouts.set(r, l); }
  return l;
}

const wasmLayouts = new Map<string, Layout>();
export function wasmLayout(n: WasmLayoutName): Layout {
  let l = wasmLayouts.get(n);
  if (!l) { l = layout(n, WASM_LAYOUTS[n]); wasmLayouts.set(n, l); }
  return l;
}
