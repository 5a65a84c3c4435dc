// Softmax cross-entropy with label smoothing on logits [n, classes]; labels [n] are class indices
// stored as floats. target = (1 - s) onehot + s / classes; loss[i] = -sum_c target_c log p_c, with
// log p computed as z - max - log(sum exp(z - max)) so large logits neither overflow nor give log(0).
import { ConvnetsError } from '../../core/backend.js';
import type { Buf, SoftmaxXentParams } from '../../core/backend.js';
import type { JsArray } from './memory.js';
import { checkKernelParams } from '../../core/params.js';
import { arr } from './memory.js';

function label(kernel: string, labels: JsArray, i: number, classes: number): number {
  const l = labels[i];
  if (!Number.isInteger(l) || l < 0 || l >= classes) {
    throw new ConvnetsError(`${kernel}: label of sample ${i} must be an integer class index in [0, ${classes - 1}], got ${l}`);
  }
  return l;
}

export function softmaxCrossEntropy(p: SoftmaxXentParams, logitsb: Buf, labelsb: Buf, probsb: Buf, lossb: Buf): void {
  const K = 'softmaxCrossEntropy';
  checkKernelParams(K, p);
  const C = p.classes;
  const z = arr(K, 'logits', logitsb, p.n * C), labels = arr(K, 'labels', labelsb, p.n);
  const probs = arr(K, 'probs', probsb, p.n * C), loss = arr(K, 'loss', lossb, p.n);
  for (let i = 0; i < p.n; i++) label(K, labels, i, C); // validate all before writing anything
  for (let i = 0; i < p.n; i++) {
    const l = labels[i];
    let m = -Infinity;
    for (let c = 0; c < C; c++) m = Math.max(m, z[i * C + c]);
    let se = 0;
    for (let c = 0; c < C; c++) se += Math.exp(z[i * C + c] - m);
    const lse = Math.log(se);
    let li = 0;
    for (let c = 0; c < C; c++) {
      const logp = z[i * C + c] - m - lse;
      probs[i * C + c] = Math.exp(logp);
      const t = (c === l ? 1 - p.smoothing : 0) + p.smoothing / C;
      if (t !== 0) li -= t * logp;
    }
    loss[i] = li;
  }
}

export function softmaxCrossEntropyBackward(p: SoftmaxXentParams, probsb: Buf, labelsb: Buf, gradScale: number, dlb: Buf): void {
  const K = 'softmaxCrossEntropyBackward';
  checkKernelParams(K, p);
  const C = p.classes;
  const probs = arr(K, 'probs', probsb, p.n * C), labels = arr(K, 'labels', labelsb, p.n);
  const dl = arr(K, 'dlogits', dlb, p.n * C);
  for (let i = 0; i < p.n; i++) label(K, labels, i, C);
  for (let i = 0; i < p.n; i++) {
    const l = labels[i];
    for (let c = 0; c < C; c++) {
      const t = (c === l ? 1 - p.smoothing : 0) + p.smoothing / C;
      dl[i * C + c] = (probs[i * C + c] - t) * gradScale;
    }
  }
}
