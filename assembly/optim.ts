// Optimiser updates as kernels, so parameters never leave the backend during training.
import { pu, pi, pf, split } from './memory';

// SGD params: 0 param, 1 grad, 2 velocity; 16 length, 17 lr, 18 momentum, 19 weightDecay, 20 nesterov.
export function sgdUpdate(tid: i32, nt: i32): void {
  const p = pu(0), g = pu(1), v = pu(2), len = pi(16);
  const lr = pf(17), mom = pf(18), wd = pf(19), nest = pi(20) != 0;
  const i0 = split(len, tid, nt), i1 = split(len, tid + 1, nt);
  for (let i = i0; i < i1; i++) {
    const o = <usize>i << 2;
    const w = load<f32>(p + o);
    const gi = load<f32>(g + o) + wd * w;
    const vi = mom * load<f32>(v + o) + gi;
    store<f32>(v + o, vi);
    store<f32>(p + o, w - lr * (nest ? gi + mom * vi : vi));
  }
}

// AdamW params: 0 param, 1 grad, 2 m, 3 v; 16 length, 17 lr, 18 beta1, 19 beta2, 20 eps, 21 weightDecay,
// 22 bias correction 1 (1 - beta1^t), 23 sqrt of bias correction 2.
export function adamwUpdate(tid: i32, nt: i32): void {
  const p = pu(0), g = pu(1), m = pu(2), v = pu(3), len = pi(16);
  const lr = pf(17), b1 = pf(18), b2 = pf(19), eps = pf(20), wd = pf(21), bc1 = pf(22), sbc2 = pf(23);
  const i0 = split(len, tid, nt), i1 = split(len, tid + 1, nt);
  const decay = <f32>1 - lr * wd, step = lr / bc1;
  for (let i = i0; i < i1; i++) {
    const o = <usize>i << 2;
    const gi = load<f32>(g + o);
    const mi = b1 * load<f32>(m + o) + (<f32>1 - b1) * gi;
    const vi = b2 * load<f32>(v + o) + (<f32>1 - b2) * gi * gi;
    store<f32>(m + o, mi);
    store<f32>(v + o, vi);
    store<f32>(p + o, load<f32>(p + o) * decay - step * mi / (Mathf.sqrt(vi) / sbc2 + eps));
  }
}
