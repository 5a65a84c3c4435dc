// Image classification in one call: a model, its pretrained weights (by name, found or downloaded, or a
// file), the weights' own eval transforms, and top-k decoding with the class names.
//   const clf = await classifier('resnet50', { weights: 'IMAGENET1K_V2' });
//   await clf.classify('cat.jpg', { topK: 5 })  // [{ label, index, probability }, ...]
import * as os from 'node:os';
import * as path from 'node:path';
import { ConvnetsError } from '../core/backend.js';
import { getBackend, hasBackend, initBackend } from '../core/registry.js';
import { Tensor } from '../core/tensor.js';
import { summary } from '../nn/summary.js';
import { createModel } from '../../architectures/index.js';
import type { ConvNet, ModelOptions } from '../../architectures/index.js';
import { imagenetClasses, imagenetPreprocess, loadImageBatch } from '../io/images.js';
import type { Preprocess } from '../io/images.js';
import { loadWeightsFile } from '../io/torchvision.js';
import type { LoadReport, WeightLayout } from '../io/torchvision.js';
import { ensureWeights, getWeights, isWeightsName, listWeights, weightsPreprocess } from '../io/weights.js';
import type { CacheDirs, PretrainedWeights } from '../io/weights.js';

export interface Prediction { label: string; index: number; probability: number }

/** An image: a file path or encoded bytes (JPEG, PNG, WebP, ...). */
export type ImageInput = string | Uint8Array;

/**
 * Softmax + top-k of each row of `logits` ([n, classes] tensor, or a flat array with `classes`), labelled
 * with `labels` (default: the ImageNet names for 1,000 classes, else 'class <i>').
 */
export function decodePredictions(logits: Tensor | Float32Array, k = 5, o: { classes?: number; labels?: readonly string[] } = {}): Prediction[][] {
  let data: Float32Array; let classes: number;
  if (logits instanceof Tensor) {
    if (logits.shape.length !== 2) throw new ConvnetsError(`decodePredictions: logits must be [n, classes], got [${logits.shape.join(', ')}]`);
    classes = logits.shape[1]; data = logits.toFloat32();
  } else if (logits instanceof Float32Array) {
    data = logits; classes = o.classes ?? o.labels?.length ?? (data.length % 1000 === 0 ? 1000 : data.length);
  } else {
    throw new ConvnetsError('decodePredictions: logits must be a Tensor or a Float32Array');
  }
  if (!Number.isInteger(classes) || classes <= 0 || data.length % classes !== 0) {
    throw new ConvnetsError(`decodePredictions: ${data.length} logits are not rows of ${classes} classes`);
  }
  if (!Number.isInteger(k) || k <= 0) throw new ConvnetsError(`decodePredictions: k must be a positive integer, got ${k}`);
  const labels = o.labels ?? (classes === 1000 ? imagenetClasses() : null);
  if (labels && labels.length !== classes) throw new ConvnetsError(`decodePredictions: ${labels.length} labels for ${classes} classes`);
  const out: Prediction[][] = [];
  for (let r = 0; r < data.length / classes; r++) {
    const row = data.subarray(r * classes, (r + 1) * classes);
    let max = -Infinity;
    for (const v of row) {
      if (!Number.isFinite(v)) throw new ConvnetsError(`decodePredictions: row ${r} holds ${v} (non-finite logits: broken weights or input)`);
      if (v > max) max = v;
    }
    let sum = 0;
    for (const v of row) sum += Math.exp(v - max);
    const order = Array.from(row.keys()).sort((a, b) => row[b] - row[a] || a - b).slice(0, Math.min(k, classes));
    out.push(order.map((index) => ({ label: labels ? labels[index] : `class ${index}`, index, probability: Math.exp(row[index] - max) / sum })));
  }
  return out;
}

export interface PretrainedOptions {
  /** Don't download missing weights (default: download). */
  download?: boolean;
  /** Cache folders (default $CONVNETS_HOME / ~/.cache/convnets and torch's hub cache). */
  dirs?: CacheDirs;
  /** Fetch from this address instead of the published one. */
  url?: string;
  progress?: boolean;
  layout?: WeightLayout | 'auto';
  strict?: boolean;
}

