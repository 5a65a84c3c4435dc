// Global average pool [n, hw, c] -> [n, c] and its backward (a broadcast of dy / hw).
import type { Buf, GlobalPoolParams } from '../../../core/backend.js';
import { checkKernelParams } from '../../../core/params.js';
import type { WasmRuntime } from '../runtime.js';

export function globalAvgPool(rt: WasmRuntime, p: GlobalPoolParams, x: Buf, y: Buf): void {
  const K = 'globalAvgPool';
  checkKernelParams(K, p);
  const n = p.n * p.hw * p.c;
  rt.params(K, 'globalPool', { ...p, x: rt.buf(K, 'x', x, n).offset, y: rt.out(K, 'y', y, p.n * p.c).offset });
  rt.run('gapForward', rt.nt(n));
}

export function globalAvgPoolBackward(rt: WasmRuntime, p: GlobalPoolParams, dy: Buf, dx: Buf): void {
  const K = 'globalAvgPoolBackward';
  checkKernelParams(K, p);
  const n = p.n * p.hw * p.c;
  rt.params(K, 'globalPool', { ...p, dy: rt.buf(K, 'dy', dy, p.n * p.c).offset, dx: rt.out(K, 'dx', dx, n).offset });
  rt.run('gapBackward', rt.nt(n));
}
