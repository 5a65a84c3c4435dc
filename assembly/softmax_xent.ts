// Softmax cross-entropy with label smoothing, rows split across threads, reductions in f64.
import { pu, pi, pf, split } from './memory';

// Params: 0 logits|probs, 1 labels, 2 probs|dlogits, 3 loss; 16 n, 17 classes, 18 smoothing, 19 gradScale.
export function xentForward(tid: i32, nt: i32): void {
  const logits = pu(0), labels = pu(1), probs = pu(2), loss = pu(3);
  const n = pi(16), K = pi(17), s = <f64>pf(18);
  const r0 = split(n, tid, nt), r1 = split(n, tid + 1, nt);
  for (let r = r0; r < r1; r++) {
    const lr = logits + (<usize>(r * K) << 2), pr = probs + (<usize>(r * K) << 2);
    let mx: f64 = -Infinity;
    for (let c = 0; c < K; c++) mx = Math.max(mx, <f64>load<f32>(lr + (<usize>c << 2)));
    let sum: f64 = 0;
    for (let c = 0; c < K; c++) sum += Math.exp(<f64>load<f32>(lr + (<usize>c << 2)) - mx);
    const lse = Math.log(sum);
    const label = <i32>load<f32>(labels + (<usize>r << 2));
    let l: f64 = 0;
    for (let c = 0; c < K; c++) {
      const lp = <f64>load<f32>(lr + (<usize>c << 2)) - mx - lse;
      store<f32>(pr + (<usize>c << 2), <f32>Math.exp(lp));
      const t = (c == label ? 1 - s : 0) + s / K;
      l -= t * lp;
    }
    store<f32>(loss + (<usize>r << 2), <f32>l);
  }
}

export function xentBackward(tid: i32, nt: i32): void {
  const probs = pu(0), labels = pu(1), dl = pu(2);
  const n = pi(16), K = pi(17), s = pf(18), gs = pf(19);
  const r0 = split(n, tid, nt), r1 = split(n, tid + 1, nt);
  for (let r = r0; r < r1; r++) {
    const label = <i32>load<f32>(labels + (<usize>r << 2));
    for (let c = 0; c < K; c++) {
      const o = <usize>(r * K + c) << 2;
      const t = (c == label ? <f32>1 - s : <f32>0) + s / <f32>K;
      store<f32>(dl + o, (load<f32>(probs + o) - t) * gs);
    }
  }
}
