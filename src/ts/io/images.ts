// Image decoding and torchvision's ImageNet evaluation preprocessing: resize the shorter side
// (antialiased, resize.ts), centre crop, scale to [0, 1], normalise per channel. Decoding by sharp
// (libvips); the result is an NHWC float tensor, our activation layout.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConvnetsError } from '../core/backend.js';
import { safeText } from '../core/text.js';
import type SharpModule from 'sharp';
import type { Backend } from '../core/backend.js';
import { getBackend } from '../core/registry.js';
import { Tensor } from '../core/tensor.js';
import { resizeCenterCrop } from './resize.js';
import type { Interpolation, ResampleMode } from './resize.js';

export const IMAGENET_MEAN = [0.485, 0.456, 0.406] as const;
export const IMAGENET_STD = [0.229, 0.224, 0.225] as const;

export interface Preprocess {
  /** Shorter side after resizing (torchvision Resize(int)). */
  resize: number;
  /** Square centre crop. */
  crop: number;
  mean: readonly number[];
  std: readonly number[];
  /** 3 (RGB) or 1 (greyscale). */
  channels: number;
  /** Resize filter (default bilinear; the EfficientNet V1 weights use bicubic). */
  interpolation?: Interpolation;
  /** Arithmetic of the resize: Pillow's (default; bit-exact with torchvision on PIL images) or torchvision's tensor path. */
  resample?: ResampleMode;
}

/** torchvision's eval transforms for a model: 256/224 (342/299 for Inception v3), scaled for other sizes. */
export function imagenetPreprocess(modelName: string, inputSize: number, channels = 3): Preprocess {
  const resize = modelName === 'inception_v3' ? 342 : inputSize === 224 ? 256 : Math.round(inputSize / 0.875);
  return channels === 1
    ? { resize, crop: inputSize, mean: [0.5], std: [0.5], channels: 1 }
    : { resize, crop: inputSize, mean: IMAGENET_MEAN, std: IMAGENET_STD, channels: 3 };
}

export type Sharp = typeof SharpModule;
let sharpModule: Promise<Sharp> | null = null;

/**
 * sharp, loaded on first use: it is a native package whose binary may be missing on a platform, and
 * only image decoding needs it (importing convnets must not fail without it).
 */
export function loadSharp(): Promise<Sharp> {
  sharpModule ??= import('sharp').then((m) => (m as unknown as { default: Sharp }).default, (e: unknown) => {
    sharpModule = null;
    throw new ConvnetsError(`images (image files, image folders) are decoded with the 'sharp' package, which could not be loaded ` +
      `(${(e as Error)?.message ?? String(e)}); install it with: npm install sharp`);
  });
  return sharpModule;
}

/** Largest decoded image accepted (pixels): 64 M, ~190 MB of RGB (a 9k x 7k photo); checked from the header. */
export const MAX_IMAGE_PIXELS = 64 * 1024 * 1024;
/** Largest image after the shorter-side resize: an extreme aspect ratio (8M x 20) would explode there. */
export const MAX_RESIZED_PIXELS = 64 * 1024 * 1024;

