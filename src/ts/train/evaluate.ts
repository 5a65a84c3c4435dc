// Held-out evaluation: mean loss and accuracy in eval mode, with a progress report per batch. Used by
// fit() after each epoch and by evaluateModel() (Keras' model.evaluate) on any dataset.
import { SingleBar } from 'cli-progress';
import { ConvnetsError } from '../core/backend.js';
import * as ops from '../core/ops.js';
import type { Tensor } from '../core/tensor.js';
import type { Dataset } from '../data/dataset.js';
import { DataLoader } from '../data/loader.js';
import type { Module } from '../nn/module.js';
import type { MemoryPlanner } from '../nn/memory.js';
import { CrossEntropyLoss, countCorrect } from './losses.js';

/** Called after each evaluated batch: done and total batches. */
export type EvalProgress = (done: number, total: number) => void;

/** Evaluates on a loader's set (eval mode, restores training mode); returns mean loss and accuracy. */
export async function evaluate(model: Module, loader: DataLoader, loss: CrossEntropyLoss, logits2d: (t: Tensor) => Tensor,
  progress?: EvalProgress, planner?: MemoryPlanner): Promise<{ loss: number; accuracy: number }> {
  const wasTraining = model.training;
  model.eval();
  let sum = 0, correct = 0, count = 0;
  try {
    for await (const b of loader.stream(0)) {
      const fwd = (): void => { loss.forward(logits2d(model.forward(b.x, { training: false })), b.y); };
      // Through the memory planner when fit() runs: only the live working set of inference is held.
      if (planner) planner.run(`eval ${b.x.shape.join(',')}`, b.x.backend, fwd); else fwd();
      // Only the first b.size rows are samples (a padded last batch repeats one).
      const per = loss.lastLosses();
      for (let i = 0; i < b.size; i++) sum += per[i];
      correct += countCorrect(loss.lastProbs(), b.labels, b.size);
      count += b.size;
      progress?.(b.index + 1, loader.batchesPerEpoch);
    }
  } finally {
    model.train(wasTraining);
  }
  return { loss: sum / count, accuracy: correct / count };
}

/**
 * A progress reporter for held-out evaluation: a bar on a terminal, otherwise a log line at each
 * quarter (long evaluations of big sets were silent minutes); nothing when quiet.
 */
export function evalProgress(mode: 'bar' | 'log' | 'none', label: string, log: (s: string) => void): { report: EvalProgress; stop(): void } {
  if (mode === 'none') return { report: () => undefined, stop: () => undefined };
  if (mode === 'bar') {
    let bar: SingleBar | null = null;
    return {
      report: (done, total) => {
        if (!bar) { bar = new SingleBar({ format: `${label} |{bar}| {value}/{total} batches`, hideCursor: true, clearOnComplete: true }); bar.start(total, 0); }
        bar.update(done);
      },
      stop: () => { bar?.stop(); },
    };
  }
  return {
    report: (done, total) => {
      const q = Math.max(1, Math.round(total / 4));
      if (done % q === 0 && done < total) log(`${label}: batch ${done}/${total}`);
    },
    stop: () => undefined,
  };
}

export interface EvaluateOptions {
  batchSize?: number;
  /** Normalisation of the training data (DatasetSplit.mean / std). */
  mean: readonly number[];
  std: readonly number[];
  progress?: EvalProgress;
}

/** Keras' model.evaluate(): loss and accuracy of `model` on `dataset`, in eval mode. */
export async function evaluateModel(model: Module, dataset: Dataset, opts: EvaluateOptions): Promise<{ loss: number; accuracy: number; count: number }> {
  const backend = model.parameters()[0]?.value.backend;
  if (!backend) throw new ConvnetsError('evaluate: the model has no parameters');
  const loader = new DataLoader(dataset, { batchSize: opts.batchSize ?? 64, padLast: true, mean: opts.mean, std: opts.std, backend });
  const loss = new CrossEntropyLoss(0);
  const views = new Map<Tensor, Tensor>();
  const flat = (t: Tensor): Tensor => {
    if (t.shape.length === 2) return t;
    const v = ops.reshape(t, [t.shape[0], t.shape[t.shape.length - 1]], views.get(t));
    views.set(t, v);
    return v;
  };
  try {
    const r = await evaluate(model, loader, loss, flat, opts.progress);
    return { ...r, count: dataset.count };
  } finally {
    loader.dispose(); loss.dispose();
  }
}
