// An in-memory image classification set: uint8 pixels in NHWC order (what every source format ships,
// and a quarter of float32's memory: CIFAR-10's 60,000 images stay at 184 MB), labels as class indices.
import { ConvnetsError } from '../core/backend.js';

export interface ImageDataset {
  /** Where it came from (for messages and logs). */
  readonly name: string;
  readonly count: number;
  readonly height: number;
  readonly width: number;
  readonly channels: number;
  readonly numClasses: number;
  /** count * height * width * channels bytes, NHWC. */
  readonly images: Uint8Array;
  /** count class indices in [0, numClasses). */
  readonly labels: Uint8Array;
}

export interface DatasetSplit {
  train: ImageDataset;
  test: ImageDataset;
  /** Per-channel statistics (of [0,1]-scaled pixels) used to normalise; from the training split. */
  mean: number[];
  std: number[];
}

/** Checks the invariants every reader promises; names `source` in the error. */
export function checkDataset(ds: ImageDataset, source = ds.name): ImageDataset {
  const per = ds.height * ds.width * ds.channels;
  if (!(ds.count > 0) || !(per > 0)) throw new ConvnetsError(`${source}: empty dataset (${ds.count} images of ${ds.height}x${ds.width}x${ds.channels})`);
  if (ds.images.length !== ds.count * per) {
    throw new ConvnetsError(`${source}: ${ds.images.length} pixel bytes for ${ds.count} images of ${ds.height}x${ds.width}x${ds.channels} (expected ${ds.count * per})`);
  }
  if (ds.labels.length !== ds.count) throw new ConvnetsError(`${source}: ${ds.labels.length} labels for ${ds.count} images`);
  for (let i = 0; i < ds.labels.length; i++) {
    if (ds.labels[i] >= ds.numClasses) {
      throw new ConvnetsError(`${source}: label ${ds.labels[i]} at index ${i} is outside [0, ${ds.numClasses})`);
    }
  }
  return ds;
}

/** A subset by index list (copies the selected images, keeps the order given). */
export function subset(ds: ImageDataset, indices: ArrayLike<number>, name = ds.name): ImageDataset {
  const per = ds.height * ds.width * ds.channels;
  const images = new Uint8Array(indices.length * per);
  const labels = new Uint8Array(indices.length);
  for (let i = 0; i < indices.length; i++) {
    const j = indices[i];
    images.set(ds.images.subarray(j * per, (j + 1) * per), i * per);
    labels[i] = ds.labels[j];
  }
  return { name, count: indices.length, height: ds.height, width: ds.width, channels: ds.channels, numClasses: ds.numClasses, images, labels };
}

/** The first `n` images (or all when n is larger): for quick runs. */
export function head(ds: ImageDataset, n: number): ImageDataset {
  if (n >= ds.count) return ds;
  const idx = new Int32Array(n);
  for (let i = 0; i < n; i++) idx[i] = i;
  return subset(ds, idx, ds.name);
}

/** Per-channel mean and standard deviation of pixels scaled to [0, 1]. */
export function channelStats(ds: ImageDataset): { mean: number[]; std: number[] } {
  const c = ds.channels;
  const sum = new Float64Array(c), sq = new Float64Array(c);
  const px = ds.images;
  for (let i = 0; i < px.length; i++) {
    const v = px[i] / 255;
    sum[i % c] += v; sq[i % c] += v * v;
  }
  const n = px.length / c;
  const mean = [...sum].map((s) => s / n);
  const std = [...sq].map((s, k) => Math.sqrt(Math.max(s / n - mean[k] * mean[k], 1e-12)));
  return { mean, std };
}
