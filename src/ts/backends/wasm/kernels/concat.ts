// Concat / split along channels: one strided row copy per part (split is concat's backward).
import { ConvnetsError } from '../../../core/backend.js';
import type { Buf, ConcatParams } from '../../../core/backend.js';
import { checkKernelParams } from '../../../core/params.js';
import type { WasmRuntime } from '../runtime.js';

function parts(rt: WasmRuntime, K: 'concat' | 'split', p: ConcatParams, bufs: readonly Buf[], whole: Buf): void {
  checkKernelParams(K, p);
  if (bufs.length !== p.channels.length) {
    throw new ConvnetsError(`${K}: ${bufs.length} ${K === 'concat' ? 'input' : 'output'} buffers for ${p.channels.length} channel counts`);
  }
  const split = K === 'split';
  const total = p.channels.reduce((s, c) => s + c, 0);
  const wb = split ? rt.buf(K, 'y', whole, p.rows * total) : rt.out(K, 'y', whole, p.rows * total);
  const checked = bufs.map((b, i) => {
    const name = `${split ? 'outputs' : 'inputs'}[${i}]`;
    return split ? rt.out(K, name, b, p.rows * p.channels[i]) : rt.buf(K, name, b, p.rows * p.channels[i]);
  });
  let offset = 0;
  checked.forEach((b, i) => {
    rt.params(K, 'concatPart', { part: b.offset, whole: wb.offset, rows: p.rows, partC: p.channels[i], totalC: total, offset, split });
    rt.run('concatPart', rt.nt(p.rows * p.channels[i] / 4));
    offset += p.channels[i];
  });
}

export const concat = (rt: WasmRuntime, p: ConcatParams, inputs: readonly Buf[], y: Buf): void => parts(rt, 'concat', p, inputs, y);
export const split = (rt: WasmRuntime, p: ConcatParams, y: Buf, outputs: readonly Buf[]): void => parts(rt, 'split', p, outputs, y);
