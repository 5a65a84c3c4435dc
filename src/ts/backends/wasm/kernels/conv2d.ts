// General convolution (any stride, dilation, groups, asymmetric padding) through the indirect GEMM.
import type { Buf, Conv2dParams } from '../../../core/backend.js';
import { checkKernelParams } from '../../../core/params.js';
import type { WasmRuntime } from '../runtime.js';
import { convSizes, gemmBackwardFilter, igemm } from './gemm.js';

export function conv2d(rt: WasmRuntime, p: Conv2dParams, x: Buf, w: Buf, bias: Buf | null, y: Buf): void {
  const K = 'conv2d';
  checkKernelParams(K, p);
  const s = convSizes(p);
  igemm(rt, K, p, 'convForward', rt.buf(K, 'x', x, s.x), rt.buf(K, 'w', w, s.w), rt.opt(K, 'bias', bias, p.outC), rt.out(K, 'y', y, s.y));
}

export function conv2dBackwardData(rt: WasmRuntime, p: Conv2dParams, dy: Buf, w: Buf, dx: Buf): void {
  const K = 'conv2dBackwardData';
  checkKernelParams(K, p);
  const s = convSizes(p);
  igemm(rt, K, p, 'convBackwardData', rt.buf(K, 'dy', dy, s.y), rt.buf(K, 'w', w, s.w), null, rt.out(K, 'dx', dx, s.x));
}

export function conv2dBackwardFilter(rt: WasmRuntime, p: Conv2dParams, x: Buf, dy: Buf, dw: Buf, dbias: Buf | null): void {
  const K = 'conv2dBackwardFilter';
  checkKernelParams(K, p);
  const s = convSizes(p);
  gemmBackwardFilter(rt, K, p, false, rt.buf(K, 'x', x, s.x), rt.buf(K, 'dy', dy, s.y), rt.out(K, 'dw', dw, s.w),
    rt.opt(K, 'dbias', dbias, p.outC, true));
}
