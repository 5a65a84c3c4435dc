// Per-sample transforms from uint8 NHWC pixels into a float32 batch slot: normalisation through a
// 256-entry table per channel, random crop with zero padding and horizontal flip as torchvision's
// RandomCrop(padding) / RandomHorizontalFlip (padding is black BEFORE normalisation, as there).
import { ConvnetsError } from '../core/backend.js';
import type { Rng } from '../core/random.js';

export interface Augmentation {
  /** Random crop of the original size from the image padded by this many pixels per side (0: none). */
  padding?: number;
  /** Random horizontal flip with probability 1/2 (not for digits). */
  flip?: boolean;
}

/** Table: lut[c * 256 + v] = (v / 255 - mean[c]) / std[c]. */
export function normalizationTable(mean: readonly number[], std: readonly number[]): Float32Array {
  if (mean.length !== std.length || mean.length === 0) {
    throw new ConvnetsError(`normalize: mean (${mean.length} values) and std (${std.length} values) must have one value per channel`);
  }
  const lut = new Float32Array(mean.length * 256);
  for (let c = 0; c < mean.length; c++) {
    if (!(std[c] > 0)) throw new ConvnetsError(`normalize: std[${c}] must be positive, got ${std[c]}`);
    for (let v = 0; v < 256; v++) lut[c * 256 + v] = (v / 255 - mean[c]) / std[c];
  }
  return lut;
}

/** Where one sample lands: crop offsets (0..2*padding) and flip. */
export interface SampleTransform { offY: number; offX: number; flip: boolean; }

/** Draws a transform (identity when aug is empty). Always the same number of draws per sample. */
export function drawTransform(aug: Augmentation | undefined, rng: Rng, out: SampleTransform): SampleTransform {
  const p = aug?.padding ?? 0;
  out.offY = p > 0 ? rng.int(2 * p + 1) : p;
  out.offX = p > 0 ? rng.int(2 * p + 1) : p;
  out.flip = aug?.flip ? rng.uniform() < 0.5 : false;
  return out;
}

/**
 * Writes one h x w x c image into dst at dstOffset: dst(y, x) = src(y + offY - padding, x' + offX - padding)
 * with x' = flip ? w-1-x : x, normalised; positions outside the source read black (byte 0).
 */
export function transformInto(src: Uint8Array, srcOffset: number, h: number, w: number, c: number,
  dst: Float32Array, dstOffset: number, lut: Float32Array, t: SampleTransform, padding = 0): void {
  const dy = t.offY - padding, dx = t.offX - padding;
  for (let y = 0; y < h; y++) {
    const sy = y + dy;
    const rowOut = dstOffset + y * w * c;
    for (let x = 0; x < w; x++) {
      const sx = (t.flip ? w - 1 - x : x) + dx;
      const o = rowOut + x * c;
      if (sy < 0 || sy >= h || sx < 0 || sx >= w) {
        for (let k = 0; k < c; k++) dst[o + k] = lut[k * 256];
      } else {
        const s = srcOffset + (sy * w + sx) * c;
        for (let k = 0; k < c; k++) dst[o + k] = lut[k * 256 + src[s + k]];
      }
    }
  }
}
