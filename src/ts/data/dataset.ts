// Image classification sets. In memory: uint8 pixels in NHWC order (what every source format ships,
// and a quarter of float32's memory: CIFAR-10's 60,000 images stay at 184 MB). Streamed: only the
// labels are in memory and a batch of pixels is decoded on request (image folders). Labels are 32-bit
// class indices, so any number of classes (the loss kernel takes them as float32: exact below 2^24).
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
  readonly labels: Int32Array;
  /** Class names by index (image folders: the subfolder names), when the source has them. */
  readonly classNames?: readonly string[];
}

/** A set whose pixels are decoded on demand: the whole set is never in memory. */
export interface StreamedImageDataset {
  readonly name: string;
  readonly count: number;
  readonly height: number;
  readonly width: number;
  readonly channels: number;
  readonly numClasses: number;
  readonly labels: Int32Array;
  readonly classNames?: readonly string[];
  readonly images?: undefined;
  /** Writes images `indices` (uint8 NHWC, one after another) into dst from offset 0. */
  read(indices: ArrayLike<number>, dst: Uint8Array): Promise<void>;
}

export type Dataset = ImageDataset | StreamedImageDataset;

export function isStreamed(ds: Dataset): ds is StreamedImageDataset {
  return ds.images === undefined;
}

/** What readers hand to checkDataset: labels in any integer array (converted to Int32Array). */
export type ImageDatasetInput = Omit<ImageDataset, 'labels'> & { labels: ArrayLike<number> };

/** Train / held-out pair; readers of in-memory formats give the default, image folders DatasetSplit<Dataset>. */
export interface DatasetSplit<D extends Dataset = ImageDataset> {
  train: D;
  test: D;
  /** Per-channel statistics (of [0,1]-scaled pixels) used to normalise; from the training split. */
  mean: number[];
  std: number[];
}

/** Checks the invariants every reader promises (labels become Int32Array); names `source` in the error. */
export function checkDataset(input: ImageDatasetInput, source = input.name): ImageDataset {
  const ds: ImageDataset = input.labels instanceof Int32Array ? input as ImageDataset : { ...input, labels: Int32Array.from(input.labels) };
  const per = ds.height * ds.width * ds.channels;
  if (!(ds.count > 0) || !(per > 0)) throw new ConvnetsError(`${source}: empty dataset (${ds.count} images of ${ds.height}x${ds.width}x${ds.channels})`);
  if (ds.images.length !== ds.count * per) {
    throw new ConvnetsError(`${source}: ${ds.images.length} pixel bytes for ${ds.count} images of ${ds.height}x${ds.width}x${ds.channels} (expected ${ds.count * per})`);
  }
  if (ds.labels.length !== ds.count) throw new ConvnetsError(`${source}: ${ds.labels.length} labels for ${ds.count} images`);
  for (let i = 0; i < ds.labels.length; i++) {
    if (!(ds.labels[i] >= 0 && ds.labels[i] < ds.numClasses)) {
      throw new ConvnetsError(`${source}: label ${ds.labels[i]} at index ${i} is outside [0, ${ds.numClasses})`);
    }
  }
  return ds;
}

/** A subset by index list (copies the selected images, keeps the order given; a streamed set is remapped). */
export function subset(ds: ImageDataset, indices: ArrayLike<number>, name?: string): ImageDataset;
export function subset(ds: Dataset, indices: ArrayLike<number>, name?: string): Dataset;
export function subset(ds: Dataset, indices: ArrayLike<number>, name = ds.name): Dataset {
  if (isStreamed(ds)) {
    const map = Int32Array.from(indices);
    const labels = new Int32Array(map.length);
    for (let i = 0; i < map.length; i++) labels[i] = ds.labels[map[i]];
    const base = ds;
    return {
      name, count: map.length, height: ds.height, width: ds.width, channels: ds.channels, numClasses: ds.numClasses, labels, classNames: ds.classNames,
      read: (idx, dst) => base.read(Array.from(idx, (j) => map[j]), dst),
    };
  }
  const per = ds.height * ds.width * ds.channels;
  const images = new Uint8Array(indices.length * per);
  const labels = new Int32Array(indices.length);
  for (let i = 0; i < indices.length; i++) {
    const j = indices[i];
    images.set(ds.images.subarray(j * per, (j + 1) * per), i * per);
    labels[i] = ds.labels[j];
  }
  return { name, count: indices.length, height: ds.height, width: ds.width, channels: ds.channels, numClasses: ds.numClasses, images, labels, classNames: ds.classNames };
}

/** The first `n` images (or all when n is larger): for quick runs. */
export function head(ds: ImageDataset, n: number): ImageDataset;
export function head(ds: Dataset, n: number): Dataset;
export function head(ds: Dataset, n: number): Dataset {
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