export interface LoadedWeights { file: string; report: LoadReport; info: PretrainedWeights | null }

/** The table entry a weights file is, from its published file name (resnet50-11ad3fa6.pth), if any. */
export function weightsForFile(model: string, file: string): PretrainedWeights | null {
  const base = path.basename(file);
  return listWeights(model).find((w) => w.file === base || (w.aliases ?? []).includes(base)) ?? null;
}

/** Loads `weights` into `model`: a weights name (IMAGENET1K_V2, DEFAULT: cache or download) or a file. */
export async function loadPretrained(model: ConvNet, weights: string, o: PretrainedOptions = {}): Promise<LoadedWeights> {
  if (typeof weights !== 'string' || !weights) throw new ConvnetsError('weights must be a weights name (IMAGENET1K_V1, IMAGENET1K_V2, DEFAULT) or a file');
  let info: PretrainedWeights | null = null;
  let file = weights;
  if (isWeightsName(weights)) {
    info = getWeights(model.name, weights);
    if (model.numClasses !== 1000) throw new ConvnetsError(`${model.name} ${info.name} weights have 1000 classes, the model ${model.numClasses}`);
    file = await ensureWeights(info, { download: o.download, dirs: o.dirs, url: o.url, progress: o.progress });
  } else {
    info = weightsForFile(model.name, file);
  }
  const report = loadWeightsFile(model, file, { layout: o.layout ?? 'auto', strict: o.strict ?? true });
  return { file, report, info };
}

/** createModel + pretrained weights: the async counterpart of createModel(name, { weights }). */
export async function createPretrainedModel(name: string, o: ModelOptions & PretrainedOptions & { weights?: string } = {}): Promise<ConvNet & { pretrained: LoadedWeights }> {
  const { weights = 'DEFAULT', download, dirs, url, progress, layout, strict, ...modelOpts } = o;
  const model = createModel(name, modelOpts);
  try {
    const loaded = await loadPretrained(model, weights, { download, dirs, url, progress, layout, strict });
    return Object.assign(model.eval(), { pretrained: loaded });
  } catch (e) {
    model.dispose();
    throw e;
  }
}

export interface ClassifierOptions extends PretrainedOptions {
  /** Weights name or file (default DEFAULT, the best published); null for random weights (tests). */
  weights?: string | null;
  /** js, wasm, cpu or cuda (default: the current backend, else the best available). */
  backend?: string;
  numClasses?: number;
  /** Overrides of the preprocessing (default: the weights' eval transforms). */
  preprocess?: Partial<Preprocess>;
  /** Class names (default: ImageNet's for 1,000 classes). */
  labels?: readonly string[];
  /** Images per forward pass (default 8). */
  batchSize?: number;
  /** Refuse inputs whose estimated memory exceeds this (MB; default half the machine's memory). */
  maxMemoryMB?: number;
}

/** Estimated inference memory (bytes) for a batch: activations (summary's peak live set) + the input batch. */
export function estimateInferenceBytes(model: ConvNet, batch: number, size: number): number {
  const s = summary(model, [batch, size, size, model.inputChannels]);
  return s.activationBytes.inference + batch * size * size * model.inputChannels * 4 * 2;
}

export class Classifier {
  constructor(readonly model: ConvNet, readonly preprocess: Preprocess, readonly labels: readonly string[] | null,
    readonly weights: LoadedWeights | null, readonly batchSize: number) {}

