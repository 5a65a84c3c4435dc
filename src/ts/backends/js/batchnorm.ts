// Batch norm over the channel axis of a [rows, c] view (rows = n*h*w), as torch.nn.BatchNorm2d:
//   train: mean, biased var over rows; y = gamma (x - mean) / sqrt(var + eps) + beta;
//          running_mean = (1-m) running_mean + m mean; running_var = (1-m) running_var + m var * rows/(rows-1)
//   inference (eval, frozen BN): the same with the running statistics, which are constants for backward.
import type { BatchNormParams, Buf } from '../../core/backend.js';
import { checkKernelParams } from '../../core/params.js';
import { arr } from './memory.js';

export function batchNormTrain(p: BatchNormParams, xb: Buf, gb: Buf, bb: Buf, yb: Buf,
  rmb: Buf, rvb: Buf, smb: Buf, sib: Buf): void {
  const K = 'batchNormTrain';
  checkKernelParams(K, p);
  const { rows, c } = p;
  const x = arr(K, 'x', xb, rows * c), gamma = arr(K, 'gamma', gb, c), beta = arr(K, 'beta', bb, c);
  const y = arr(K, 'y', yb, rows * c), rm = arr(K, 'runningMean', rmb, c), rv = arr(K, 'runningVar', rvb, c);
  const sm = arr(K, 'saveMean', smb, c), si = arr(K, 'saveInvStd', sib, c);
  for (let ch = 0; ch < c; ch++) {
    let sum = 0;
    for (let r = 0; r < rows; r++) sum += x[r * c + ch];
    const mean = sum / rows;
    // Two-pass variance: no catastrophic cancellation.
    let sq = 0;
    for (let r = 0; r < rows; r++) { const d = x[r * c + ch] - mean; sq += d * d; }
    const variance = sq / rows;
    const inv = 1 / Math.sqrt(variance + p.eps);
    for (let r = 0; r < rows; r++) y[r * c + ch] = gamma[ch] * (x[r * c + ch] - mean) * inv + beta[ch];
    rm[ch] = (1 - p.momentum) * rm[ch] + p.momentum * mean;
    rv[ch] = (1 - p.momentum) * rv[ch] + p.momentum * (sq / (rows - 1));
    sm[ch] = mean;
    si[ch] = inv;
  }
}

export function batchNormInference(p: BatchNormParams, xb: Buf, gb: Buf, bb: Buf, mb: Buf, vb: Buf, yb: Buf): void {
  const K = 'batchNormInference';
  checkKernelParams(K, p);
  const { rows, c } = p;
  const x = arr(K, 'x', xb, rows * c), gamma = arr(K, 'gamma', gb, c), beta = arr(K, 'beta', bb, c);
  const mean = arr(K, 'mean', mb, c), variance = arr(K, 'variance', vb, c), y = arr(K, 'y', yb, rows * c);
  for (let ch = 0; ch < c; ch++) {
    const inv = 1 / Math.sqrt(variance[ch] + p.eps);
    for (let r = 0; r < rows; r++) y[r * c + ch] = gamma[ch] * (x[r * c + ch] - mean[ch]) * inv + beta[ch];
  }
}

/**
 * xhat = (x - mean) invstd; dbeta = sum dy; dgamma = sum dy xhat;
 * dx = gamma invstd / rows * (rows dy - dbeta - xhat dgamma)  (mean and var depend on x).
 */
export function batchNormTrainBackward(p: BatchNormParams, xb: Buf, dyb: Buf, gb: Buf, smb: Buf, sib: Buf,
  dxb: Buf, dgb: Buf, dbb: Buf): void {
  const K = 'batchNormTrainBackward';
  checkKernelParams(K, p);
  const { rows, c } = p;
  const x = arr(K, 'x', xb, rows * c), dy = arr(K, 'dy', dyb, rows * c), gamma = arr(K, 'gamma', gb, c);
  const sm = arr(K, 'saveMean', smb, c), si = arr(K, 'saveInvStd', sib, c);
  const dx = arr(K, 'dx', dxb, rows * c), dgamma = arr(K, 'dgamma', dgb, c), dbeta = arr(K, 'dbeta', dbb, c);
  for (let ch = 0; ch < c; ch++) {
    const mean = sm[ch], inv = si[ch];
    let db = 0, dg = 0;
    for (let r = 0; r < rows; r++) {
      const d = dy[r * c + ch];
      db += d;
      dg += d * (x[r * c + ch] - mean) * inv;
    }
    const k = gamma[ch] * inv / rows;
    for (let r = 0; r < rows; r++) {
      const xhat = (x[r * c + ch] - mean) * inv;
      dx[r * c + ch] = k * (rows * dy[r * c + ch] - db - xhat * dg);
    }
    dgamma[ch] = dg;
    dbeta[ch] = db;
  }
}

export function batchNormInferenceBackward(p: BatchNormParams, xb: Buf, dyb: Buf, gb: Buf, mb: Buf, vb: Buf,
  dxb: Buf, dgb: Buf, dbb: Buf): void {
  const K = 'batchNormInferenceBackward';
  checkKernelParams(K, p);
  const { rows, c } = p;
  const x = arr(K, 'x', xb, rows * c), dy = arr(K, 'dy', dyb, rows * c), gamma = arr(K, 'gamma', gb, c);
  const mean = arr(K, 'mean', mb, c), variance = arr(K, 'variance', vb, c);
  const dx = arr(K, 'dx', dxb, rows * c), dgamma = arr(K, 'dgamma', dgb, c), dbeta = arr(K, 'dbeta', dbb, c);
  for (let ch = 0; ch < c; ch++) {
    const inv = 1 / Math.sqrt(variance[ch] + p.eps);
    let db = 0, dg = 0;
    for (let r = 0; r < rows; r++) {
      const d = dy[r * c + ch];
      db += d;
      dg += d * (x[r * c + ch] - mean[ch]) * inv;
      dx[r * c + ch] = d * gamma[ch] * inv;
    }
    dgamma[ch] = dg;
    dbeta[ch] = db;
  }
}
