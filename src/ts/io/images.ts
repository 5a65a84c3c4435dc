// Image decoding and torchvision's ImageNet evaluation preprocessing: resize the shorter side, centre
// crop, scale to [0, 1], normalise per channel. Decoding and resizing by sharp (libvips); the result
// is an NHWC float tensor, our activation layout.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { ConvnetsError } from '../core/backend.js';
import type { Backend } from '../core/backend.js';
import { getBackend } from '../core/registry.js';
import { Tensor } from '../core/tensor.js';

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
}

/** torchvision's eval transforms for a model: 256/224 (342/299 for Inception v3), scaled for other sizes. */
export function imagenetPreprocess(modelName: string, inputSize: number, channels = 3): Preprocess {
  const resize = modelName === 'inception_v3' ? 342 : inputSize === 224 ? 256 : Math.round(inputSize / 0.875);
  return channels === 1
    ? { resize, crop: inputSize, mean: [0.5], std: [0.5], channels: 1 }
    : { resize, crop: inputSize, mean: IMAGENET_MEAN, std: IMAGENET_STD, channels: 3 };
}

/** Decodes, resizes and crops one image: HWC uint8 of crop x crop x channels. */
export async function loadImagePixels(file: string, p: Preprocess): Promise<Uint8Array> {
  if (!fs.existsSync(file)) throw new ConvnetsError(`image ${file}: no such file`);
  for (const [k, v] of [['resize', p.resize], ['crop', p.crop]] as const) {
    if (!Number.isInteger(v) || v <= 0) throw new ConvnetsError(`image preprocessing: ${k} must be a positive integer, got ${v}`);
  }
  if (p.crop > p.resize) throw new ConvnetsError(`image preprocessing: crop ${p.crop} is larger than the resize ${p.resize}`);
  try {
    const img = sharp(file, { failOn: 'error' }).rotate(); // honour EXIF orientation as PIL-based loaders do after exif_transpose
    const meta = await img.metadata();
    let w = meta.width ?? 0; let h = meta.height ?? 0;
    if ((meta.orientation ?? 1) >= 5) [w, h] = [h, w];
    if (!w || !h) throw new ConvnetsError(`image ${file}: cannot read its size`);
    // Shorter side -> resize, the other scaled and truncated as torchvision does (int()).
    const [nw, nh] = w <= h ? [p.resize, Math.floor((p.resize * h) / w)] : [Math.floor((p.resize * w) / h), p.resize];
    const left = Math.round((nw - p.crop) / 2);
    const top = Math.round((nh - p.crop) / 2);
    let pipe = img.resize(nw, nh, { fit: 'fill', kernel: 'linear' })
      .extract({ left, top, width: p.crop, height: p.crop })
      .removeAlpha();
    pipe = p.channels === 1 ? pipe.greyscale() : pipe.toColourspace('srgb');
    const { data, info } = await pipe.raw().toBuffer({ resolveWithObject: true });
    if (info.channels !== p.channels || data.length !== p.crop * p.crop * p.channels) {
      throw new ConvnetsError(`image ${file}: decoded to ${info.width}x${info.height}x${info.channels}, expected ${p.crop}x${p.crop}x${p.channels}`);
    }
    return new Uint8Array(data.buffer, data.byteOffset, data.length);
  } catch (e) {
    if (e instanceof ConvnetsError) throw e;
    throw new ConvnetsError(`image ${file}: cannot decode (${(e as Error).message})`);
  }
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

/** A batch [n, crop, crop, channels] of preprocessed images. */
export async function loadImageBatch(files: string[], p: Preprocess, backend: Backend = getBackend()): Promise<Tensor> {
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
