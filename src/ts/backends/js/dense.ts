// Dense (fully connected): y[n, o] = bias[o] + sum_i x[n, i] w[o, i]  (w is [out, in] as torchvision).
import type { Buf, DenseParams } from '../../core/backend.js';
import { checkKernelParams } from '../../core/params.js';
import { arr } from './memory.js';

export function dense(p: DenseParams, xb: Buf, wb: Buf, biasb: Buf | null, yb: Buf): void {
  const K = 'dense';
  checkKernelParams(K, p);
  const x = arr(K, 'x', xb, p.n * p.inF), w = arr(K, 'w', wb, p.outF * p.inF), y = arr(K, 'y', yb, p.n * p.outF);
  const bias = biasb ? arr(K, 'bias', biasb, p.outF) : null;
  for (let r = 0; r < p.n; r++) {
    for (let o = 0; o < p.outF; o++) {
      let acc = bias ? bias[o] : 0;
      for (let i = 0; i < p.inF; i++) acc += x[r * p.inF + i] * w[o * p.inF + i];
      y[r * p.outF + o] = acc;
    }
  }
}

/** dx = dy . w */
export function denseBackwardData(p: DenseParams, dyb: Buf, wb: Buf, dxb: Buf): void {
  const K = 'denseBackwardData';
  checkKernelParams(K, p);
  const dy = arr(K, 'dy', dyb, p.n * p.outF), w = arr(K, 'w', wb, p.outF * p.inF), dx = arr(K, 'dx', dxb, p.n * p.inF);
  for (let r = 0; r < p.n; r++) {
    for (let i = 0; i < p.inF; i++) {
      let acc = 0;
      for (let o = 0; o < p.outF; o++) acc += dy[r * p.outF + o] * w[o * p.inF + i];
      dx[r * p.inF + i] = acc;
    }
  }
}

/** dw = dy^T . x; dbias = sum over rows of dy. */
export function denseBackwardFilter(p: DenseParams, xb: Buf, dyb: Buf, dwb: Buf, dbiasb: Buf | null): void {
  const K = 'denseBackwardFilter';
  checkKernelParams(K, p);
  const x = arr(K, 'x', xb, p.n * p.inF), dy = arr(K, 'dy', dyb, p.n * p.outF), dw = arr(K, 'dw', dwb, p.outF * p.inF);
  const dbias = dbiasb ? arr(K, 'dbias', dbiasb, p.outF) : null;
  for (let o = 0; o < p.outF; o++) {
    let db = 0;
    for (let r = 0; r < p.n; r++) db += dy[r * p.outF + o];
    if (dbias) dbias[o] = db;
    for (let i = 0; i < p.inF; i++) {
      let acc = 0;
      for (let r = 0; r < p.n; r++) acc += dy[r * p.outF + o] * x[r * p.inF + i];
      dw[o * p.inF + i] = acc;
    }
  }
}
