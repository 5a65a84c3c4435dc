// BatchNorm2d as torch: weight (gamma) 1, bias (beta) 0, buffers running_mean 0 / running_var 1,
// running = (1 - momentum) * running + momentum * batch (unbiased variance). Works on the last axis,
// so it serves NHWC maps and [n, c] vectors alike.
// Modes: training (module and ctx training, not frozen) = batch statistics; eval, or `frozen` during
// training (fine-tuning), = running statistics, with the matching inference backward.
import * as ops from '../core/ops.js';
import { ConvnetsError } from '../core/backend.js';
import type { Tensor } from '../core/tensor.js';
import type { Shape } from '../core/shape.js';
import { Parameter } from './module.js';
import type { ForwardContext } from './module.js';
import { PlannedModule, noForward } from './plan.js';
import { initTensor, ones_, zeros_ } from './init.js';

export interface BatchNormOptions { eps?: number; momentum?: number; }

export class BatchNorm2d extends PlannedModule {
  override readonly backwardReadsOutput = false;
  readonly weight: Parameter;
  readonly bias: Parameter;
  readonly runningMean: Tensor;
  readonly runningVar: Tensor;
  readonly numFeatures: number;
  eps: number;
  momentum: number;
  /** Use running statistics even in training (and don't update them): fine-tuning with frozen BN. */
  frozen = false;
  private saved: { x: Tensor; batchStats: boolean } | null = null;

  constructor(numFeatures: number, opts: BatchNormOptions = {}) {
    super();
    if (!Number.isInteger(numFeatures) || numFeatures <= 0) {
      throw new ConvnetsError(`BatchNorm2d: number of features must be a positive integer, got ${numFeatures}`);
    }
    this.numFeatures = numFeatures;
    this.eps = opts.eps ?? 1e-5;
    this.momentum = opts.momentum ?? 0.1;
    this.weight = this.addParam('weight', new Parameter(initTensor([numFeatures], ones_), false));
    this.bias = this.addParam('bias', new Parameter(initTensor([numFeatures], zeros_), false));
    this.runningMean = this.addBuffer('running_mean', initTensor([numFeatures], zeros_));
    this.runningVar = this.addBuffer('running_var', initTensor([numFeatures], ones_));
  }

  private check(input: Shape): void {
    const c = input[input.length - 1];
    if (c !== this.numFeatures) {
      throw new ConvnetsError(`BatchNorm2d: input [${input.join(', ')}] has ${c} channels, expected ${this.numFeatures}`);
    }
  }

  forward(x: Tensor, ctx: ForwardContext): Tensor {
    this.check(x.shape);
    if (this.fusedInto && !ctx.training) { this.saved = null; return x; }
    const be = x.backend;
    const y = this.plan.tensor('y', x.shape, be);
    const o = { eps: this.eps, momentum: this.momentum };
    const batchStats = this.isTraining(ctx) && !this.frozen;
    if (batchStats) {
      // A recomputed forward updates copies, so the running statistics move once per step.
      const rm = ctx.recompute ? ops.copy(this.runningMean, this.plan.tensor('rmCopy', [this.numFeatures], be)) : this.runningMean;
      const rv = ctx.recompute ? ops.copy(this.runningVar, this.plan.tensor('rvCopy', [this.numFeatures], be)) : this.runningVar;
      ops.batchNormTrain(x, this.weight.value, this.bias.value, rm, rv,
        this.plan.tensor('saveMean', [this.numFeatures], be), this.plan.tensor('saveInvStd', [this.numFeatures], be), o, y);
    } else {
      ops.batchNormInference(x, this.weight.value, this.bias.value, this.runningMean, this.runningVar, o, y);
    }
    this.saved = ctx.training ? { x, batchStats } : null;
    return y;
  }

  backward(dy: Tensor): Tensor {
    if (!this.saved) noForward('BatchNorm2d');
    const { x, batchStats } = this.saved;
    const be = x.backend;
    const c = this.numFeatures;
    const outs = {
      dx: this.plan.tensor('dx', x.shape, be),
      dgamma: this.weight.trainable ? this.weight.gradTensor() : this.plan.tensor('dgScratch', [c], be),
      dbeta: this.bias.trainable ? this.bias.gradTensor() : this.plan.tensor('dbScratch', [c], be),
    };
    const o = { eps: this.eps };
    if (batchStats) {
      ops.batchNormTrainBackward(x, dy, this.weight.value, this.plan.tensor('saveMean', [c], be),
        this.plan.tensor('saveInvStd', [c], be), o, outs);
    } else {
      ops.batchNormInferenceBackward(x, dy, this.weight.value, this.runningMean, this.runningVar, o, outs);
    }
    return outs.dx;
  }

  outputShape(input: Shape): number[] {
    this.check(input);
    return [...input];
  }
}

/** Same module over [n, c] features (torch's BatchNorm1d without the length axis). */
export class BatchNorm1d extends BatchNorm2d {}
