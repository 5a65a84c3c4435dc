// torchvision state dicts by name. Our parameter names are torchvision's ('layer1.0.conv1.weight',
// 'bn1.running_mean'), so a state dict maps 1:1; only layouts differ:
// - conv filters: torch OIHW [out, in/groups, kH, kW] <-> ours OHWI [out, kH, kW, in/groups];
// - the first Linear after a Flatten of a feature map with h*w > 1 (VGG's classifier.0, in_features
//   512*7*7): torch flattens NCHW (c, h, w), we flatten NHWC (h, w, c), so its input columns permute;
// - BatchNorm's num_batches_tracked has no counterpart here and is ignored.
import { ConvnetsError } from '../core/backend.js';
import type { Tensor } from '../core/tensor.js';
import type { Module } from '../nn/module.js';
import { writeSafetensorsFile } from './safetensors.js';
import type { SafetensorsEntry } from './safetensors.js';
import { readWeightsFile } from './pth.js';

export type WeightLayout = 'torchvision' | 'convnets';

/** Metadata key/value our writer puts in files stored in our own layout. */
export const LAYOUT_KEY = 'convnets.layout';

export interface StateTensor {
  shape: readonly number[];
  data: Float32Array;
  /** Stored dtype ('F32', 'F16', 'I64', ...); integer dtypes are refused for our (float) parameters. */
  dtype?: string;
}

export interface LoadOptions {
  /** Report missing / unexpected keys as an error (default true). Shape mismatches are always errors. */
  strict?: boolean;
  /** Layout of the stored tensors (default: 'auto': metadata, then the shapes decide). */
  layout?: WeightLayout | 'auto';
  /** Flatten shapes [h, w, c] of Linear layers, by parameter prefix, overriding the detection. */
  flattenShapes?: Record<string, [number, number, number]>;
  /** Accept NaN / infinite values in the weights (default false: they are an error naming the tensor). */
  allowNonFinite?: boolean;
}

export interface LoadReport {
  layout: WeightLayout;
  loaded: string[];
  missing: string[];
  unexpected: string[];
  ignored: string[];
}

interface Slot { name: string; tensor: Tensor; kind: 'conv' | 'linear' | 'plain'; flatten?: [number, number, number] }

const IGNORED = /(^|\.)num_batches_tracked$/;
/** Optimiser state of a convnets training checkpoint ('optim.<param>.<state>'): skipped by design when loading weights. */
const OPTIM = /^optim\./;
/**
 * DenseNet files published before torchvision 0.3 name 'denselayer1.norm.1.weight' what the model calls
 * 'denselayer1.norm1.weight' (torchvision's densenet loader rewrites them with this pattern too).
 */
const LEGACY_DENSENET = /^(.*denselayer\d+\.(?:norm|relu|conv))\.((?:[12])\.(?:weight|bias|running_mean|running_var))$/;

function renameLegacyKeys(tensors: Map<string, StateTensor>, known: Set<string>): Map<string, StateTensor> {
  let renamed = false;
  const out = new Map<string, StateTensor>();
  for (const [k, v] of tensors) {
    const m = known.has(k) ? null : LEGACY_DENSENET.exec(k);
    const k2 = m && known.has(m[1] + m[2]) && !tensors.has(m[1] + m[2]) ? m[1] + m[2] : k;
    if (k2 !== k) renamed = true;
    out.set(k2, v);
  }
  return renamed ? out : tensors;
}

const FLOAT_DTYPES = new Set(['F32', 'F16', 'BF16', 'F64']);
const MIN_NORMAL = 1.1754943508222875e-38;

/**
 * Why a tensor's values cannot be weights, or null: NaN/inf, or (the signature of integer bytes
 * labelled F32) every non-zero value subnormal, which trained or initialised weights never are.
 */
