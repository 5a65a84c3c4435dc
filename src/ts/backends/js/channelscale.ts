// Channel scaling (squeeze-excite multiply, drop-connect): y[i, p, c] = x[i, p, c] * s[i, c], x as [n, hw, c].
// Backward: dx = dy * s; ds[i, c] = sum_p dy[i, p, c] * x[i, p, c].
import type { Buf, ChannelScaleParams } from '../../core/backend.js';
import { checkKernelParams } from '../../core/params.js';
import { arr } from './memory.js';

export function channelScale(p: ChannelScaleParams, xb: Buf, sb: Buf, yb: Buf): void {
  const K = 'channelScale';
  checkKernelParams(K, p);
  const len = p.n * p.hw * p.c;
  const x = arr(K, 'x', xb, len), s = arr(K, 's', sb, p.n * p.c), y = arr(K, 'y', yb, len);
  for (let b = 0; b < p.n; b++)
    for (let i = 0; i < p.hw; i++)
      for (let ch = 0; ch < p.c; ch++) y[(b * p.hw + i) * p.c + ch] = x[(b * p.hw + i) * p.c + ch] * s[b * p.c + ch];
}

export function channelScaleBackward(p: ChannelScaleParams, xb: Buf, sb: Buf, dyb: Buf, dxb: Buf, dsb: Buf): void {
  const K = 'channelScaleBackward';
  checkKernelParams(K, p);
  const len = p.n * p.hw * p.c;
  const x = arr(K, 'x', xb, len), s = arr(K, 's', sb, p.n * p.c), dy = arr(K, 'dy', dyb, len);
  const dx = arr(K, 'dx', dxb, len), ds = arr(K, 'ds', dsb, p.n * p.c);
  for (let b = 0; b < p.n; b++) {
    for (let ch = 0; ch < p.c; ch++) {
      let acc = 0;
      for (let i = 0; i < p.hw; i++) {
        const k = (b * p.hw + i) * p.c + ch;
        acc += dy[k] * x[k];
        dx[k] = dy[k] * s[b * p.c + ch];
      }
      ds[b * p.c + ch] = acc;
    }
  }
}
