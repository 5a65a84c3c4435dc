// Batch norm over the channel axis of [rows, c]. Statistics passes split channels across threads and
// accumulate in f64; the per-element pass is one affine map out = a[c]*u + b[c]*v + d[c] split by rows.
import { pu, pi, pf, split, madd, storeN } from './memory';
import { BATCH_NORM_BETA, BATCH_NORM_C, BATCH_NORM_DBETA, BATCH_NORM_DGAMMA, BATCH_NORM_DY, BATCH_NORM_EPS, BATCH_NORM_GAMMA, BATCH_NORM_MEAN, BATCH_NORM_MOMENTUM, BATCH_NORM_OUT, BATCH_NORM_ROWS, BATCH_NORM_SAVE_INV_STD, BATCH_NORM_SAVE_MEAN, BATCH_NORM_SCR, BATCH_NORM_TRAIN, BATCH_NORM_U, BATCH_NORM_USE_V, BATCH_NORM_V, BATCH_NORM_VARIANCE, BATCH_NORM_X } from './abi';

// Parameter block: layout 'batchNorm' of the ABI schema (assembly/abi.ts).
@inline function cpad(c: i32): i32 { return (c + 7) & ~7; }

@inline function coefA(scr: usize, Cp: i32): usize { return scr + (<usize>Cp << 4); }
@inline function coefB(scr: usize, Cp: i32): usize { return scr + (<usize>Cp << 4) + (<usize>Cp << 2); }
@inline function coefD(scr: usize, Cp: i32): usize { return scr + (<usize>Cp << 4) + (<usize>Cp << 3); }

/** Sums over rows of x (and of (x - mean)^2) for channels [c0, c1) into f64 scratch. */
function channelSums(x: usize, rows: i32, C: i32, c0: i32, c1: i32, s1: usize): void {
  for (let c = c0; c < c1; c++) store<f64>(s1 + (<usize>c << 3), 0);
  for (let r = 0; r < rows; r++) {
    const xr = x + (<usize>(r * C) << 2);
    for (let c = c0; c < c1; c++) {
      const q = s1 + (<usize>c << 3);
      store<f64>(q, load<f64>(q) + <f64>load<f32>(xr + (<usize>c << 2)));
    }
  }
}

/** Training statistics + running-stat update + the affine coefficients of y. Threads split channels. */
export function bnTrainStats(tid: i32, nt: i32): void {
  const x = pu(BATCH_NORM_X), gamma = pu(BATCH_NORM_GAMMA), beta = pu(BATCH_NORM_BETA), rm = pu(BATCH_NORM_MEAN), rv = pu(BATCH_NORM_VARIANCE), sm = pu(BATCH_NORM_SAVE_MEAN), si = pu(BATCH_NORM_SAVE_INV_STD), scr = pu(BATCH_NORM_SCR);
  const rows = pi(BATCH_NORM_ROWS), C = pi(BATCH_NORM_C), eps = <f64>pf(BATCH_NORM_EPS), mom = <f64>pf(BATCH_NORM_MOMENTUM);
  const Cp = cpad(C);
  const c0 = split(C, tid, nt), c1 = split(C, tid + 1, nt);
  if (c0 >= c1) return;
  const s1 = scr, s2 = scr + (<usize>Cp << 3);
  channelSums(x, rows, C, c0, c1, s1);
  for (let c = c0; c < c1; c++) { store<f64>(s1 + (<usize>c << 3), load<f64>(s1 + (<usize>c << 3)) / rows); store<f64>(s2 + (<usize>c << 3), 0); }
  for (let r = 0; r < rows; r++) {
    const xr = x + (<usize>(r * C) << 2);
    for (let c = c0; c < c1; c++) {
      const d = <f64>load<f32>(xr + (<usize>c << 2)) - load<f64>(s1 + (<usize>c << 3));
      const q = s2 + (<usize>c << 3);
      store<f64>(q, load<f64>(q) + d * d);
    }
  }
  const A = coefA(scr, Cp), B = coefB(scr, Cp), D = coefD(scr, Cp);
  for (let c = c0; c < c1; c++) {
    const o = <usize>c << 2;
    const mean = load<f64>(s1 + (<usize>c << 3));
    const v = load<f64>(s2 + (<usize>c << 3)) / rows;
    const inv = 1 / Math.sqrt(v + eps);
    store<f32>(sm + o, <f32>mean);
    store<f32>(si + o, <f32>inv);
    const unbiased = rows > 1 ? v * rows / (rows - 1) : v;
    store<f32>(rm + o, <f32>((1 - mom) * <f64>load<f32>(rm + o) + mom * mean));
    store<f32>(rv + o, <f32>((1 - mom) * <f64>load<f32>(rv + o) + mom * unbiased));
    const a = <f64>load<f32>(gamma + o) * inv;
    store<f32>(A + o, <f32>a);
    store<f32>(B + o, 0);
    store<f32>(D + o, <f32>(<f64>load<f32>(beta + o) - mean * a));
  }
}