function badValues(d: Float32Array, allowNonFinite: boolean): string | null {
  let nonFinite = 0; let nonZero = 0; let subnormal = 0;
  for (let i = 0; i < d.length; i++) {
    const v = d[i];
    if (!Number.isFinite(v)) nonFinite++;
    else if (v !== 0) { nonZero++; if (Math.abs(v) < MIN_NORMAL) subnormal++; }
  }
  if (nonFinite && !allowNonFinite) return `${nonFinite} of ${d.length} values are NaN or infinite`;
  if (nonZero >= 4 && subnormal === nonZero) return 'every non-zero value is subnormal (integer data labelled as float?)';
  return null;
}
/**
 * Auxiliary classifiers of torchvision's Inception v3 (kept in its pretrained state dict) and GoogLeNet:
 * a model built without them (aux: false, the inference layout) skips their weights.
 */
const AUX = /^(AuxLogits|aux1|aux2)\./;

/**
 * Every parameter and buffer of the model with its layout role. The flatten shape of a Linear is found
 * from the module order: a Linear right after convolutions whose in_features is C*h*w (C = channels of
 * the last conv/BN, h = w) reads a flattened h x w map; its torch columns are in (c, h, w) order.
 */
function slots(model: Module, overrides: Record<string, [number, number, number]> = {}): Slot[] {
  const out: Slot[] = [];
  let lastChannels: number | null = null;
  for (const [path, m] of model.namedModules()) {
    const prefix = path ? `${path}.` : '';
    const w = m.params.get('weight');
    const isLinear = m.typeName === 'Linear' || (w !== undefined && w.value.shape.length === 2);
    for (const [n, p] of m.params) {
      const name = prefix + n;
      const shape = p.value.shape;
      if (shape.length === 4 && n === 'weight') out.push({ name, tensor: p.value, kind: 'conv' });
      else if (isLinear && n === 'weight' && shape.length === 2) {
        const inF = shape[1];
        let flatten = overrides[path];
        if (!flatten && lastChannels !== null && inF !== lastChannels && inF % lastChannels === 0) {
          const hw = inF / lastChannels;
          const side = Math.round(Math.sqrt(hw));
          if (side * side === hw) flatten = [side, side, lastChannels];
        }
        out.push(flatten ? { name, tensor: p.value, kind: 'linear', flatten } : { name, tensor: p.value, kind: 'plain' });
      } else out.push({ name, tensor: p.value, kind: 'plain' });
    }
    for (const [n, b] of m.buffers) out.push({ name: prefix + n, tensor: b, kind: 'plain' });
    if (w && w.value.shape.length === 4) lastChannels = w.value.shape[0];
    else if (m.typeName === 'BatchNorm2d' && w) lastChannels = w.value.shape[0];
    else if (isLinear && w) lastChannels = null; // only the first Linear after the feature maps is permuted
  }
  return out;
}

/** How each tensor maps to torchvision's layout (for inspection and tests; cheap, reads no data). */
export function layoutPlan(model: Module, overrides?: Record<string, [number, number, number]>):
  { name: string; kind: 'conv' | 'linear' | 'plain'; flatten?: [number, number, number] }[] {
  return slots(model, overrides).map(({ name, kind, flatten }) => (flatten ? { name, kind, flatten } : { name, kind }));
}

function torchShape(s: Slot): number[] {
  const sh = s.tensor.shape;
  return s.kind === 'conv' ? [sh[0], sh[3], sh[1], sh[2]] : [...sh];
}

/** Torch layout -> ours. */
function fromTorch(s: Slot, d: Float32Array): Float32Array {
  const out = new Float32Array(d.length);
  if (s.kind === 'conv') {
    const [o, kh, kw, i] = s.tensor.shape;
    for (let a = 0; a < o; a++) for (let c = 0; c < i; c++) for (let y = 0; y < kh; y++) for (let x = 0; x < kw; x++) {
      out[((a * kh + y) * kw + x) * i + c] = d[((a * i + c) * kh + y) * kw + x];
    }
    return out;
  }
  if (s.kind === 'linear' && s.flatten) {
    const [h, w, c] = s.flatten;
    const [o, inF] = s.tensor.shape;
    for (let a = 0; a < o; a++) for (let ch = 0; ch < c; ch++) for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
      out[a * inF + (y * w + x) * c + ch] = d[a * inF + (ch * h + y) * w + x];
    }
    return out;
  }
  out.set(d);
  return out;
}

