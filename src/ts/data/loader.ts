// Seeded shuffling and batching into preallocated buffers: one host Float32Array and one backend
// Tensor per batch shape (full batches, plus the short last batch when it is kept), written in
// place every step, so an epoch allocates nothing after the first batch.
import { ConvnetsError } from '../core/backend.js';
import type { Backend } from '../core/backend.js';
import { Rng, hash32 } from '../core/random.js';
import { getBackend } from '../core/registry.js';
import { Tensor } from '../core/tensor.js';
import type { ImageDataset } from './dataset.js';
import { drawTransform, normalizationTable, transformInto } from './transforms.js';
import type { Augmentation, SampleTransform } from './transforms.js';

export interface LoaderOptions {
  batchSize: number;
  /** Per-channel mean / std of [0,1] pixels. */
  mean: readonly number[];
  std: readonly number[];
  shuffle?: boolean;
  /** Shuffling and augmentation derive from (seed, epoch) only, so a resumed run sees the same batches. */
  seed?: number;
  augment?: Augmentation;
  /** Drop the short last batch (training); kept by default for evaluation. */
  dropLast?: boolean;
  /**
   * Pad a short last batch to the full size by repeating its first sample; `size` counts the real
   * rows. Every batch then has one shape, so a model's planned buffers are never re-planned and peak
   * memory stays that of one batch size (evaluation).
   */
  padLast?: boolean;
  backend?: Backend;
}

export interface Batch {
  /** [rows, h, w, c] on the backend: owned by the loader, overwritten by the next batch. */
  x: Tensor;
  /** [rows] class indices as floats (the loss kernel's label format). */
  y: Tensor;
  /** Host copy of the labels of this batch (for accuracy). */
  labels: Uint8Array;
  /** Real samples: the first `size` rows (rows = size unless padLast padded a short last batch). */
  size: number;
  /** Batch index within the epoch. */
  index: number;
}

interface Slot { size: number; host: Float32Array; hostY: Float32Array; labels: Uint8Array; x: Tensor; y: Tensor; }

export class DataLoader {
  readonly batchSize: number;
  readonly batchesPerEpoch: number;
  private readonly lut: Float32Array;
  private readonly order: Int32Array;
  private readonly slots = new Map<number, Slot>();
  private readonly backend: Backend;
  private readonly t: SampleTransform = { offY: 0, offX: 0, flip: false };

  constructor(readonly dataset: ImageDataset, readonly opts: LoaderOptions) {
    const b = opts.batchSize;
    if (!Number.isInteger(b) || b <= 0) throw new ConvnetsError(`DataLoader: batchSize must be a positive integer, got ${b}`);
    if (opts.mean.length !== dataset.channels) {
      throw new ConvnetsError(`DataLoader: ${opts.mean.length} normalisation means for ${dataset.channels}-channel images of ${dataset.name}`);
    }
    const pad = opts.augment?.padding ?? 0;
    if (!Number.isInteger(pad) || pad < 0) throw new ConvnetsError(`DataLoader: augment.padding must be a non-negative integer, got ${pad}`);
    this.batchSize = Math.min(b, dataset.count);
    this.batchesPerEpoch = opts.dropLast ? Math.floor(dataset.count / this.batchSize) : Math.ceil(dataset.count / this.batchSize);
    this.lut = normalizationTable(opts.mean, opts.std);
    this.order = new Int32Array(dataset.count);
    this.backend = opts.backend ?? getBackend();
  }

  /** Sample order of an epoch (a function of seed and epoch only). */
  epochOrder(epoch: number): Int32Array {
    for (let i = 0; i < this.order.length; i++) this.order[i] = i;
    if (this.opts.shuffle) new Rng(hash32(this.opts.seed ?? 0, epoch)).shuffle(this.order);
    return this.order;
  }

  private slot(size: number): Slot {
    let s = this.slots.get(size);
    if (!s) {
      const d = this.dataset;
      const x = new Tensor(this.backend, [size, d.height, d.width, d.channels]);
      const y = new Tensor(this.backend, [size]);
      s = { size, host: new Float32Array(x.size), hostY: new Float32Array(size), labels: new Uint8Array(size), x, y };
      this.slots.set(size, s);
    }
    return s;
  }

  /** The batches of one epoch. Each yielded batch is valid until the next one is requested. */
  *batches(epoch: number): Generator<Batch> {
    const d = this.dataset;
    const per = d.height * d.width * d.channels;
    const order = this.epochOrder(epoch);
    // A separate stream for augmentation: changing `augment` does not change the order.
    const rng = new Rng(hash32((this.opts.seed ?? 0) ^ 0x5bd1e995, epoch));
    const pad = this.opts.augment?.padding ?? 0;
    for (let bi = 0; bi < this.batchesPerEpoch; bi++) {
      const start = bi * this.batchSize;
      const size = Math.min(this.batchSize, d.count - start);
      const s = this.slot(this.opts.padLast ? this.batchSize : size);
      for (let i = 0; i < size; i++) {
        const j = order[start + i];
        drawTransform(this.opts.augment, rng, this.t);
        transformInto(d.images, j * per, d.height, d.width, d.channels, s.host, i * per, this.lut, this.t, pad);
        s.labels[i] = d.labels[j];
        s.hostY[i] = d.labels[j];
      }
      for (let i = size; i < s.size; i++) {
        s.host.copyWithin(i * per, 0, per);
        s.labels[i] = s.labels[0];
        s.hostY[i] = s.hostY[0];
      }
      s.x.set(s.host);
      s.y.set(s.hostY);
      yield { x: s.x, y: s.y, labels: s.labels, size, index: bi };
    }
  }

  dispose(): void {
    for (const s of this.slots.values()) { s.x.dispose(); s.y.dispose(); }
    this.slots.clear();
  }
}
