// Batch-norm ops (over the last axis of an NHWC tensor): training with batch statistics, inference
// with running statistics, and both backwards. Part of core/ops (re-exported there).
import { ConvnetsError } from './backend.js';
import type { Backend, BatchNormParams } from './backend.js';
import { checkSameShape, shapeToString } from './shape.js';
import { Tensor } from './tensor.js';
import { checkBackend } from './tensor.js';
import { checkFinite, need, needSize, output, trace } from './opcheck.js';

// ---- batch norm (over the last axis) --------------------------------------------------------------

export interface BatchNormOpOptions { eps?: number; momentum?: number; }

function bnParams(op: string, x: Tensor, opts: BatchNormOpOptions): BatchNormParams {
  const c = x.shape[x.shape.length - 1];
  const eps = opts.eps ?? 1e-5;
  const momentum = opts.momentum ?? 0.1;
  checkFinite(op, 'eps', eps);
  checkFinite(op, 'momentum', momentum);
  if (eps <= 0) throw new ConvnetsError(`${op}: eps must be positive, got ${eps}`);
  if (momentum < 0 || momentum > 1) throw new ConvnetsError(`${op}: momentum must be in [0, 1], got ${momentum}`);
  return { rows: x.size / c, c, eps, momentum };
}

function checkChannelVecs(op: string, b: Backend, c: number, vecs: [string, Tensor][]): void {
  for (const [arg, t] of vecs) { need(op, arg, t); checkBackend(op, b, t); needSize(op, arg, t, c, 'one per channel'); }
}

/** Batch statistics (training): updates running stats, saves mean and 1/sqrt(var+eps) for backward. */
export function batchNormTrain(x: Tensor, gamma: Tensor, beta: Tensor, runningMean: Tensor, runningVar: Tensor,
  saveMean: Tensor, saveInvStd: Tensor, opts: BatchNormOpOptions = {}, out?: Tensor): Tensor {
  const op = 'batchNormTrain';
  need(op, 'input', x);
  const b = x.backend;
  const p = bnParams(op, x, opts);
  if (p.rows < 2) {
    // The unbiased running variance would divide by zero (torch refuses this too).
    throw new ConvnetsError(`${op}: batch statistics need more than 1 value per channel, input ${shapeToString(x.shape)} has ${p.rows}`);
  }
  checkChannelVecs(op, b, p.c, [['gamma', gamma], ['beta', beta], ['runningMean', runningMean], ['runningVar', runningVar],
    ['saveMean', saveMean], ['saveInvStd', saveInvStd]]);
  const y = output(op, b, x.shape, out);
  b.batchNormTrain(p, x.buffer, gamma.buffer, beta.buffer, y.buffer, runningMean.buffer, runningVar.buffer,
    saveMean.buffer, saveInvStd.buffer);
  trace(op, p, [x], { gamma, beta, mean: runningMean, variance: runningVar }, y);
  return y;
}

/** Running statistics (eval mode, frozen BN). */
export function batchNormInference(x: Tensor, gamma: Tensor, beta: Tensor, mean: Tensor, variance: Tensor,
  opts: BatchNormOpOptions = {}, out?: Tensor): Tensor {
  const op = 'batchNormInference';
  need(op, 'input', x);
  const b = x.backend;
  const p = bnParams(op, x, opts);
  checkChannelVecs(op, b, p.c, [['gamma', gamma], ['beta', beta], ['mean', mean], ['variance', variance]]);
  const y = output(op, b, x.shape, out);
  b.batchNormInference(p, x.buffer, gamma.buffer, beta.buffer, mean.buffer, variance.buffer, y.buffer);
  trace(op, p, [x], { gamma, beta, mean, variance }, y);
  return y;
}

/**
 * Either mode in one call: training (batch statistics; needs saveMean/saveInvStd, updates the running
 * stats) or inference (running statistics).
 */
export function batchNorm(x: Tensor, gamma: Tensor, beta: Tensor, runningMean: Tensor, runningVar: Tensor,
  opts: BatchNormOpOptions & { training: boolean; saveMean?: Tensor; saveInvStd?: Tensor }, out?: Tensor): Tensor {
  if (!opts.training) return batchNormInference(x, gamma, beta, runningMean, runningVar, opts, out);
  if (!opts.saveMean || !opts.saveInvStd) {
    throw new ConvnetsError('batchNorm: training mode needs saveMean and saveInvStd tensors (one per channel) for backward');
  }
  return batchNormTrain(x, gamma, beta, runningMean, runningVar, opts.saveMean, opts.saveInvStd, opts, out);
}

export interface BatchNormGrads { dx: Tensor; dgamma: Tensor; dbeta: Tensor; }

function bnGradOutputs(op: string, x: Tensor, c: number, o: Partial<BatchNormGrads>): BatchNormGrads {
  const b = x.backend;
  return {
    dx: output(op, b, x.shape, o.dx, 'dx'),
    dgamma: o.dgamma ? (checkChannelVecs(op, b, c, [['dgamma', o.dgamma]]), o.dgamma) : new Tensor(b, [c]),
    dbeta: o.dbeta ? (checkChannelVecs(op, b, c, [['dbeta', o.dbeta]]), o.dbeta) : new Tensor(b, [c]),
  };
}

export function batchNormTrainBackward(x: Tensor, dy: Tensor, gamma: Tensor, saveMean: Tensor, saveInvStd: Tensor,
  opts: BatchNormOpOptions = {}, outs: Partial<BatchNormGrads> = {}): BatchNormGrads {
  const op = 'batchNormTrainBackward';
  need(op, 'input', x); need(op, 'dy', dy);
  const b = x.backend;
  checkBackend(op, b, dy);
  checkSameShape(op, x.shape, dy.shape, 'input', 'dy');
  const p = bnParams(op, x, opts);
  checkChannelVecs(op, b, p.c, [['gamma', gamma], ['saveMean', saveMean], ['saveInvStd', saveInvStd]]);
  const g = bnGradOutputs(op, x, p.c, outs);
  b.batchNormTrainBackward(p, x.buffer, dy.buffer, gamma.buffer, saveMean.buffer, saveInvStd.buffer,
    g.dx.buffer, g.dgamma.buffer, g.dbeta.buffer);
  return g;
}

export function batchNormInferenceBackward(x: Tensor, dy: Tensor, gamma: Tensor, mean: Tensor, variance: Tensor,
  opts: BatchNormOpOptions = {}, outs: Partial<BatchNormGrads> = {}): BatchNormGrads {
  const op = 'batchNormInferenceBackward';
  need(op, 'input', x); need(op, 'dy', dy);
  const b = x.backend;
  checkBackend(op, b, dy);
  checkSameShape(op, x.shape, dy.shape, 'input', 'dy');
  const p = bnParams(op, x, opts);
  checkChannelVecs(op, b, p.c, [['gamma', gamma], ['mean', mean], ['variance', variance]]);
  const g = bnGradOutputs(op, x, p.c, outs);
  b.batchNormInferenceBackward(p, x.buffer, dy.buffer, gamma.buffer, mean.buffer, variance.buffer,
    g.dx.buffer, g.dgamma.buffer, g.dbeta.buffer);
  return g;
}