/** Inference coefficients from running statistics. */
export function bnInferencePrep(tid: i32, nt: i32): void {
  const gamma = pu(BATCH_NORM_GAMMA), beta = pu(BATCH_NORM_BETA), mean = pu(BATCH_NORM_MEAN), vr = pu(BATCH_NORM_VARIANCE), scr = pu(BATCH_NORM_SCR);
  const C = pi(BATCH_NORM_C), eps = <f64>pf(BATCH_NORM_EPS);
  const Cp = cpad(C);
  const A = coefA(scr, Cp), B = coefB(scr, Cp), D = coefD(scr, Cp);
  const c0 = split(C, tid, nt), c1 = split(C, tid + 1, nt);
  for (let c = c0; c < c1; c++) {
    const o = <usize>c << 2;
    const a = <f64>load<f32>(gamma + o) / Math.sqrt(<f64>load<f32>(vr + o) + eps);
    store<f32>(A + o, <f32>a);
    store<f32>(B + o, 0);
    store<f32>(D + o, <f32>(<f64>load<f32>(beta + o) - <f64>load<f32>(mean + o) * a));
  }
}

/**
 * Backward statistics: dbeta = sum dy, dgamma = sum dy * xhat, and dx's coefficients.
 * Param 20: 1 = training (saved mean / invstd, batch-stat terms), 0 = inference (constant stats).
 */
export function bnBackwardStats(tid: i32, nt: i32): void {
  const x = pu(BATCH_NORM_X), gamma = pu(BATCH_NORM_GAMMA), dy = pu(BATCH_NORM_DY), mp = pu(BATCH_NORM_MEAN), vp = pu(BATCH_NORM_VARIANCE), sm = pu(BATCH_NORM_SAVE_MEAN), si = pu(BATCH_NORM_SAVE_INV_STD), scr = pu(BATCH_NORM_SCR);
  const dg = pu(BATCH_NORM_DGAMMA), dbt = pu(BATCH_NORM_DBETA);
  const rows = pi(BATCH_NORM_ROWS), C = pi(BATCH_NORM_C), eps = <f64>pf(BATCH_NORM_EPS), train = pi(BATCH_NORM_TRAIN) != 0;
  const Cp = cpad(C);
  const c0 = split(C, tid, nt), c1 = split(C, tid + 1, nt);
  if (c0 >= c1) return;
  const s1 = scr, s2 = scr + (<usize>Cp << 3);
  for (let c = c0; c < c1; c++) { store<f64>(s1 + (<usize>c << 3), 0); store<f64>(s2 + (<usize>c << 3), 0); }
  // s1 = sum dy, s2 = sum dy * (x - mean)
  const meanP = train ? sm : mp;
  for (let r = 0; r < rows; r++) {
    const xr = x + (<usize>(r * C) << 2), gr = dy + (<usize>(r * C) << 2);
    for (let c = c0; c < c1; c++) {
      const o = <usize>c << 2;
      const g = <f64>load<f32>(gr + o);
      const q1 = s1 + (<usize>c << 3), q2 = s2 + (<usize>c << 3);
      store<f64>(q1, load<f64>(q1) + g);
      store<f64>(q2, load<f64>(q2) + g * (<f64>load<f32>(xr + o) - <f64>load<f32>(meanP + o)));
    }
  }
  const A = coefA(scr, Cp), B = coefB(scr, Cp), D = coefD(scr, Cp);
  for (let c = c0; c < c1; c++) {
    const o = <usize>c << 2;
    const inv = train ? <f64>load<f32>(si + o) : 1 / Math.sqrt(<f64>load<f32>(vp + o) + eps);
    const mean = <f64>load<f32>(meanP + o);
    const sdy = load<f64>(s1 + (<usize>c << 3));
    const dgamma = load<f64>(s2 + (<usize>c << 3)) * inv;
    store<f32>(dbt + o, <f32>sdy);
    store<f32>(dg + o, <f32>dgamma);
    const gi = <f64>load<f32>(gamma + o) * inv;
    if (train) {
      // dx = gi * (dy - sdy/N - xhat * dgamma/N), xhat = (x - mean) * inv
      const b = -gi * inv * dgamma / rows;
      store<f32>(A + o, <f32>gi);
      store<f32>(B + o, <f32>b);
      store<f32>(D + o, <f32>(-gi * sdy / rows - b * mean));
    } else {
      store<f32>(A + o, <f32>gi);
      store<f32>(B + o, 0);
      store<f32>(D + o, 0);
    }
  }
}

/** out[r, c] = a[c]*u[r, c] + b[c]*v[r, c] + d[c]; threads split rows. */
export function bnApply(tid: i32, nt: i32): void {
  const u = pu(BATCH_NORM_U), v = pu(BATCH_NORM_V), out = pu(BATCH_NORM_OUT), scr = pu(BATCH_NORM_SCR);
  const rows = pi(BATCH_NORM_ROWS), C = pi(BATCH_NORM_C);
  const Cp = cpad(C);
  const A = coefA(scr, Cp), B = coefB(scr, Cp), D = coefD(scr, Cp);
  const useB = pi(BATCH_NORM_USE_V) != 0;
  const r0 = split(rows, tid, nt), r1 = split(rows, tid + 1, nt);
  for (let r = r0; r < r1; r++) {
    const base = <usize>(r * C) << 2;
    for (let c = 0; c < C; c += 4) {
      const o = <usize>c << 2;
      let acc = madd(v128.load(u + base + o), v128.load(A + o), v128.load(D + o));
      if (useB) acc = madd(v128.load(v + base + o), v128.load(B + o), acc);
      storeN(out + base + o, acc, C - c);
    }
  }
}