/** Ours -> torch layout. */
function toTorch(s: Slot, d: Float32Array): Float32Array {
  const out = new Float32Array(d.length);
  if (s.kind === 'conv') {
    const [o, kh, kw, i] = s.tensor.shape;
    for (let a = 0; a < o; a++) for (let c = 0; c < i; c++) for (let y = 0; y < kh; y++) for (let x = 0; x < kw; x++) {
      out[((a * i + c) * kh + y) * kw + x] = d[((a * kh + y) * kw + x) * i + c];
    }
    return out;
  }
  if (s.kind === 'linear' && s.flatten) {
    const [h, w, c] = s.flatten;
    const [o, inF] = s.tensor.shape;
    for (let a = 0; a < o; a++) for (let ch = 0; ch < c; ch++) for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
      out[a * inF + (ch * h + y) * w + x] = d[a * inF + (y * w + x) * c + ch];
    }
    return out;
  }
  out.set(d);
  return out;
}

const sameShape = (a: readonly number[], b: readonly number[]): boolean => a.length === b.length && a.every((v, i) => v === b[i]);

/** Decides the layout of a file: our metadata marker, else conv shapes that fit only one layout, else torchvision. */
function detectLayout(all: Slot[], tensors: Map<string, StateTensor>, metadata: Record<string, string>): WeightLayout {
  const meta = metadata[LAYOUT_KEY];
  if (meta === 'convnets' || meta === 'torchvision') return meta;
  let ours = 0; let torch = 0;
  for (const s of all) {
    if (s.kind !== 'conv') continue;
    const t = tensors.get(s.name);
    if (!t) continue;
    const o = sameShape(t.shape, s.tensor.shape);
    const tv = sameShape(t.shape, torchShape(s));
    if (o && !tv) ours++;
    if (tv && !o) torch++;
  }
  return ours > torch ? 'convnets' : 'torchvision';
}

/**
 * Loads a state dict (torchvision names) into `model`. Missing, unexpected and shape-mismatched keys
 * are reported together in one ConvnetsError (missing/unexpected only when strict).
 */
