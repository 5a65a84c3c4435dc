// Image folders as training data, the layout of torchvision's ImageFolder and Keras'
// image_dataset_from_directory: one subfolder per class (class index = position in the sorted names),
// either as <dir>/train/<class>/* + <dir>/val/<class>/*, or <dir>/<class>/* split by valSplit; or a CSV
// of `path,label` lines (paths relative to the CSV, labels are class names). Only the file list and the
// labels stay in memory: each batch is decoded by sharp when the loader asks for it (streamed),
// resized to cover the target size and centre-cropped (torchvision's Resize + CenterCrop), several
// files at a time (sharp works on libuv's thread pool, so a few decodes in flight keep the cores
// busy without worker_threads of our own).
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, extname, join, resolve } from 'node:path';
import { ConvnetsError } from '../core/backend.js';
import { Rng, hash32 } from '../core/random.js';
import type { Dataset, DatasetSplit, StreamedImageDataset } from './dataset.js';
import { loadSharp } from '../io/images.js';
import type { Sharp } from '../io/images.js';

export const IMAGE_EXTENSIONS = ['.png', '.jpg', '.jpeg', '.webp', '.gif', '.tif', '.tiff', '.avif'];

export interface FolderOptions {
  /** Output size: a side (square) or [height, width]. Default 64. */
  size?: number | [number, number];
  /** 3 (sRGB, default) or 1 (greyscale). */
  channels?: 1 | 3;
  /** Fraction of each class held out when there is no val/ folder (default 0.2). */
  valSplit?: number;
  /** Seed of the held-out split (default fixed, so the split does not move between runs). */
  splitSeed?: number;
  /** Decodes in flight (default min(4, cores)). */
  concurrency?: number;
  /** Normalisation; default: measured on up to `statsSample` training images. */
  mean?: number[];
  std?: number[];
  statsSample?: number;
}

interface Listing { files: string[]; labels: number[]; }

function isDir(p: string): boolean {
  try { return statSync(p).isDirectory(); } catch { return false; }
}

function listDir(dir: string): string[] {
  try { return readdirSync(dir).sort(); } catch (e) { throw new ConvnetsError(`${dir}: cannot read the folder: ${(e as Error).message}`); }
}

function classDirs(root: string): string[] {
  const names = listDir(root).filter((n) => !n.startsWith('.') && isDir(join(root, n)));
  if (names.length === 0) throw new ConvnetsError(`${root}: no class subfolders (expected <dir>/<class>/<image> or <dir>/train/<class>/ + <dir>/val/<class>/)`);
  return names;
}

/** Files of every class folder under root; classes not in `index` are an error (val/ naming a class train/ lacks). */
function listClasses(root: string, classes: string[], index: Map<string, number>): Listing {
  const files: string[] = [], labels: number[] = [];
  for (const c of classes) {
    const k = index.get(c);
    if (k === undefined) throw new ConvnetsError(`${join(root, c)}: class '${c}' is not among the training classes`);
    for (const f of listDir(join(root, c))) {
      if (IMAGE_EXTENSIONS.includes(extname(f).toLowerCase())) { files.push(join(root, c, f)); labels.push(k); }
    }
  }
  if (files.length === 0) throw new ConvnetsError(`${root}: no images (${IMAGE_EXTENSIONS.join(' ')}) in its class folders`);
  return { files, labels };
}

function readCsv(file: string): { listing: Listing; classNames: string[] } {
  let text: string;
  try { text = readFileSync(file, 'utf8'); } catch (e) { throw new ConvnetsError(`${file}: cannot read: ${(e as Error).message}`); }
  const rows: [string, string][] = [];
  const lines = text.split(/\r?\n/);
  lines.forEach((line, i) => {
    if (line.trim() === '' || (i === 0 && /^\s*path\s*,\s*label\s*$/i.test(line))) return;
    const c = line.lastIndexOf(',');
    const path = line.slice(0, c).trim(), label = line.slice(c + 1).trim();
    if (c < 0 || !path || !label) throw new ConvnetsError(`${file}:${i + 1}: expected 'path,label', got '${line}'`);
    rows.push([resolve(dirname(file), path), label]);
  });
  if (rows.length === 0) throw new ConvnetsError(`${file}: no 'path,label' rows`);
  const classNames = [...new Set(rows.map((r) => r[1]))].sort();
  const index = new Map(classNames.map((c, i) => [c, i]));
  return { listing: { files: rows.map((r) => r[0]), labels: rows.map((r) => index.get(r[1])!) }, classNames };
}

