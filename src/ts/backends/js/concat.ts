// Concat / split along the last (channel) axis of [rows, sum(channels)]. split is concat's backward.
import { ConvnetsError } from '../../core/backend.js';
import type { Buf, ConcatParams } from '../../core/backend.js';
import { arr } from './memory.js';

function check(kernel: string, p: ConcatParams, parts: readonly Buf[], what: string): number {
  if (!Number.isInteger(p.rows) || p.rows <= 0) throw new ConvnetsError(`${kernel}: params.rows must be a positive integer, got ${p.rows}`);
  if (p.channels.length === 0) throw new ConvnetsError(`${kernel}: params.channels is empty`);
  for (const [i, c] of p.channels.entries()) {
    if (!Number.isInteger(c) || c <= 0) throw new ConvnetsError(`${kernel}: params.channels[${i}] must be a positive integer, got ${c}`);
  }
  if (parts.length !== p.channels.length) {
    throw new ConvnetsError(`${kernel}: ${parts.length} ${what} buffers for ${p.channels.length} channel counts`);
  }
  return p.channels.reduce((a, b) => a + b, 0);
}

export function concat(p: ConcatParams, inputs: readonly Buf[], yb: Buf): void {
  const K = 'concat';
  const total = check(K, p, inputs, 'input');
  const y = arr(K, 'y', yb, p.rows * total);
  let off = 0;
  for (const [j, c] of p.channels.entries()) {
    const x = arr(K, `inputs[${j}]`, inputs[j], p.rows * c);
    for (let r = 0; r < p.rows; r++)
      for (let k = 0; k < c; k++) y[r * total + off + k] = x[r * c + k];
    off += c;
  }
}

export function split(p: ConcatParams, yb: Buf, outputs: readonly Buf[]): void {
  const K = 'split';
  const total = check(K, p, outputs, 'output');
  const y = arr(K, 'y', yb, p.rows * total);
  let off = 0;
  for (const [j, c] of p.channels.entries()) {
    const x = arr(K, `outputs[${j}]`, outputs[j], p.rows * c);
    for (let r = 0; r < p.rows; r++)
      for (let k = 0; k < c; k++) x[r * c + k] = y[r * total + off + k];
    off += c;
  }
}
