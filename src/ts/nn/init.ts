// Reproducible initialisation, as torchvision's model constructors do it: conv filters kaiming-normal
// (fan_out, ReLU gain), BN weight 1 / bias 0, Linear normal(0, 0.01) / bias 0. Builders may re-init
// with the in-place helpers (EfficientNet's uniform Linear, GoogLeNet's truncated normal...).
import { Rng, hash32 } from '../core/random.js';
import { Tensor } from '../core/tensor.js';
import { ConvnetsError } from '../core/backend.js';
import type { Shape } from '../core/shape.js';
import { getBackend } from '../core/registry.js';

let rng = new Rng(0);
let salt = 0;
/** While false, initialisers leave tensors as they are and draw nothing (storage-less counting builds). */
let drawing = true;

/** Runs `fn` with initialisation switched off: no random draws, no writes. Restores the previous state. */
export function withoutInit<T>(fn: () => T): T {
  const prev = drawing;
  drawing = false;
  try { return fn(); } finally { drawing = prev; }
}

/** Seeds every later initialisation and dropout salt (torch.manual_seed's role). */
export function manualSeed(seed: number): void {
  if (!Number.isInteger(seed)) throw new ConvnetsError(`manualSeed: seed must be an integer, got ${seed}`);
  rng = new Rng(seed);
  salt = 0;
}

/** The initialisation stream. */
export function initRng(): Rng { return rng; }

/** A per-module salt for dropout / drop-path seeds: reproducible for the same construction order. */
export function nextSalt(): number {
  salt++;
  return hash32(0x5eed, salt);
}

/** fan_in / fan_out as torch computes them, for OHWI conv filters [outC, kH, kW, inC/groups] and dense [out, in]. */
export function fans(shape: Shape): { fanIn: number; fanOut: number } {
  if (shape.length < 2) return { fanIn: shape[0] ?? 1, fanOut: shape[0] ?? 1 };
  const receptive = shape.length === 4 ? shape[1] * shape[2] : 1;
  const inPer = shape.length === 4 ? shape[3] : shape[1];
  return { fanIn: inPer * receptive, fanOut: shape[0] * receptive };
}

const CHUNK = 1 << 16;

/** Fills t from `draw` in chunks, so a 100M-element layer needs no 100M-element host copy. */
function fill(t: Tensor, draw: () => number): Tensor {
  if (!drawing) return t;
  const buf = t.buffer;
  const v = new Float64Array(Math.min(CHUNK, t.size));
  for (let off = 0; off < t.size; off += CHUNK) {
    const n = Math.min(CHUNK, t.size - off);
    const part = n === v.length ? v : v.subarray(0, n);
    for (let i = 0; i < n; i++) part[i] = draw();
    t.backend.write(buf, part, off);
  }
  return t;
}

export function normal_(t: Tensor, std: number, mean = 0): Tensor { return fill(t, () => mean + std * rng.normal()); }
export function uniform_(t: Tensor, low: number, high: number): Tensor { return fill(t, () => low + (high - low) * rng.uniform()); }
export function constant_(t: Tensor, value: number): Tensor { if (drawing) t.backend.fill(t.buffer, value); return t; }
export function zeros_(t: Tensor): Tensor { return constant_(t, 0); }
export function ones_(t: Tensor): Tensor { return constant_(t, 1); }

/** Normal(mean, std) redrawn until inside [a, b] (absolute bounds, as torch.nn.init.trunc_normal_). */
export function truncNormal_(t: Tensor, std: number, mean = 0, a = -2, b = 2): Tensor {
  return fill(t, () => {
    for (let i = 0; i < 1000; i++) {
      const v = mean + std * rng.normal();
      if (v >= a && v <= b) return v;
    }
    return Math.min(Math.max(mean, a), b);
  });
}

/** kaiming_normal_: std = gain / sqrt(fan), gain sqrt(2) for ReLU. */
export function kaimingNormal_(t: Tensor, mode: 'fan_in' | 'fan_out' = 'fan_out', gain = Math.SQRT2): Tensor {
  const f = fans(t.shape);
  return normal_(t, gain / Math.sqrt(mode === 'fan_in' ? f.fanIn : f.fanOut));
}

/** kaiming_uniform_: bound = gain * sqrt(3 / fan). */
export function kaimingUniform_(t: Tensor, mode: 'fan_in' | 'fan_out' = 'fan_in', gain = Math.SQRT2): Tensor {
  const f = fans(t.shape);
  const bound = gain * Math.sqrt(3 / (mode === 'fan_in' ? f.fanIn : f.fanOut));
  return uniform_(t, -bound, bound);
}

/** A fresh tensor on the current backend, filled by `init`. */
export function initTensor(shape: Shape, init: (t: Tensor) => Tensor): Tensor {
  const t = new Tensor(getBackend(), shape);
  try { return init(t); } catch (e) { t.dispose(); throw e; }
}
