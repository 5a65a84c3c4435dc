// add, axpy, scale, mul (one SIMD entry point switched by op) and the sum of squares (f64 partials).
import type { Buf } from '../../../core/backend.js';
import type { EnumMember } from '../../../core/abi.js';
import { checkKernelParams } from '../../../core/params.js';
import type { WasmRuntime } from '../runtime.js';

type Op = EnumMember<'elementwiseOp'>;

function ew(rt: WasmRuntime, op: Op, length: number, a: Buf, b: Buf | null, y: Buf, alpha = 0): void {
  checkKernelParams(op, { length, alpha });
  const xa = op === 'axpy' || op === 'scale' ? 'x' : 'a';
  rt.params(op, 'elementwise', {
    op, length, alpha, a: rt.buf(op, xa, a, length).offset,
    b: b ? rt.buf(op, op === 'axpy' ? 'y' : 'b', b, length).offset : 0, y: rt.out(op, 'y', y, length).offset,
  });
  rt.run('elementwise', rt.nt(length));
}

export const add = (rt: WasmRuntime, length: number, a: Buf, b: Buf, y: Buf): void => ew(rt, 'add', length, a, b, y);
export const axpy = (rt: WasmRuntime, length: number, alpha: number, x: Buf, y: Buf): void => ew(rt, 'axpy', length, x, y, y, alpha);
export const scale = (rt: WasmRuntime, length: number, alpha: number, x: Buf, y: Buf): void => ew(rt, 'scale', length, x, null, y, alpha);
export const mul = (rt: WasmRuntime, length: number, a: Buf, b: Buf, y: Buf): void => ew(rt, 'mul', length, a, b, y);

export function sumSquares(rt: WasmRuntime, length: number, x: Buf, out: Buf): void {
  const K = 'sumSquares';
  checkKernelParams(K, { length });
  const ob = rt.out(K, 'out', out, 1);
  const nt = rt.nt(length);
  const parts = rt.scr('parts', 2 * 256);
  rt.params(K, 'elementwise', { op: 'add', length, alpha: 0, a: rt.buf(K, 'x', x, length).offset, parts: parts.offset });
  rt.run('sumSquaresPartial', nt);
  const f64 = new Float64Array(rt.memory.buffer, parts.offset, nt);
  let s = 0;
  for (let i = 0; i < nt; i++) s += f64[i];
  rt.f32[ob.offset >>> 2] = s;
}
