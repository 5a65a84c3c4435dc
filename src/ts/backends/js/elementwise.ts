// Elementwise kernels over the first `length` scalars of their buffers. Outputs may alias inputs
// (each element is read before it is written).
import type { Buf } from '../../core/backend.js';
import { arr, checkCount } from './memory.js';

export function add(length: number, ab: Buf, bb: Buf, yb: Buf): void {
  checkCount('add', 'length', length);
  const a = arr('add', 'a', ab, length, false), b = arr('add', 'b', bb, length, false), y = arr('add', 'y', yb, length, false);
  for (let i = 0; i < length; i++) y[i] = a[i] + b[i];
}

export function axpy(length: number, alpha: number, xb: Buf, yb: Buf): void {
  checkCount('axpy', 'length', length);
  const x = arr('axpy', 'x', xb, length, false), y = arr('axpy', 'y', yb, length, false);
  for (let i = 0; i < length; i++) y[i] += alpha * x[i];
}

export function scale(length: number, alpha: number, xb: Buf, yb: Buf): void {
  checkCount('scale', 'length', length);
  const x = arr('scale', 'x', xb, length, false), y = arr('scale', 'y', yb, length, false);
  for (let i = 0; i < length; i++) y[i] = alpha * x[i];
}

export function mul(length: number, ab: Buf, bb: Buf, yb: Buf): void {
  checkCount('mul', 'length', length);
  const a = arr('mul', 'a', ab, length, false), b = arr('mul', 'b', bb, length, false), y = arr('mul', 'y', yb, length, false);
  for (let i = 0; i < length; i++) y[i] = a[i] * b[i];
}

/** Accumulates in float64 whatever the buffer type, so the clipping norm does not lose small terms. */
export function sumSquares(length: number, xb: Buf, outb: Buf): void {
  checkCount('sumSquares', 'length', length);
  const x = arr('sumSquares', 'x', xb, length, false), out = arr('sumSquares', 'out', outb, 1, false);
  let s = 0;
  for (let i = 0; i < length; i++) s += x[i] * x[i];
  out[0] = s;
}
