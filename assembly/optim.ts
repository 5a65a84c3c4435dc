// Optimiser updates as kernels, so parameters never leave the backend during training.
import { pu, pi, pf, split } from './memory';
import { ADAMW_BC1, ADAMW_BETA1, ADAMW_BETA2, ADAMW_EPS, ADAMW_GRAD, ADAMW_LENGTH, ADAMW_LR, ADAMW_M, ADAMW_PARAM, ADAMW_SQRT_BC2, ADAMW_V, ADAMW_WEIGHT_DECAY, SGD_GRAD, SGD_LENGTH, SGD_LR, SGD_MOMENTUM, SGD_NESTEROV, SGD_PARAM, SGD_VELOCITY, SGD_WEIGHT_DECAY } from './abi';

// Parameter block: layout 'sgd' of the ABI schema (assembly/abi.ts).
export function sgdUpdate(tid: i32, nt: i32): void {
  const p = pu(SGD_PARAM), g = pu(SGD_GRAD), v = pu(SGD_VELOCITY), len = pi(SGD_LENGTH);
  const lr = pf(SGD_LR), mom = pf(SGD_MOMENTUM), wd = pf(SGD_WEIGHT_DECAY), nest = pi(SGD_NESTEROV) != 0;
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

// Parameter block: layout 'adamw' of the ABI schema (assembly/abi.ts).
export function adamwUpdate(tid: i32, nt: i32): void {
  const p = pu(ADAMW_PARAM), g = pu(ADAMW_GRAD), m = pu(ADAMW_M), v = pu(ADAMW_V), len = pi(ADAMW_LENGTH);
  const lr = pf(ADAMW_LR), b1 = pf(ADAMW_BETA1), b2 = pf(ADAMW_BETA2), eps = pf(ADAMW_EPS), wd = pf(ADAMW_WEIGHT_DECAY), bc1 = pf(ADAMW_BC1), sbc2 = pf(ADAMW_SQRT_BC2);
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
