// Softmax cross-entropy (mean over the batch, optional label smoothing) through ops, with its tensors
// planned once per batch shape and reused, so a training step allocates nothing here.
import { ConvnetsError } from '../core/backend.js';
import * as ops from '../core/ops.js';
import type { Tensor } from '../core/tensor.js';

export class CrossEntropyLoss {
  private probs: Tensor | undefined;
  private loss: Tensor | undefined;
  private dlogits: Tensor | undefined;
  private labels: Tensor | null = null;
  private lossHost: Float32Array | Float64Array | null = null;

  /** `weight` scales this loss in a sum (auxiliary classifiers: 0.3 GoogLeNet, 0.4 Inception-v3). */
  constructor(readonly smoothing = 0, readonly weight = 1) {
    if (!(smoothing >= 0 && smoothing < 1)) throw new ConvnetsError(`CrossEntropyLoss: label smoothing must be in [0, 1), got ${smoothing}`);
  }

  private fits(t: Tensor | undefined, shape: readonly number[], b: Tensor['backend']): Tensor | undefined {
    if (t && t.backend === b && t.shape.length === shape.length && t.shape.every((d, i) => d === shape[i])) return t;
    t?.dispose();
    return undefined;
  }

  /** Mean loss of logits [n, classes] against labels [n] (class indices as floats). */
  forward(logits: Tensor, labels: Tensor): number {
    this.probs = this.fits(this.probs, logits.shape, logits.backend);
    this.loss = this.fits(this.loss, [logits.shape[0]], logits.backend);
    const r = ops.softmaxCrossEntropy(logits, labels, this.smoothing, { probs: this.probs, loss: this.loss });
    this.probs = r.probs; this.loss = r.loss; this.labels = labels;
    const l = this.lossHost = r.loss.data();
    let s = 0;
    for (let i = 0; i < l.length; i++) s += l[i];
    return s / l.length;
  }

  /** Per-sample losses of the last forward (host copy). */
  lastLosses(): Float32Array | Float64Array {
    if (!this.lossHost) throw new ConvnetsError('CrossEntropyLoss: lastLosses() before forward()');
    return this.lossHost;
  }

  /** Softmax probabilities of the last forward (owned by the loss). */
  lastProbs(): Tensor {
    if (!this.probs) throw new ConvnetsError('CrossEntropyLoss: lastProbs() before forward()');
    return this.probs;
  }

  /** d(weight * mean loss)/dlogits for the last forward. */
  backward(): Tensor {
    if (!this.probs || !this.labels) throw new ConvnetsError('CrossEntropyLoss: backward() before forward()');
    this.dlogits = this.fits(this.dlogits, this.probs.shape, this.probs.backend);
    this.dlogits = ops.softmaxCrossEntropyBackward(this.probs, this.labels, this.smoothing, this.weight / this.probs.shape[0], this.dlogits);
    return this.dlogits;
  }

  dispose(): void {
    this.probs?.dispose(); this.loss?.dispose(); this.dlogits?.dispose();
    this.probs = this.loss = this.dlogits = undefined;
    this.labels = null;
  }
}

/** Number of rows of probs/logits [n, classes] (the first `rows` of them) whose argmax equals the label. */
export function countCorrect(scores: Tensor, labels: ArrayLike<number>, rows?: number): number {
  const [all, c] = scores.shape;
  const n = Math.min(all, rows ?? all);
  const d = scores.data();
  let ok = 0;
  for (let i = 0; i < n; i++) {
    let best = 0, bv = d[i * c];
    for (let k = 1; k < c; k++) if (d[i * c + k] > bv) { bv = d[i * c + k]; best = k; }
    if (best === labels[i]) ok++;
  }
  return ok;
}

/** torchvision's auxiliary-classifier weights (GoogLeNet: two heads x 0.3; Inception-v3: one head x 0.4). */
export const AUX_LOSS_WEIGHTS: Record<string, number> = { googlenet: 0.3, inception_v3: 0.4 };
