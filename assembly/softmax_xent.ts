// Softmax cross-entropy with label smoothing, rows split across threads, reductions in f64. Both
// kernels check the labels: a sample whose label is not an integer in [0, classes) is skipped and the
// smallest such sample index + 1 lands in *status (0 = all good), which the host turns into an error.
import { pu, pi, pf, split } from './memory';
import { SOFTMAX_XENT_CLASSES, SOFTMAX_XENT_DLOGITS, SOFTMAX_XENT_GRAD_SCALE, SOFTMAX_XENT_LABELS, SOFTMAX_XENT_LOGITS,
  SOFTMAX_XENT_LOSS, SOFTMAX_XENT_N, SOFTMAX_XENT_PROBS, SOFTMAX_XENT_SMOOTHING, SOFTMAX_XENT_STATUS } from './abi';

// Parameter block: layout 'softmaxXent' of the ABI schema (assembly/abi.ts).

/** The label of row r as a class index, or -1 (status updated) when it is not one. */
@inline function labelOf(labels: usize, r: i32, K: i32): i32 {
  const l = load<f32>(labels + (<usize>r << 2));
  if (l >= 0 && l < <f32>K && l == Mathf.floor(l)) return <i32>l;
  const st = pu(SOFTMAX_XENT_STATUS);
  let old = atomic.load<i32>(st);
  while ((old == 0 || r + 1 < old) && atomic.cmpxchg<i32>(st, old, r + 1) != old) old = atomic.load<i32>(st);
  return -1;
}

export function xentForward(tid: i32, nt: i32): void {
  const logits = pu(SOFTMAX_XENT_LOGITS), labels = pu(SOFTMAX_XENT_LABELS), probs = pu(SOFTMAX_XENT_PROBS);
  const loss = pu(SOFTMAX_XENT_LOSS);
  const n = pi(SOFTMAX_XENT_N), K = pi(SOFTMAX_XENT_CLASSES), s = <f64>pf(SOFTMAX_XENT_SMOOTHING);
  const r0 = split(n, tid, nt), r1 = split(n, tid + 1, nt);
  for (let r = r0; r < r1; r++) {
    const label = labelOf(labels, r, K);
    if (label < 0) continue;
    const lr = logits + (<usize>(r * K) << 2), pr = probs + (<usize>(r * K) << 2);
    let mx: f64 = -Infinity;
    for (let c = 0; c < K; c++) mx = Math.max(mx, <f64>load<f32>(lr + (<usize>c << 2)));
    let sum: f64 = 0;
    for (let c = 0; c < K; c++) sum += Math.exp(<f64>load<f32>(lr + (<usize>c << 2)) - mx);
    const lse = Math.log(sum);
    let l: f64 = 0;
    for (let c = 0; c < K; c++) {
      const lp = <f64>load<f32>(lr + (<usize>c << 2)) - mx - lse;
      store<f32>(pr + (<usize>c << 2), <f32>Math.exp(lp));
      const t = (c == label ? 1 - s : 0) + s / K;
      if (t != 0) l -= t * lp; // a -inf logit with zero target adds nothing (not 0 * -inf = NaN)
    }
    store<f32>(loss + (<usize>r << 2), <f32>l);
  }
}

export function xentBackward(tid: i32, nt: i32): void {
  const probs = pu(SOFTMAX_XENT_PROBS), labels = pu(SOFTMAX_XENT_LABELS), dl = pu(SOFTMAX_XENT_DLOGITS);
  const n = pi(SOFTMAX_XENT_N), K = pi(SOFTMAX_XENT_CLASSES), s = pf(SOFTMAX_XENT_SMOOTHING), gs = pf(SOFTMAX_XENT_GRAD_SCALE);
  const r0 = split(n, tid, nt), r1 = split(n, tid + 1, nt);
  for (let r = r0; r < r1; r++) {
    const label = labelOf(labels, r, K);
    if (label < 0) continue;
    for (let c = 0; c < K; c++) {
      const o = <usize>(r * K + c) << 2;
      const t = (c == label ? <f32>1 - s : <f32>0) + s / <f32>K;
      store<f32>(dl + o, (load<f32>(probs + o) - t) * gs);
    }
  }
}
