// Keras-style callbacks for fit(): hooks at batch end and epoch end that can stop training, scale the
// learning rate or save the model. The trainer owns the loop; a callback only sees TrainingState.
import { ConvnetsError } from '../core/backend.js';
import type { Module } from '../nn/module.js';
import type { EpochRecord, StepInfo } from './trainer.js';

/** What fit() shares with callbacks. Callbacks write stopTraining and lrScale; the rest is read-only. */
export interface TrainingState {
  readonly model: Module;
  /** Epoch records so far (the one just finished is last). */
  readonly history: readonly EpochRecord[];
  /** Set to true to end training after this batch / epoch. */
  stopTraining: boolean;
  /** Set by a callback that loaded other weights into the model (the final evaluation is then redone). */
  weightsRestored?: boolean;
  /** Multiplies the schedule's learning rate from the next step on (ReduceLROnPlateau). */
  lrScale: number;
  /** The schedule's peak / base learning rate. */
  readonly baseLr: number;
  log(line: string): void;
  /** Writes a full training checkpoint (resumable, loadable by predict) with extra metadata. */
  saveCheckpoint(file: string, metadata?: Record<string, string>): void;
}

export interface Callback {
  onTrainBegin?(state: TrainingState): void | Promise<void>;
  onBatchEnd?(step: StepInfo, state: TrainingState): void | Promise<void>;
  onEpochEnd?(record: EpochRecord, state: TrainingState): void | Promise<void>;
  onTrainEnd?(state: TrainingState): void | Promise<void>;
}

/** Quantities a callback can watch, with Keras' names as aliases. */
export type Monitor = 'testLoss' | 'testAccuracy' | 'trainLoss' | 'trainAccuracy' | 'val_loss' | 'val_accuracy' | 'loss' | 'accuracy';
const FIELDS: Record<Monitor, keyof EpochRecord> = {
  testLoss: 'testLoss', testAccuracy: 'testAccuracy', trainLoss: 'trainLoss', trainAccuracy: 'trainAccuracy',
  val_loss: 'testLoss', val_accuracy: 'testAccuracy', loss: 'trainLoss', accuracy: 'trainAccuracy',
};

/** Tracks the best value of a monitored quantity (lower for losses, higher for accuracies). */
class Tracker {
  readonly field: keyof EpochRecord;
  readonly maximize: boolean;
  best = NaN;
  bestEpoch = 0;
  constructor(readonly who: string, monitor: Monitor, readonly minDelta: number) {
    const f = FIELDS[monitor];
    if (!f) throw new ConvnetsError(`${who}: monitor must be one of ${Object.keys(FIELDS).join(', ')}, got '${monitor}'`);
    if (!(minDelta >= 0)) throw new ConvnetsError(`${who}: minDelta must be >= 0, got ${minDelta}`);
    this.field = f;
    this.maximize = f.endsWith('Accuracy');
  }

  /** The record's value (null: not measured this epoch, e.g. no held-out evaluation). */
  value(r: EpochRecord): number | null {
    const v = r[this.field];
    return typeof v === 'number' && Number.isFinite(v) ? v : null;
  }

  /** Whether v improves on the best by more than minDelta; records it when it does. */
  update(v: number, epoch: number): boolean {
    const better = Number.isNaN(this.best) || (this.maximize ? v > this.best + this.minDelta : v < this.best - this.minDelta);
    if (better) { this.best = v; this.bestEpoch = epoch; }
    return better;
  }
}

function checkCount(who: string, name: string, v: number): number {
  if (!Number.isInteger(v) || v < 0) throw new ConvnetsError(`${who}: ${name} must be a non-negative integer, got ${v}`);
  return v;
}

export interface EarlyStoppingOptions {
  monitor?: Monitor;
  /** Epochs without improvement after which to stop (Keras' rule: 0 and 1 both stop at the first that does not improve). */
  patience?: number;
  minDelta?: number;
  /** Put back the weights (and BN statistics) of the best epoch when training ends. */
  restoreBest?: boolean;
}

/** Stops training when the monitored quantity has not improved for `patience` epochs. */
export class EarlyStopping implements Callback {
  private readonly tracker: Tracker;
  private readonly patience: number;
  private wait = 0;
  private best: Float32Array[] | null = null;
  /** Epoch (1-based) at which training was stopped, 0 if it was not. */
  stoppedEpoch = 0;

  constructor(private readonly opts: EarlyStoppingOptions = {}) {
    this.tracker = new Tracker('EarlyStopping', opts.monitor ?? 'testLoss', opts.minDelta ?? 0);
    this.patience = checkCount('EarlyStopping', 'patience', opts.patience ?? 0);
  }

  get bestValue(): number { return this.tracker.best; }
  get bestEpoch(): number { return this.tracker.bestEpoch; }

  onEpochEnd(r: EpochRecord, s: TrainingState): void {
    const v = this.tracker.value(r);
    if (v === null) return;
    if (this.tracker.update(v, r.epoch)) {
      this.wait = 0;
      if (this.opts.restoreBest) this.best = snapshot(s.model);
    } else if (++this.wait >= this.patience) {
      s.stopTraining = true;
      this.stoppedEpoch = r.epoch;
      s.log(`early stopping at epoch ${r.epoch}: ${this.tracker.field} has not improved on ${this.tracker.best.toFixed(4)} (epoch ${this.tracker.bestEpoch}) for ${this.wait} epoch(s)`);
    }
  }

