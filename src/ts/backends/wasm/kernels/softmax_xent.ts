// Softmax cross-entropy with label smoothing. The kernels check the labels and leave the first bad
// sample in a status word (read here: wasm memory is host memory, so this costs no device sync).
import { ConvnetsError } from '../../../core/backend.js';
import type { Buf, SoftmaxXentParams } from '../../../core/backend.js';
import { checkKernelParams } from '../../../core/params.js';
import type { WasmBuffer, WasmRuntime } from '../runtime.js';

function run(rt: WasmRuntime, K: string, entry: string, p: SoftmaxXentParams, labels: WasmBuffer, nt: number,
  values: Record<string, unknown>): void {
  const status = rt.scr('status', 4);
  rt.i32[status.offset >>> 2] = 0;
  rt.params(K, 'softmaxXent', { gradScale: 0, ...p, ...values, labels: labels.offset, status: status.offset });
  rt.run(entry, nt);
  const bad = rt.i32[status.offset >>> 2];
  if (bad !== 0) {
    const l = rt.f32[(labels.offset >>> 2) + bad - 1];
    throw new ConvnetsError(`${K}: label of sample ${bad - 1} must be an integer class index in [0, ${p.classes - 1}], got ${l}`);
  }
}

export function softmaxCrossEntropy(rt: WasmRuntime, p: SoftmaxXentParams, logits: Buf, labels: Buf, probs: Buf, loss: Buf): void {
  const K = 'softmaxCrossEntropy';
  checkKernelParams(K, p);
  const n = p.n * p.classes;
  run(rt, K, 'xentForward', p, rt.buf(K, 'labels', labels, p.n), Math.min(p.n, rt.nt(n * 8)), {
    logits: rt.buf(K, 'logits', logits, n).offset, probs: rt.out(K, 'probs', probs, n).offset, loss: rt.out(K, 'loss', loss, p.n).offset,
  });
}

export function softmaxCrossEntropyBackward(rt: WasmRuntime, p: SoftmaxXentParams, probs: Buf, labels: Buf, gradScale: number, dlogits: Buf): void {
  const K = 'softmaxCrossEntropyBackward';
  checkKernelParams(K, p);
  const n = p.n * p.classes;
  run(rt, K, 'xentBackward', p, rt.buf(K, 'labels', labels, p.n), Math.min(p.n, rt.nt(n * 2)), {
    gradScale, probs: rt.buf(K, 'probs', probs, n).offset, dlogits: rt.out(K, 'dlogits', dlogits, n).offset,
  });
}