/** Per class, a seeded choice of round(n * fraction) files held out (at least one image stays in training). */
function splitListing(l: Listing, fraction: number, seed: number, numClasses: number): { train: Listing; val: Listing } {
  const byClass: number[][] = Array.from({ length: numClasses }, () => []);
  l.labels.forEach((k, i) => byClass[k].push(i));
  const train: Listing = { files: [], labels: [] }, val: Listing = { files: [], labels: [] };
  byClass.forEach((idx, k) => {
    const perm = Int32Array.from(idx);
    new Rng(hash32(seed, k)).shuffle(perm);
    const nVal = Math.min(Math.round(idx.length * fraction), idx.length - 1);
    perm.forEach((i, j) => { const to = j < nVal ? val : train; to.files.push(l.files[i]); to.labels.push(k); });
  });
  if (val.files.length === 0) throw new ConvnetsError(`valSplit ${fraction} holds out no image (every class has too few): raise it or add a val/ folder`);
  return { train, val };
}

class FolderDataset implements StreamedImageDataset {
  readonly count: number;
  readonly labels: Int32Array;
  constructor(readonly name: string, private readonly files: string[], labels: number[], readonly height: number, readonly width: number,
    readonly channels: 1 | 3, readonly numClasses: number, readonly classNames: readonly string[], private readonly concurrency: number) {
    this.count = files.length;
    this.labels = Int32Array.from(labels);
  }

  async read(indices: ArrayLike<number>, dst: Uint8Array): Promise<void> {
    const sharp = await loadSharp();
    const per = this.height * this.width * this.channels;
    if (dst.length < indices.length * per) throw new ConvnetsError(`${this.name}: read buffer of ${dst.length} bytes for ${indices.length} images of ${per}`);
    let next = 0;
    const work = async (): Promise<void> => {
      while (next < indices.length) {
        const i = next++;
        const j = indices[i];
        if (!(j >= 0 && j < this.count)) throw new ConvnetsError(`${this.name}: image index ${j} outside [0, ${this.count})`);
        await this.decode(sharp, this.files[j], dst, i * per);
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.concurrency, indices.length) }, work));
  }

  private async decode(sharp: Sharp, file: string, dst: Uint8Array, offset: number): Promise<void> {
    const c = this.channels;
    let out: { data: Buffer; info: { channels: number; width: number; height: number } };
    try {
      let img = sharp(file, { failOn: 'error' }).rotate().resize(this.width, this.height, { fit: 'cover', position: 'centre' });
      img = c === 1 ? img.greyscale() : img.toColourspace('srgb');
      out = await img.removeAlpha().raw().toBuffer({ resolveWithObject: true });
    } catch (e) {
      throw new ConvnetsError(`${file}: cannot decode the image: ${(e as Error).message}`);
    }
    const { data, info } = out;
    if (info.width !== this.width || info.height !== this.height) throw new ConvnetsError(`${file}: decoded to ${info.width}x${info.height}, not ${this.width}x${this.height}`);
    const n = this.height * this.width;
    if (info.channels === c) dst.set(data.subarray(0, n * c), offset);
    else if (info.channels === 1 && c === 3) for (let p = 0; p < n; p++) dst.fill(data[p], offset + 3 * p, offset + 3 * p + 3);
    else if (c === 1) for (let p = 0; p < n; p++) dst[offset + p] = data[p * info.channels];
    else throw new ConvnetsError(`${file}: decoded with ${info.channels} channels, expected ${c}`);
  }
}