  onTrainEnd(s: TrainingState): void {
    if (this.best && this.tracker.bestEpoch !== s.history[s.history.length - 1]?.epoch) {
      restore(s.model, this.best);
      s.weightsRestored = true;
      s.log(`restored the weights of epoch ${this.tracker.bestEpoch} (${this.tracker.field} ${this.tracker.best.toFixed(4)})`);
    }
    this.best = null;
  }
}

/** Host copies of every parameter and buffer, in namedParameters / namedBuffers order. */
function snapshot(model: Module): Float32Array[] {
  return [...[...model.namedParameters()].map(([, p]) => p.value.toFloat32()), ...[...model.namedBuffers()].map(([, b]) => b.toFloat32())];
}

function restore(model: Module, saved: Float32Array[]): void {
  const ts = [...[...model.namedParameters()].map(([, p]) => p.value), ...[...model.namedBuffers()].map(([, b]) => b)];
  ts.forEach((t, i) => t.set(saved[i]));
}

export interface ReduceLROnPlateauOptions {
  monitor?: Monitor;
  /** The learning rate is multiplied by this (0 < factor < 1, default 0.1). */
  factor?: number;
  /** Epochs without improvement before reducing (default 2). */
  patience?: number;
  /** Epochs to wait after a reduction before counting again (default 0). */
  cooldown?: number;
  minDelta?: number;
  /** Lowest learning rate (absolute, default 0). */
  minLr?: number;
}

/** Multiplies the learning rate by `factor` when the monitored quantity stalls for `patience` epochs. */
export class ReduceLROnPlateau implements Callback {
  private readonly tracker: Tracker;
  private readonly factor: number;
  private readonly patience: number;
  private readonly cooldown: number;
  private wait = 0;
  private cool = 0;
  /** Epochs (1-based) after which the rate was reduced. */
  readonly reductions: number[] = [];

  constructor(private readonly opts: ReduceLROnPlateauOptions = {}) {
    this.tracker = new Tracker('ReduceLROnPlateau', opts.monitor ?? 'testLoss', opts.minDelta ?? 0);
    this.factor = opts.factor ?? 0.1;
    if (!(this.factor > 0 && this.factor < 1)) throw new ConvnetsError(`ReduceLROnPlateau: factor must be in (0, 1), got ${this.factor}`);
    this.patience = checkCount('ReduceLROnPlateau', 'patience', opts.patience ?? 2);
    this.cooldown = checkCount('ReduceLROnPlateau', 'cooldown', opts.cooldown ?? 0);
    if (!((opts.minLr ?? 0) >= 0)) throw new ConvnetsError(`ReduceLROnPlateau: minLr must be >= 0, got ${opts.minLr}`);
  }

  onEpochEnd(r: EpochRecord, s: TrainingState): void {
    const v = this.tracker.value(r);
    if (v === null) return;
    if (this.cool > 0) this.cool--;
    if (this.tracker.update(v, r.epoch)) { this.wait = 0; return; }
    if (this.cool > 0 || ++this.wait < this.patience) return;
    const minScale = (this.opts.minLr ?? 0) / s.baseLr;
    const next = Math.max(s.lrScale * this.factor, minScale);
    if (next < s.lrScale) {
      s.lrScale = next;
      this.reductions.push(r.epoch);
      s.log(`reducing the learning rate to ${(s.baseLr * next).toExponential(2)} (x${next.toPrecision(3)} of the schedule) after epoch ${r.epoch}: ${this.tracker.field} stalled at ${this.tracker.best.toFixed(4)}`);
    }
    this.wait = 0;
    this.cool = this.cooldown;
  }
}

export interface ModelCheckpointOptions {
  /** File to write (safetensors training checkpoint). */
  path: string;
  monitor?: Monitor;
  /** Write only when the monitored quantity improves (default true). */
  bestOnly?: boolean;
  minDelta?: number;
}

/** Saves a checkpoint after every epoch, or only after those that improve the monitored quantity. */
export class ModelCheckpoint implements Callback {
  private readonly tracker: Tracker;
  /** Epochs (1-based) whose checkpoint was written. */
  readonly saved: number[] = [];

  constructor(private readonly opts: ModelCheckpointOptions) {
    if (!opts || typeof opts.path !== 'string' || !opts.path) throw new ConvnetsError('ModelCheckpoint: give the file to write as path');
    this.tracker = new Tracker('ModelCheckpoint', opts.monitor ?? 'testLoss', opts.minDelta ?? 0);
  }

  onEpochEnd(r: EpochRecord, s: TrainingState): void {
    const v = this.tracker.value(r);
    const bestOnly = this.opts.bestOnly ?? true;
    if (bestOnly && (v === null || !this.tracker.update(v, r.epoch))) return;
    s.saveCheckpoint(this.opts.path, { monitor: this.tracker.field, monitorValue: String(v) });
    this.saved.push(r.epoch);
  }
}
