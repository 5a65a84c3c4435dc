// Pointwise (1x1, stride 1, no padding, groups 1) convolution as the GEMM it is:
// x viewed as [rows = n*h*w, inC], w as [outC, inC]: y = x . w^T + bias.
import type { Buf, Conv2dParams } from '../../core/backend.js';
import { checkKernelParams } from '../../core/params.js';
import type { KernelName } from '../../core/backend.js';
import { arr } from './memory.js';
import { applyActivation } from './activation.js';

function checkPointwise(kernel: string, p: Conv2dParams): number {
  checkKernelParams(kernel as KernelName, p);
  return p.n * p.inH * p.inW;
}

export function pwconv2dFwd(p: Conv2dParams, xb: Buf, wb: Buf, biasb: Buf | null, yb: Buf): void {
  const K = 'pwconv2d';
  const rows = checkPointwise(K, p);
  const x = arr(K, 'x', xb, rows * p.inC), w = arr(K, 'w', wb, p.outC * p.inC), y = arr(K, 'y', yb, rows * p.outC);
  const bias = biasb ? arr(K, 'bias', biasb, p.outC) : null;
  for (let r = 0; r < rows; r++) {
    for (let o = 0; o < p.outC; o++) {
      let acc = bias ? bias[o] : 0;
      for (let i = 0; i < p.inC; i++) acc += x[r * p.inC + i] * w[o * p.inC + i];
      y[r * p.outC + o] = acc;
    }
  }
  applyActivation(p.activation, y);
}

/** dx = dy . w */
export function pwconv2dBwdData(p: Conv2dParams, dyb: Buf, wb: Buf, dxb: Buf): void {
  const K = 'pwconv2dBackwardData';
  const rows = checkPointwise(K, p);
  const dy = arr(K, 'dy', dyb, rows * p.outC), w = arr(K, 'w', wb, p.outC * p.inC), dx = arr(K, 'dx', dxb, rows * p.inC);
  for (let r = 0; r < rows; r++) {
    for (let i = 0; i < p.inC; i++) {
      let acc = 0;
      for (let o = 0; o < p.outC; o++) acc += dy[r * p.outC + o] * w[o * p.inC + i];
      dx[r * p.inC + i] = acc;
    }
  }
}

/** dw = dy^T . x; dbias = column sums of dy. */
export function pwconv2dBwdFilter(p: Conv2dParams, xb: Buf, dyb: Buf, dwb: Buf, dbiasb: Buf | null): void {
  const K = 'pwconv2dBackwardFilter';
  const rows = checkPointwise(K, p);
  const x = arr(K, 'x', xb, rows * p.inC), dy = arr(K, 'dy', dyb, rows * p.outC), dw = arr(K, 'dw', dwb, p.outC * p.inC);
  const dbias = dbiasb ? arr(K, 'dbias', dbiasb, p.outC) : null;
  for (let o = 0; o < p.outC; o++) {
    let db = 0;
    for (let r = 0; r < rows; r++) db += dy[r * p.outC + o];
    if (dbias) dbias[o] = db;
    for (let i = 0; i < p.inC; i++) {
      let acc = 0;
      for (let r = 0; r < rows; r++) acc += dy[r * p.outC + o] * x[r * p.inC + i];
      dw[o * p.inC + i] = acc;
    }
  }
}