export function loadStateDict(model: Module, tensors: Map<string, StateTensor>, opts: LoadOptions & { metadata?: Record<string, string>; source?: string } = {}): LoadReport {
  const strict = opts.strict ?? true;
  const all = slots(model, opts.flattenShapes);
  const known = new Set(all.map((s) => s.name));
  tensors = renameLegacyKeys(tensors, known);
  const layout = !opts.layout || opts.layout === 'auto' ? detectLayout(all, tensors, opts.metadata ?? {}) : opts.layout;
  const missing: string[] = [];
  const mismatched: string[] = [];
  const badType: string[] = [];
  const ready: [Slot, Float32Array][] = [];
  const checkpoint = (opts.metadata?.format ?? '').startsWith('convnets-checkpoint');
  for (const s of all) {
    const t = tensors.get(s.name);
    if (!t) { missing.push(s.name); continue; }
    const want = layout === 'torchvision' ? torchShape(s) : [...s.tensor.shape];
    if (!sameShape(t.shape, want) || t.data.length !== s.tensor.size) {
      mismatched.push(`${s.name}: file [${t.shape.join(', ')}], model expects [${want.join(', ')}]`);
      continue;
    }
    if (t.dtype !== undefined && !FLOAT_DTYPES.has(t.dtype)) { badType.push(`${s.name}: stored as ${t.dtype}, the model's tensor is float`); continue; }
    const why = badValues(t.data, opts.allowNonFinite ?? false);
    if (why) { badType.push(`${s.name}: ${why}`); continue; }
    ready.push([s, layout === 'torchvision' ? fromTorch(s, t.data) : t.data]);
  }
  const ignored: string[] = [];
  const unexpected: string[] = [];
  for (const k of tensors.keys()) {
    if (known.has(k)) continue;
    if (IGNORED.test(k) || AUX.test(k) || (checkpoint && OPTIM.test(k))) ignored.push(k);
    else unexpected.push(k);
  }
  const problems: string[] = [];
  const list = (a: string[], sep: string): string => (a.length > 12 ? `${a.slice(0, 12).join(sep)}${sep}... (${a.length - 12} more)` : a.join(sep));
  if (mismatched.length) problems.push(`shape mismatch (${mismatched.length}): ${list(mismatched, '; ')}`);
  if (badType.length) problems.push(`unusable values (${badType.length}): ${list(badType, '; ')}`);
  if (strict && missing.length) problems.push(`missing (${missing.length}): ${list(missing, ', ')}`);
  if (strict && unexpected.length) problems.push(`unexpected (${unexpected.length}): ${list(unexpected, ', ')}`);
  // Loading nothing is never what was meant, strict or not (another model's file, a renamed prefix).
  if (!problems.length && ready.length === 0 && all.length > 0) {
    problems.push(`none of the file's ${tensors.size} tensors matches the model's ${all.length} ` +
      `(file: ${[...tensors.keys()].slice(0, 3).join(', ')}...; model: ${all.slice(0, 3).map((s) => s.name).join(', ')}...)`);
  }
  if (problems.length) {
    throw new ConvnetsError(clip(`load weights${opts.source ? ` from ${opts.source}` : ''} (${layout} layout): ${problems.join(' | ')}`));
  }
  // Everything checked first: a failing load leaves the model untouched.
  for (const [s, d] of ready) s.tensor.set(d);
  return { layout, loaded: ready.map(([s]) => s.name), missing, unexpected, ignored };
}

/** Error messages stay bounded and printable whatever the file's tensor names hold. */
function clip(msg: string): string {
  const s = msg.replace(/[\x00-\x1f\x7f]/g, '?');
  return s.length > 4000 ? `${s.slice(0, 4000)}... (${s.length - 4000} more characters)` : s;
}

/**
 * Reads a weights file and loads it (see loadStateDict): a torchvision .pth (torch.save, zip or legacy
 * format), a .safetensors state dict, or a convnets training checkpoint (its optimiser state is skipped).
 */
export function loadWeightsFile(model: Module, file: string, opts: LoadOptions = {}): LoadReport {
  const dec = readWeightsFile(file);
  return loadStateDict(model, dec.tensors, { ...opts, metadata: dec.metadata, source: file });
}

/** Same as loadWeightsFile (kept for callers of the safetensors-only name; it accepts .pth too). */
export const loadSafetensorsWeights = loadWeightsFile;

/** The model's parameters and buffers as safetensors entries, in torchvision layout (default) or ours. */
export function stateDictEntries(model: Module, layout: WeightLayout = 'torchvision'): SafetensorsEntry[] {
  return slots(model).map((s) => {
    const d = s.tensor.toFloat32();
    return layout === 'torchvision'
      ? { name: s.name, shape: torchShape(s), data: toTorch(s, d) }
      : { name: s.name, shape: [...s.tensor.shape], data: d };
  });
}

/** Writes the model's weights (atomic), marking the layout in the metadata. */
export function saveSafetensorsWeights(model: Module, file: string, layout: WeightLayout = 'torchvision',
  metadata: Record<string, string> = {}): void {
  writeSafetensorsFile(file, stateDictEntries(model, layout), { format: 'pt', ...metadata, [LAYOUT_KEY]: layout });
}