/** Per-channel mean/std of [0,1] pixels over an evenly spaced sample of the set (streamed, a batch at a time). */
export async function sampleStats(ds: StreamedImageDataset, sample = 512): Promise<{ mean: number[]; std: number[] }> {
  const n = Math.min(sample, ds.count), c = ds.channels, per = ds.height * ds.width * c;
  const sum = new Float64Array(c), sq = new Float64Array(c);
  const chunk = 64, buf = new Uint8Array(chunk * per);
  for (let s = 0; s < n; s += chunk) {
    const idx = Array.from({ length: Math.min(chunk, n - s) }, (_, i) => Math.floor((s + i) * ds.count / n));
    await ds.read(idx, buf);
    for (let i = 0; i < idx.length * per; i++) { const v = buf[i] / 255; sum[i % c] += v; sq[i % c] += v * v; }
  }
  const m = n * ds.height * ds.width;
  const mean = [...sum].map((v) => v / m);
  return { mean, std: [...sq].map((v, k) => Math.sqrt(Math.max(v / m - mean[k] * mean[k], 1e-4))) };
}

/** Opens an image folder (or a path,label CSV) as a streamed train / held-out split with class names. */
export async function loadImageFolder(path: string, opts: FolderOptions = {}): Promise<DatasetSplit<Dataset>> {
  const [h, w] = typeof opts.size === 'number' ? [opts.size, opts.size] : opts.size ?? [64, 64];
  if (![h, w].every((v) => Number.isInteger(v) && v > 0 && v <= 4096)) throw new ConvnetsError(`image folder: size must be 1..4096, got ${JSON.stringify(opts.size)}`);
  const channels = opts.channels ?? 3;
  if (channels !== 1 && channels !== 3) throw new ConvnetsError(`image folder: channels must be 1 or 3, got ${String(channels)}`);
  if (opts.valSplit !== undefined && !(opts.valSplit > 0 && opts.valSplit < 1)) throw new ConvnetsError(`image folder: valSplit must be in (0, 1), got ${opts.valSplit}`);
  const concurrency = opts.concurrency ?? Math.min(4, availableParallelism());
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new ConvnetsError(`image folder: concurrency must be a positive integer, got ${concurrency}`);
  const seed = opts.splitSeed ?? 0x666f6c64;

  let train: Listing, val: Listing, classNames: string[];
  if (!isDir(path)) {
    if (extname(path).toLowerCase() !== '.csv') throw new ConvnetsError(`${path}: neither a folder nor a .csv of path,label rows`);
    const r = readCsv(path);
    classNames = r.classNames;
    ({ train, val } = splitListing(r.listing, opts.valSplit ?? 0.2, seed, classNames.length));
  } else if (isDir(join(path, 'val')) || isDir(join(path, 'train'))) {
    if (!isDir(join(path, 'train')) || !isDir(join(path, 'val'))) throw new ConvnetsError(`${path}: has ${isDir(join(path, 'val')) ? 'val/ but no train/' : 'train/ but no val/'} (give both, each with one subfolder per class)`);
    if (opts.valSplit !== undefined) throw new ConvnetsError(`${path}: has a val/ folder, so valSplit ${opts.valSplit} does not apply (remove one of them)`);
    classNames = classDirs(join(path, 'train'));
    const index = new Map(classNames.map((c, i) => [c, i]));
    train = listClasses(join(path, 'train'), classNames, index);
    val = listClasses(join(path, 'val'), classDirs(join(path, 'val')), index);
  } else {
    classNames = classDirs(path);
    const all = listClasses(path, classNames, new Map(classNames.map((c, i) => [c, i])));
    ({ train, val } = splitListing(all, opts.valSplit ?? 0.2, seed, classNames.length));
  }
  const k = classNames.length;
  const trainSet = new FolderDataset(`${path} (train ${train.files.length})`, train.files, train.labels, h, w, channels, k, classNames, concurrency);
  const valSet = new FolderDataset(`${path} (held-out ${val.files.length})`, val.files, val.labels, h, w, channels, k, classNames, concurrency);
  let mean = opts.mean, std = opts.std;
  if (!mean || !std) ({ mean, std } = await sampleStats(trainSet, opts.statsSample));
  if (mean.length !== channels || std.length !== channels) throw new ConvnetsError(`image folder: mean/std need ${channels} values each`);
  return { train: trainSet, test: valSet, mean, std };
}
