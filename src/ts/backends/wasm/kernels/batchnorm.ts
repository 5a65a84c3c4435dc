// Batch norm: statistics passes split channels (f64 sums), then one affine pass split rows (bnApply).
import type { BatchNormParams, Buf } from '../../../core/backend.js';
import { checkKernelParams } from '../../../core/params.js';
import type { WasmBuffer, WasmRuntime } from '../runtime.js';

/** Coefficient scratch (7 padded channel vectors, assembly/batchnorm.ts). */
const coefScratch = (rt: WasmRuntime, p: BatchNormParams): number => rt.scr('bn', 7 * Math.ceil(p.c / 8) * 8 + 16).offset;

/** out = a*u + b*v + d per channel, with the coefficients the statistics pass left in scratch. */
function apply(rt: WasmRuntime, kernel: string, p: BatchNormParams, u: WasmBuffer, v: WasmBuffer | null, out: WasmBuffer): void {
  rt.params(kernel, 'batchNorm', { ...p, scr: coefScratch(rt, p), u: u.offset, v: (v ?? u).offset, out: out.offset, useV: v !== null });
  rt.run('bnApply', rt.nt(p.rows * p.c * 2));
}

export function batchNormTrain(rt: WasmRuntime, p: BatchNormParams, x: Buf, gamma: Buf, beta: Buf, y: Buf, runningMean: Buf,
  runningVar: Buf, saveMean: Buf, saveInvStd: Buf): void {
  const K = 'batchNormTrain', n = p.rows * p.c;
  checkKernelParams(K, p);
  const xb = rt.buf(K, 'x', x, n);
  rt.params(K, 'batchNorm', {
    ...p, scr: coefScratch(rt, p), x: xb.offset, gamma: rt.buf(K, 'gamma', gamma, p.c).offset, beta: rt.buf(K, 'beta', beta, p.c).offset,
    mean: rt.out(K, 'runningMean', runningMean, p.c).offset, variance: rt.out(K, 'runningVar', runningVar, p.c).offset,
    saveMean: rt.out(K, 'saveMean', saveMean, p.c).offset, saveInvStd: rt.out(K, 'saveInvStd', saveInvStd, p.c).offset,
  });
  const yb = rt.out(K, 'y', y, n);
  rt.run('bnTrainStats', Math.min(p.c, rt.nt(n * 3)));
  apply(rt, K, p, xb, null, yb);
}

export function batchNormInference(rt: WasmRuntime, p: BatchNormParams, x: Buf, gamma: Buf, beta: Buf, mean: Buf, variance: Buf, y: Buf): void {
  const K = 'batchNormInference', n = p.rows * p.c;
  checkKernelParams(K, p);
  const xb = rt.buf(K, 'x', x, n), yb = rt.out(K, 'y', y, n);
  rt.params(K, 'batchNorm', {
    ...p, momentum: 0, scr: coefScratch(rt, p), gamma: rt.buf(K, 'gamma', gamma, p.c).offset, beta: rt.buf(K, 'beta', beta, p.c).offset,
    mean: rt.buf(K, 'mean', mean, p.c).offset, variance: rt.buf(K, 'variance', variance, p.c).offset,
  });
  rt.run('bnInferencePrep', 1);
  apply(rt, K, { ...p, momentum: 0 }, xb, null, yb);
}

function backward(rt: WasmRuntime, K: 'batchNormTrainBackward' | 'batchNormInferenceBackward', p: BatchNormParams, x: Buf, dy: Buf,
  gamma: Buf, m: Buf, v: Buf, dx: Buf, dgamma: Buf, dbeta: Buf): void {
  checkKernelParams(K, p);
  const n = p.rows * p.c, train = K === 'batchNormTrainBackward';
  const q = { ...p, momentum: 0 };
  const xb = rt.buf(K, 'x', x, n), dyb = rt.buf(K, 'dy', dy, n), dxb = rt.out(K, 'dx', dx, n);
  rt.params(K, 'batchNorm', {
    ...q, train, scr: coefScratch(rt, p), x: xb.offset, gamma: rt.buf(K, 'gamma', gamma, p.c).offset, dy: dyb.offset,
    ...(train ? { saveMean: rt.buf(K, 'saveMean', m, p.c).offset, saveInvStd: rt.buf(K, 'saveInvStd', v, p.c).offset }
      : { mean: rt.buf(K, 'mean', m, p.c).offset, variance: rt.buf(K, 'variance', v, p.c).offset }),
    dgamma: rt.out(K, 'dgamma', dgamma, p.c).offset, dbeta: rt.out(K, 'dbeta', dbeta, p.c).offset,
  });
  rt.run('bnBackwardStats', Math.min(p.c, rt.nt(n * 3)));
  apply(rt, K, q, dyb, train ? xb : null, dxb);
}

export function batchNormTrainBackward(rt: WasmRuntime, p: BatchNormParams, x: Buf, dy: Buf, gamma: Buf, saveMean: Buf, saveInvStd: Buf,
  dx: Buf, dgamma: Buf, dbeta: Buf): void {
  backward(rt, 'batchNormTrainBackward', p, x, dy, gamma, saveMean, saveInvStd, dx, dgamma, dbeta);
}

export function batchNormInferenceBackward(rt: WasmRuntime, p: BatchNormParams, x: Buf, dy: Buf, gamma: Buf, mean: Buf, variance: Buf,
  dx: Buf, dgamma: Buf, dbeta: Buf): void {
  backward(rt, 'batchNormInferenceBackward', p, x, dy, gamma, mean, variance, dx, dgamma, dbeta);
}
