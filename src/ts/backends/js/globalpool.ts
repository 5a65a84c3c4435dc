// Global average pool: x [n, hw, c] -> y [n, c] (torchvision's AdaptiveAvgPool2d(1)); backward spreads dy/hw.
import type { Buf, GlobalPoolParams } from '../../core/backend.js';
import { checkKernelParams } from '../../core/params.js';
import { arr } from './memory.js';

export function globalAvgPool(p: GlobalPoolParams, xb: Buf, yb: Buf): void {
  const K = 'globalAvgPool';
  checkKernelParams(K, p);
  const x = arr(K, 'x', xb, p.n * p.hw * p.c), y = arr(K, 'y', yb, p.n * p.c);
  for (let b = 0; b < p.n; b++) {
    for (let ch = 0; ch < p.c; ch++) {
      let s = 0;
      for (let i = 0; i < p.hw; i++) s += x[(b * p.hw + i) * p.c + ch];
      y[b * p.c + ch] = s / p.hw;
    }
  }
}

export function globalAvgPoolBackward(p: GlobalPoolParams, dyb: Buf, dxb: Buf): void {
  const K = 'globalAvgPoolBackward';
  checkKernelParams(K, p);
  const dy = arr(K, 'dy', dyb, p.n * p.c), dx = arr(K, 'dx', dxb, p.n * p.hw * p.c);
  for (let b = 0; b < p.n; b++)
    for (let i = 0; i < p.hw; i++)
      for (let ch = 0; ch < p.c; ch++) dx[(b * p.hw + i) * p.c + ch] = dy[b * p.c + ch] / p.hw;
}