  /** Logits [n, classes] of the images, in batches of batchSize; each batch is checked finite. */
  async logits(images: readonly ImageInput[]): Promise<Float32Array> {
    const k = this.model.numClasses;
    const out = new Float32Array(images.length * k);
    for (let i = 0; i < images.length; i += this.batchSize) {
      const chunk = images.slice(i, i + this.batchSize);
      const x = await loadImageBatch([...chunk], this.preprocess, getBackend());
      let y: Tensor | null = null;
      try {
        y = this.model.forward(x, { training: false });
        const v = y.toFloat32();
        for (let j = 0; j < v.length; j++) {
          if (!Number.isFinite(v[j])) {
            const img = chunk[Math.floor(j / k)];
            throw new ConvnetsError(`${this.model.name}: output for ${typeof img === 'string' ? img : 'an image'} is not finite (${v[j]}): the weights or the input are broken`);
          }
        }
        out.set(v, i * k);
      } finally {
        x.dispose();
        y?.dispose();
      }
    }
    return out;
  }

  /** Top-k predictions of one image, or of each image of an array. */
  async classify(image: ImageInput, o?: { topK?: number }): Promise<Prediction[]>;
  async classify(images: readonly ImageInput[], o?: { topK?: number }): Promise<Prediction[][]>;
  async classify(input: ImageInput | readonly ImageInput[], o: { topK?: number } = {}): Promise<Prediction[] | Prediction[][]> {
    const many = Array.isArray(input);
    const images = (many ? input : [input]) as readonly ImageInput[];
    if (images.length === 0) throw new ConvnetsError('classify: no images given');
    const res = decodePredictions(await this.logits(images), o.topK ?? 5, { classes: this.model.numClasses, ...(this.labels ? { labels: this.labels } : {}) });
    return many ? res : res[0];
  }

  dispose(): void { this.model.dispose(); }
}

/** A ready classifier: model + weights + the weights' preprocessing, with memory checked up front. */
export async function classifier(modelName: string, o: ClassifierOptions = {}): Promise<Classifier> {
  if (o.backend || !hasBackend()) await initBackend(o.backend);
  const batchSize = o.batchSize ?? 8;
  if (!Number.isInteger(batchSize) || batchSize <= 0 || batchSize > 4096) throw new ConvnetsError(`classifier: batchSize must be an integer in [1, 4096], got ${batchSize}`);
  const pre = o.preprocess ?? {};
  const size = pre.crop;
  const model = createModel(modelName, {
    ...(o.numClasses ? { numClasses: o.numClasses } : {}),
    ...(size ? { inputSize: size } : {}),
  });
  try {
    const limit = (o.maxMemoryMB ?? os.totalmem() / 2 / 2 ** 20) * 2 ** 20;
    // The weights' transforms are known before any file is read or downloaded.
    const wanted = o.weights === null ? null : o.weights ?? 'DEFAULT';
    const info = wanted === null ? null : isWeightsName(wanted) ? getWeights(modelName, wanted) : weightsForFile(modelName, wanted);
    const base = info ? weightsPreprocess(info) : imagenetPreprocess(modelName, model.defaultInputSize, model.inputChannels);
    const crop = pre.crop ?? base.crop;
    // A different crop keeps the weights' resize/crop ratio (232/224 stays 232/224).
    const resize = pre.resize ?? (pre.crop ? Math.round((crop * base.resize) / base.crop) : base.resize);
    const p: Preprocess = { ...base, ...pre, crop, resize, channels: model.inputChannels };
    if (model.inputChannels === 1 && !pre.mean) Object.assign(p, { mean: [0.5], std: [0.5] });
    const need = estimateInferenceBytes(model, batchSize, crop);
    if (need > limit) {
      throw new ConvnetsError(`${modelName} at ${crop}x${crop}, batch ${batchSize}: about ${(need / 2 ** 30).toFixed(1)} GiB of activations ` +
        `(estimated from the model summary), over the ${(limit / 2 ** 30).toFixed(1)} GiB limit; use a smaller input size or batch (or raise maxMemoryMB)`);
    }
    const weights = wanted === null ? null : await loadPretrained(model, wanted, o);
    return new Classifier(model.eval(), p, o.labels ?? (model.numClasses === 1000 ? imagenetClasses() : null), weights, batchSize);
  } catch (e) {
    model.dispose();
    throw e;
  }
}
