// Squeeze-excite channel scaling y[i, p, c] = x[i, p, c] * s[i, c] and its backward (dx, ds).
import type { Buf, ChannelScaleParams } from '../../../core/backend.js';
import { checkKernelParams } from '../../../core/params.js';
import type { WasmRuntime } from '../runtime.js';

export function channelScale(rt: WasmRuntime, p: ChannelScaleParams, x: Buf, s: Buf, y: Buf): void {
  const K = 'channelScale';
  checkKernelParams(K, p);
  const n = p.n * p.hw * p.c;
  rt.params(K, 'channelScale', { ...p, x: rt.buf(K, 'x', x, n).offset, s: rt.buf(K, 's', s, p.n * p.c).offset, y: rt.out(K, 'y', y, n).offset });
  rt.run('csForward', rt.nt(n));
}

export function channelScaleBackward(rt: WasmRuntime, p: ChannelScaleParams, x: Buf, s: Buf, dy: Buf, dx: Buf, ds: Buf): void {
  const K = 'channelScaleBackward';
  checkKernelParams(K, p);
  const n = p.n * p.hw * p.c;
  rt.params(K, 'channelScale', {
    ...p, x: rt.buf(K, 'x', x, n).offset, s: rt.buf(K, 's', s, p.n * p.c).offset, dy: rt.buf(K, 'dy', dy, n).offset,
    dx: rt.out(K, 'dx', dx, n).offset, ds: rt.out(K, 'ds', ds, p.n * p.c).offset,
  });
  rt.run('csBackward', rt.nt(n * 2));
}
