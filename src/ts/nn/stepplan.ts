// The planned memory of a training step, before any step runs: a dry run of forward + softmax
// cross-entropy + backward under the memory planner (memory.ts) gives the arena; parameters, their
// gradients, optimiser state and buffers are added. The trainer refuses a run that cannot fit
// (wasm32: 4 GiB), `convnets summary --train` prints it.
import { ConvnetsError } from '../core/backend.js';
import type { Backend } from '../core/backend.js';
import * as ops from '../core/ops.js';
import type { Shape } from '../core/shape.js';

import { MemoryPlanner, activeStep } from './memory.js';
import type { StepSchedule } from './memory.js';
import type { Module } from './module.js';

/** wasm32 memory cannot exceed 65536 pages of 64 KiB. */
export const WASM32_LIMIT_BYTES = 4 * 2 ** 30;

export interface TrainingMemory {
  batch: number;
  inputShape: number[];
  /** Bytes of each part (float32 unless the backend is float64). */
  arena: number;
  params: number;
  grads: number;
  optimizerState: number;
  buffers: number;
  /** wasm only: packed filter copies kept by the GEMM kernels (at most forward + backward-data per filter). */
  packedWeights: number;
  total: number;
  /** The arena if every planned tensor had its own allocation (what the per-module plan held). */
  unplannedArena: number;
}

/** The schedule of one training step (dry: no kernel runs, no activation storage is allocated). */
export function planTrainingStep(model: Module, inputShape: Shape, backend: Backend, planner = new MemoryPlanner()): StepSchedule {
  const classes = model.outputShape(inputShape);
  const n = inputShape[0];
  const k = classes[classes.length - 1];
  return planner.plan(`train ${inputShape.join(',')}`, backend, () => {
    const step = activeStep()!;
    const x = step.tensor(0, 'input', inputShape, backend);
    const labels = step.tensor(0, 'labels', [n], backend);
    const raw = model.forward(x, { training: true, seed: 0, noInputGrad: x });
    const logits = raw.reshape([n, k]);
    const probs = step.tensor(0, 'probs', [n, k], backend);
    ops.softmaxCrossEntropy(logits, labels, 0, { probs, loss: step.tensor(0, 'loss', [n], backend) });
    const d = ops.softmaxCrossEntropyBackward(probs, labels, 0, 1 / n, step.tensor(0, 'dlogits', [n, k], backend));
    model.backward(d.reshape(raw.shape));
  });
}

/** Planned peak training memory for `inputShape` ([batch, h, w, c]) with `optimizer`'s state. */
export function trainingMemory(model: Module, inputShape: Shape, opts: { optimizer?: 'sgd' | 'adamw'; backend?: Backend } = {}): TrainingMemory {
  const backend = opts.backend ?? model.parameters()[0]?.value.backend;
  if (!backend) throw new ConvnetsError('trainingMemory: the model has no parameters');
  const s = planTrainingStep(model, inputShape, backend);
  const bytes = backend.dtype === 'float64' ? 8 : 4;
  let params = 0, trainable = 0;
  for (const p of model.parameters()) { params += p.value.size; if (p.trainable) trainable += p.value.size; }
  const m: TrainingMemory = {
    batch: inputShape[0], inputShape: [...inputShape],
    arena: s.peak * bytes, params: params * bytes, grads: trainable * bytes,
    optimizerState: trainable * bytes * ((opts.optimizer ?? 'adamw') === 'adamw' ? 2 : 1),
    buffers: model.bufferCount() * bytes, packedWeights: backend.name === 'wasm' ? 2 * params * bytes : 0,
    total: 0, unplannedArena: s.unplanned * bytes,
  };
  m.total = m.arena + m.params + m.grads + m.optimizerState + m.buffers + m.packedWeights;
  return m;
}

/**
 * The largest batch (at most `upTo`) whose planned training memory fits in `limitBytes`, or 0. The
 * arena grows linearly with the batch; the linear guess is then checked by planning it.
 */
export function largestBatchThatFits(model: Module, inputShape: Shape, limitBytes: number,
  opts: { optimizer?: 'sgd' | 'adamw'; backend?: Backend } = {}, upTo = inputShape[0]): number {
  const at = (b: number): number => trainingMemory(model, [b, ...inputShape.slice(1)], opts).total;
  const one = at(1);
  if (one > limitBytes) return 0;
  const two = at(2);
  const slope = Math.max(1, two - one);
  let b = Math.min(upTo, Math.max(1, Math.floor(1 + (limitBytes - one) / slope)));
  while (b > 1 && at(b) > limitBytes) b = Math.max(1, Math.floor(b * 0.95));
  return b;
}

/** Formats a TrainingMemory as one line of parts. */
export function formatTrainingMemory(m: TrainingMemory, fmt: (bytes: number) => string): string {
  const parts = [`activations+gradients arena ${fmt(m.arena)} (one buffer per tensor: ${fmt(m.unplannedArena)})`,
    `parameters ${fmt(m.params)}`, `gradients ${fmt(m.grads)}`, `optimizer state ${fmt(m.optimizerState)}`, `buffers ${fmt(m.buffers)}`];
  if (m.packedWeights) parts.push(`packed weights <= ${fmt(m.packedWeights)}`);
  return `${fmt(m.total)} = ${parts.join(' + ')}`;
}