/** Decodes, resizes and crops one image (a file or encoded bytes): HWC uint8 of crop x crop x channels. */
export async function loadImagePixels(file: string | Uint8Array, p: Preprocess): Promise<Uint8Array> {
  const name = typeof file === 'string' ? file : '<bytes>';
  if (typeof file === 'string') {
    let st: fs.Stats;
    try { st = fs.statSync(file); } catch { throw new ConvnetsError(`image ${file}: no such file`); }
    if (!st.isFile()) throw new ConvnetsError(`image ${file}: not a regular file`);
  }
  for (const [k, v] of [['resize', p.resize], ['crop', p.crop]] as const) {
    if (!Number.isInteger(v) || v <= 0 || v > 16384) throw new ConvnetsError(`image preprocessing: ${k} must be an integer in [1, 16384], got ${v}`);
  }
  if (p.crop > p.resize) throw new ConvnetsError(`image preprocessing: crop ${p.crop} is larger than the resize ${p.resize}`);
  const sharp = await loadSharp();
  // The header first: a tiny file may claim huge dimensions (a decompression bomb); refuse it before decoding.
  let meta: { width?: number; height?: number };
  try {
    meta = await sharp(file, { failOn: 'error', limitInputPixels: MAX_IMAGE_PIXELS }).metadata();
  } catch (e) {
    throw new ConvnetsError(`image ${safeText(name, 200)}: cannot decode (${safeText((e as Error).message, 200)})`);
  }
  const w = meta.width ?? 0, h = meta.height ?? 0;
  if (!(w > 0 && h > 0)) throw new ConvnetsError(`image ${safeText(name, 200)}: no image dimensions in its header`);
  if (w * h > MAX_IMAGE_PIXELS) {
    throw new ConvnetsError(`image ${safeText(name, 200)}: ${w}x${h} is over the ${MAX_IMAGE_PIXELS / 2 ** 20} M-pixel limit`);
  }
  const scale = p.resize / Math.min(w, h);
  if (Math.ceil(w * scale) * Math.ceil(h * scale) > MAX_RESIZED_PIXELS) {
    throw new ConvnetsError(`image ${safeText(name, 200)}: ${w}x${h} resized to a shorter side of ${p.resize} would be ` +
      `${Math.ceil(w * scale)}x${Math.ceil(h * scale)} (aspect ratio too extreme for an image model)`);
  }
  let raw: { data: Buffer; info: { width: number; height: number; channels: number } };
  try {
    // EXIF orientation honoured as PIL-based loaders do after exif_transpose; sRGB (or grey) 8-bit.
    let img = sharp(file, { failOn: 'error', limitInputPixels: MAX_IMAGE_PIXELS }).rotate().removeAlpha();
    img = p.channels === 1 ? img.greyscale() : img.toColourspace('srgb');
    raw = await img.raw().toBuffer({ resolveWithObject: true });
  } catch (e) {
    throw new ConvnetsError(`image ${safeText(name, 200)}: cannot decode (${safeText((e as Error).message, 200)})`);
  }
  const { width, height, channels } = raw.info;
  if (channels !== p.channels) throw new ConvnetsError(`image ${name}: decoded to ${channels} channels, expected ${p.channels}`);
  const px = new Uint8Array(raw.data.buffer, raw.data.byteOffset, raw.data.length);
  return resizeCenterCrop(px, width, height, channels, {
    resize: p.resize, crop: p.crop, interpolation: p.interpolation ?? 'bilinear', mode: p.resample ?? 'pil',
  });
}

/** HWC uint8 pixels -> normalised floats (x/255 - mean) / std, same order. */
export function normalizePixels(px: Uint8Array, p: Preprocess): Float32Array {
  const c = p.channels;
  const out = new Float32Array(px.length);
  for (let i = 0; i < px.length; i++) {
    const k = i % c;
    out[i] = (px[i] / 255 - p.mean[k]) / p.std[k];
  }
  return out;
}

/** A batch [n, crop, crop, channels] of preprocessed images (files or encoded bytes). */
export async function loadImageBatch(files: (string | Uint8Array)[], p: Preprocess, backend: Backend = getBackend()): Promise<Tensor> {
  if (files.length === 0) throw new ConvnetsError('no images given');
  const per = p.crop * p.crop * p.channels;
  const all = new Float32Array(files.length * per);
  for (const [i, f] of files.entries()) all.set(normalizePixels(await loadImagePixels(f, p), p), i * per);
  return Tensor.from(all, [files.length, p.crop, p.crop, p.channels], backend);
}

let classNames: string[] | null = null;

/** The 1,000 ImageNet class names (data/imagenet_classes.txt, found from this file upward). */
export function imagenetClasses(): string[] {
  if (classNames) return classNames;
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const f = path.join(dir, 'data', 'imagenet_classes.txt');
    if (fs.existsSync(f)) {
      const names = fs.readFileSync(f, 'utf8').split('\n').filter((l) => l.length > 0);
      if (names.length !== 1000) throw new ConvnetsError(`${f}: expected 1000 class names, found ${names.length}`);
      classNames = names;
      return names;
    }
    dir = path.dirname(dir);
  }
  throw new ConvnetsError('data/imagenet_classes.txt not found next to the package');
}

/** Softmax of each row of logits [n, k] and the top-k (index, probability) per row. */
export function topK(logits: Float32Array, n: number, k: number, count: number): { index: number; prob: number }[][] {
  const res: { index: number; prob: number }[][] = [];
  for (let i = 0; i < n; i++) {
    const row = logits.subarray(i * k, (i + 1) * k);
    let max = -Infinity;
    for (const v of row) max = Math.max(max, v);
    let sum = 0;
    const probs = Array.from(row, (v) => { const e = Math.exp(v - max); sum += e; return e; });
    res.push(probs.map((v, index) => ({ index, prob: v / sum })).sort((a, b) => b.prob - a.prob).slice(0, Math.min(count, k)));
  }
  return res;
}
