// Dense layers: a pointwise GEMM over n rows (x [n, inF] . w[outF, inF]^T).
import type { Buf, Conv2dParams, DenseParams } from '../../../core/backend.js';
import { checkKernelParams } from '../../../core/params.js';
import type { WasmRuntime } from '../runtime.js';
import { gemmBackwardFilter, igemm } from './gemm.js';

function asConv(p: DenseParams): Conv2dParams {
  return { n: p.n, inH: 1, inW: 1, inC: p.inF, outH: 1, outW: 1, outC: p.outF, kH: 1, kW: 1, strideH: 1, strideW: 1,
    padTop: 0, padLeft: 0, dilationH: 1, dilationW: 1, groups: 1 };
}

export function dense(rt: WasmRuntime, p: DenseParams, x: Buf, w: Buf, bias: Buf | null, y: Buf): void {
  const K = 'dense';
  checkKernelParams(K, p);
  igemm(rt, K, asConv(p), 'directForward', rt.buf(K, 'x', x, p.n * p.inF), rt.buf(K, 'w', w, p.outF * p.inF),
    rt.opt(K, 'bias', bias, p.outF), rt.out(K, 'y', y, p.n * p.outF));
}

export function denseBackwardData(rt: WasmRuntime, p: DenseParams, dy: Buf, w: Buf, dx: Buf): void {
  const K = 'denseBackwardData';
  checkKernelParams(K, p);
  igemm(rt, K, asConv(p), 'directBackwardData', rt.buf(K, 'dy', dy, p.n * p.outF), rt.buf(K, 'w', w, p.outF * p.inF), null,
    rt.out(K, 'dx', dx, p.n * p.inF));
}

export function denseBackwardFilter(rt: WasmRuntime, p: DenseParams, x: Buf, dy: Buf, dw: Buf, dbias: Buf | null): void {
  const K = 'denseBackwardFilter';
  checkKernelParams(K, p);
  gemmBackwardFilter(rt, K, asConv(p), true, rt.buf(K, 'x', x, p.n * p.inF), rt.buf(K, 'dy', dy, p.n * p.outF),
    rt.out(K, 'dw', dw, p.outF * p.inF), rt.opt(K, 'dbias', dbias, p.outF, true));
}
