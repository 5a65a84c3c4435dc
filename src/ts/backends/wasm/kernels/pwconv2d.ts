// Pointwise (1x1, stride 1, unpadded) convolution: the GEMM over pixel rows, no pointer table.
import type { Buf, Conv2dParams } from '../../../core/backend.js';
import { checkKernelParams } from '../../../core/params.js';
import type { WasmRuntime } from '../runtime.js';
import { convSizes, gemmBackwardFilter, igemm } from './gemm.js';

export function pwconv2d(rt: WasmRuntime, p: Conv2dParams, x: Buf, w: Buf, bias: Buf | null, y: Buf): void {
  const K = 'pwconv2d';
  checkKernelParams(K, p);
  const s = convSizes(p);
  igemm(rt, K, p, 'directForward', rt.buf(K, 'x', x, s.x), rt.buf(K, 'w', w, s.w), rt.opt(K, 'bias', bias, p.outC), rt.out(K, 'y', y, s.y));
}

export function pwconv2dBackwardData(rt: WasmRuntime, p: Conv2dParams, dy: Buf, w: Buf, dx: Buf): void {
  const K = 'pwconv2dBackwardData';
  checkKernelParams(K, p);
  const s = convSizes(p);
  igemm(rt, K, p, 'directBackwardData', rt.buf(K, 'dy', dy, s.y), rt.buf(K, 'w', w, s.w), null, rt.out(K, 'dx', dx, s.x));
}

export function pwconv2dBackwardFilter(rt: WasmRuntime, p: Conv2dParams, x: Buf, dy: Buf, dw: Buf, dbias: Buf | null): void {
  const K = 'pwconv2dBackwardFilter';
  checkKernelParams(K, p);
  const s = convSizes(p);
  gemmBackwardFilter(rt, K, p, true, rt.buf(K, 'x', x, s.x), rt.buf(K, 'dy', dy, s.y), rt.out(K, 'dw', dw, s.w),
    rt.opt(K, 'dbias', dbias, p.outC, true));
}
