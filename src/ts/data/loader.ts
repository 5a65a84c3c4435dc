// Seeded shuffling and batching into preallocated buffers: one host Float32Array and one backend
// Tensor per batch shape (full batches, plus the short last batch when it is kept), written in
// place every step, so an epoch allocates nothing after the first batch. A streamed set (image folder)
// goes through stream(): the next batch is decoded while the current one trains (two uint8 staging
// buffers, so memory stays two batches of pixels whatever the set's size).
import { ConvnetsError } from '../core/backend.js';
import type { Backend } from '../core/backend.js';
import { Rng, hash32 } from '../core/random.js';
import { getBackend } from '../core/registry.js';
import { Tensor } from '../core/tensor.js';
import { isStreamed } from './dataset.js';
import type { Dataset } from './dataset.js';
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
  labels: Int32Array;
  /** Real samples: the first `size` rows (rows = size unless padLast padded a short last batch). */
  size: number;
  /** Batch index within the epoch. */
  index: number;
}

interface Slot { size: number; host: Float32Array; hostY: Float32Array; labels: Int32Array; x: Tensor; y: Tensor; }

export class DataLoader {
  readonly batchSize: number;
  readonly batchesPerEpoch: number;
  private readonly lut: Float32Array;
  private readonly order: Int32Array;
  private readonly slots = new Map<number, Slot>();
  private readonly backend: Backend;
  private readonly t: SampleTransform = { offY: 0, offX: 0, flip: false };

  constructor(readonly dataset: Dataset, readonly opts: LoaderOptions) {
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
      s = { size, host: new Float32Array(x.size), hostY: new Float32Array(size), labels: new Int32Array(size), x, y };
      this.slots.set(size, s);
    }
    return s;
  }

  /** The batches of one epoch, in memory or streamed (prefetching the next batch). Valid until the next one. */
  async *stream(epoch: number): AsyncGenerator<Batch> {
    const d = this.dataset;
    if (!isStreamed(d)) { yield* this.batches(epoch); return; }
    const per = d.height * d.width * d.channels;
    const order = this.epochOrder(epoch).slice();
    const staging = [new Uint8Array(this.batchSize * per), new Uint8Array(this.batchSize * per)];
    const range = (bi: number): Int32Array => order.subarray(bi * this.batchSize, Math.min(d.count, (bi + 1) * this.batchSize));
    const rng = new Rng(hash32((this.opts.seed ?? 0) ^ 0x5bd1e995, epoch));
    const pad = this.opts.augment?.padding ?? 0;
    // Marked handled at once: a decode that fails while the consumer trains must surface at its await, not crash the process.
    const start = (bi: number): Promise<void> => { const p = d.read(range(bi), staging[bi & 1]); p.catch(() => undefined); return p; };
    let pending: Promise<void> | null = this.batchesPerEpoch > 0 ? start(0) : null;
    try {
      for (let bi = 0; bi < this.batchesPerEpoch; bi++) {
        await pending;
        const idx = range(bi), buf = staging[bi & 1];
        pending = bi + 1 < this.batchesPerEpoch ? start(bi + 1) : null;
        const s = this.slot(this.opts.padLast ? this.batchSize : idx.length);
        for (let i = 0; i < idx.length; i++) {
          drawTransform(this.opts.augment, rng, this.t);
          transformInto(buf, i * per, d.height, d.width, d.channels, s.host, i * per, this.lut, this.t, pad);
          s.labels[i] = d.labels[idx[i]];
          s.hostY[i] = d.labels[idx[i]];
        }
        this.fillPad(s, idx.length, per);
        yield { x: s.x, y: s.y, labels: s.labels, size: idx.length, index: bi };
      }
    } finally {
      // A consumer that stops early (maxSteps, an error) must not leave a decode rejecting unobserved.
      await pending?.catch(() => undefined);
    }
  }

  private fillPad(s: Slot, size: number, per: number): void {
    for (let i = size; i < s.size; i++) {
      s.host.copyWithin(i * per, 0, per);
      s.labels[i] = s.labels[0];
      s.hostY[i] = s.hostY[0];
    }
    s.x.set(s.host);
    s.y.set(s.hostY);
  }

  /** The batches of one epoch of an in-memory set. Each yielded batch is valid until the next one is requested. */
  *batches(epoch: number): Generator<Batch> {
    const d = this.dataset;
    if (isStreamed(d)) throw new ConvnetsError(`DataLoader: ${d.name} is streamed: iterate with stream(epoch) (for await)`);
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
      this.fillPad(s, size, per);
      yield { x: s.x, y: s.y, labels: s.labels, size, index: bi };
    }
  }

  dispose(): void {
    for (const s of this.slots.values()) { s.x.dispose(); s.y.dispose(); }
    this.slots.clear();
  }
}
