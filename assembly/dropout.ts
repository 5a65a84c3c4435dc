// Dropout mask from the counter-based hash of core/random.ts (bit-identical on every backend).
import { pu, pi, pf, split } from './memory';
import { DROPOUT_LENGTH, DROPOUT_MASK, DROPOUT_SCALE, DROPOUT_SEED, DROPOUT_THRESHOLD } from './abi';

@inline function hash32(seed: i32, index: i32): u32 {
  let h: u32 = <u32>(index * <i32>0x9e3779b1 + seed * <i32>0x85ebca77);
  h ^= h >>> 16;
  h *= 0x85ebca6b;
  h ^= h >>> 13;
  h *= 0xc2b2ae35;
  h ^= h >>> 16;
  return h;
}

// Parameter block: layout 'dropout' of the ABI schema (assembly/abi.ts).
export function dropoutMask(tid: i32, nt: i32): void {
  const mask = pu(DROPOUT_MASK), len = pi(DROPOUT_LENGTH), seed = pi(DROPOUT_SEED), thr = <u32>pi(DROPOUT_THRESHOLD), scale = pf(DROPOUT_SCALE);
  const i0 = split(len, tid, nt), i1 = split(len, tid + 1, nt);
  for (let i = i0; i < i1; i++) {
    store<f32>(mask + (<usize>i << 2), (hash32(seed, i) >>> 8) >= thr ? scale : 0);
  }
}
