// Indirect GEMM (XNNPACK's idea, NHWC): C[m, j] = sum over taps t, k of A_t[m][k] * B[t][k][j], where
// A_t[m] is a pointer per (output row, tap) into the input, or into a zero row for padding. No im2col
// copy: a 4x8 register tile of C accumulates over all taps. Weights are packed into 8-column panels
// [bias(8) | tap | k | 8 lanes], cheap enough to redo every training step.
//
// Parameter block: layout 'conv' of the ABI schema (assembly/abi.ts, generated).
import { pu, pi, split, madd, store8N } from './memory';
import { actVec, actScalar, actNeedsScalar } from './activation';
import { GEMM_MODE_CONV_FORWARD, GEMM_MODE_CONV_BACKWARD_DATA, GEMM_MODE_DIRECT_FORWARD, GEMM_MODE_DIRECT_BACKWARD_DATA,
  GEMM_MODE_ROW_TAP_FORWARD, CONV_A, CONV_ACTIVATION, CONV_BIAS, CONV_C, CONV_DB, CONV_DILATION_H, CONV_DILATION_W, CONV_DWT, CONV_GROUPS, CONV_HAS_BIAS, CONV_IN_C, CONV_IN_H, CONV_IN_W, CONV_K_H, CONV_K_W, CONV_MODE, CONV_N, CONV_NTU, CONV_OUT_C, CONV_OUT_H, CONV_OUT_W, CONV_PACK, CONV_PAD_LEFT, CONV_PAD_TOP, CONV_SCR, CONV_SCR_T, CONV_STRIDE_H, CONV_STRIDE_W, CONV_W, CONV_ZERO, ACTIVATION_NONE } from './abi';

// Modes (enum gemmMode): conv forward (indirect over x), conv backward data (indirect over dy), direct
// forward (rows of A = x, stride inC), direct backward data (rows of A = dy, stride outC), row-tap forward
// (stems). `mode >= GEMM_MODE_DIRECT_FORWARD` reads 'direct' only where row-tap was mapped away first.
const MB: i32 = 32; // rows per pointer block (multiple of 4)

/** 4x8 tile: rows' pointer tables at pt0..pt3 (KK u32 each), K inner steps per tap. */
function tile4x8(pt0: usize, pt1: usize, pt2: usize, pt3: usize, KK: i32, K: i32, goff: usize,
  b: usize, c: usize, ldcB: usize, rows: i32, ncols: i32, act: i32): void {
  let c00 = v128.load(b), c01 = v128.load(b, 16);
  let c10 = c00, c11 = c01, c20 = c00, c21 = c01, c30 = c00, c31 = c01;
  let bp = b + 32;
  const zero = pu(CONV_ZERO) + goff;
  const tapB = <usize>K << 5;
  for (let t = 0; t < KK; t++) {
    const to = <usize>t << 2;
    let a0 = <usize>load<u32>(pt0 + to) + goff;
    let a1 = <usize>load<u32>(pt1 + to) + goff;
    let a2 = <usize>load<u32>(pt2 + to) + goff;
    let a3 = <usize>load<u32>(pt3 + to) + goff;
    // A tap that reaches no row of the tile (padding; strided backward data) contributes nothing.
    if (a0 == zero && a1 == zero && a2 == zero && a3 == zero) { bp += tapB; continue; }
    for (let k = 0; k < K; k++) {
      const b0 = v128.load(bp), b1 = v128.load(bp, 16);
      let va = v128.load32_splat(a0);
      c00 = madd(va, b0, c00); c01 = madd(va, b1, c01);
      va = v128.load32_splat(a1);
      c10 = madd(va, b0, c10); c11 = madd(va, b1, c11);
      va = v128.load32_splat(a2);
      c20 = madd(va, b0, c20); c21 = madd(va, b1, c21);
      va = v128.load32_splat(a3);
      c30 = madd(va, b0, c30); c31 = madd(va, b1, c31);
      a0 += 4; a1 += 4; a2 += 4; a3 += 4; bp += 32;
    }
  }
  if (act != ACTIVATION_NONE) {
    c00 = actVec(c00, act); c01 = actVec(c01, act); c10 = actVec(c10, act); c11 = actVec(c11, act);
    c20 = actVec(c20, act); c21 = actVec(c21, act); c30 = actVec(c30, act); c31 = actVec(c31, act);
  }
  store8N(c, c00, c01, ncols);
  if (rows > 1) store8N(c + ldcB, c10, c11, ncols);
  if (rows > 2) store8N(c + 2 * ldcB, c20, c21, ncols);
  if (rows > 3) store8N(c + 3 * ldcB, c30, c31, ncols);
  if (actNeedsScalar(act)) {
    for (let i = 0; i < rows; i++) {
      const r = c + <usize>i * ldcB;
      for (let j = 0; j < ncols; j++) {
        const q = r + (<usize>j << 2);
        store<f32>(q, actScalar(load<f32>(q), act));
      }
    }
  }
}

/** Fills pointer rows [m0, m0+cnt) x KK taps at pt according to the mode. */
function buildPointers(mode: i32, m0: i32, cnt: i32, pt: usize, KK: i32): void {
  const A = pu(CONV_A), zero = pu(CONV_ZERO);
  const inH = pi(CONV_IN_H), inW = pi(CONV_IN_W), inC = pi(CONV_IN_C), outH = pi(CONV_OUT_H), outW = pi(CONV_OUT_W), outC = pi(CONV_OUT_C);
  if (mode == GEMM_MODE_DIRECT_FORWARD || mode == GEMM_MODE_DIRECT_BACKWARD_DATA) {
    const ld = <usize>(mode == GEMM_MODE_DIRECT_FORWARD ? inC : outC) << 2;
    for (let i = 0; i < cnt; i++) store<u32>(pt + (<usize>i << 2), <u32>(A + <usize>(m0 + i) * ld));
    return;
  }
  const kH = pi(CONV_K_H), kW = pi(CONV_K_W), sH = pi(CONV_STRIDE_H), sW = pi(CONV_STRIDE_W), pT = pi(CONV_PAD_TOP), pL = pi(CONV_PAD_LEFT);
  const dH = pi(CONV_DILATION_H), dW = pi(CONV_DILATION_W);
  if (mode == GEMM_MODE_ROW_TAP_FORWARD) {
    // Row-merged taps (dilation-1 rows, few channels): one tap per kernel row covering kW*inC contiguous
    // floats; windows cut by the left/right border are staged, zero-padded, after the pointer table.
    const hw = outH * outW;
    const segF = kW * inC;
    const stage = pt + (<usize>(MB * KK) << 2);
    for (let i = 0; i < cnt; i++) {
      const m = m0 + i;
      const n = m / hw, r = m - n * hw, oh = r / outW, ow = r - oh * outW;
      const iw0 = ow * sW - pL;
      const inside = iw0 >= 0 && iw0 + kW <= inW;
      for (let kh = 0; kh < kH; kh++) {
        const ih = oh * sH - pT + kh * dH;
        let p = zero;
        if (ih >= 0 && ih < inH) {
          const rowp = A + (<usize>((n * inH + ih) * inW) * <usize>inC << 2);
          if (inside) p = rowp + (<usize>(iw0 * inC) << 2);
          else {
            p = stage + (<usize>((i * kH + kh) * segF) << 2);
            for (let kw = 0; kw < kW; kw++) {
              const iw = iw0 + kw;
              const d = p + (<usize>(kw * inC) << 2);
              if (iw >= 0 && iw < inW) memory.copy(d, rowp + (<usize>(iw * inC) << 2), <usize>inC << 2);
              else memory.fill(d, 0, <usize>inC << 2);
            }
          }
        }
        store<u32>(pt + (<usize>(i * KK + kh) << 2), <u32>p);
      }
    }
    return;
  }
  if (mode == GEMM_MODE_CONV_FORWARD) {
    const hw = outH * outW;
    for (let i = 0; i < cnt; i++) {
      const m = m0 + i;
      const n = m / hw, r = m - n * hw, oh = r / outW, ow = r - oh * outW;
      const row = pt + <usize>(i * KK) * 4;
      for (let kh = 0; kh < kH; kh++) {
        const ih = oh * sH - pT + kh * dH;
        for (let kw = 0; kw < kW; kw++) {
          const iw = ow * sW - pL + kw * dW;
          let p = zero;
          if (ih >= 0 && ih < inH && iw >= 0 && iw < inW) p = A + (<usize>((n * inH + ih) * inW + iw) * <usize>inC << 2);
          store<u32>(row + (<usize>(kh * kW + kw) << 2), <u32>p);
        }
      }
    }
  } else {
    const hw = inH * inW;
    for (let i = 0; i < cnt; i++) {
      const m = m0 + i;
      const n = m / hw, r = m - n * hw, ih = r / inW, iw = r - ih * inW;
      const row = pt + <usize>(i * KK) * 4;
      for (let kh = 0; kh < kH; kh++) {
        const th = ih + pT - kh * dH;
        const oh = th / sH;
        const okh = th >= 0 && oh * sH == th && oh < outH;
        for (let kw = 0; kw < kW; kw++) {
          const tw = iw + pL - kw * dW;
          const ow = tw / sW;
          let p = zero;
          if (okh && tw >= 0 && ow * sW == tw && ow < outW) p = A + (<usize>((n * outH + oh) * outW + ow) * <usize>outC << 2);
          store<u32>(row + (<usize>(kh * kW + kw) << 2), <u32>p);
        }
      }
    }
  }
}

/** The driver behind conv forward, conv backward data, pointwise and dense. */
export function igemm(tid: i32, nt: i32): void {
  const mode = pi(CONV_MODE);
  const G = pi(CONV_GROUPS), inC = pi(CONV_IN_C), outC = pi(CONV_OUT_C);
  const cpg = inC / G, opg = outC / G;
  // Mode 4 (row-merged forward) has the packing of mode 0 read as kH taps of kW*cpg.
  const KK = mode == GEMM_MODE_ROW_TAP_FORWARD ? pi(CONV_K_H) : mode >= GEMM_MODE_DIRECT_FORWARD ? 1 : pi(CONV_K_H) * pi(CONV_K_W);
  const fwd = mode == GEMM_MODE_CONV_FORWARD || mode == GEMM_MODE_DIRECT_FORWARD || mode == GEMM_MODE_ROW_TAP_FORWARD;
  const K = mode == GEMM_MODE_ROW_TAP_FORWARD ? pi(CONV_K_W) * cpg : fwd ? cpg : opg;
  const ncolsG = fwd ? opg : cpg;
  const ldc = fwd ? outC : inC;
  const M = fwd ? pi(CONV_N) * pi(CONV_OUT_H) * pi(CONV_OUT_W) : pi(CONV_N) * pi(CONV_IN_H) * pi(CONV_IN_W);
  const NB = (ncolsG + 7) >> 3;
  const BF = 8 + KK * K * 8;
  const pack = pu(CONV_PACK), C = pu(CONV_C);
  const act = fwd ? pi(CONV_ACTIVATION) : 0;
  const pt = pu(CONV_SCR) + <usize>tid * pu(CONV_SCR_T);
  const ptStride = <usize>KK << 2;
  const ldcB = <usize>ldc << 2;
  const nMB = (M + MB - 1) / MB;
  const panels = G * NB;
  // Split row blocks when they divide evenly or are plenty; otherwise (7x7 and 14x14 maps, dense at
  // batch 1) split (row block, column panel) items, which balances to within one panel.
  const byRows = nt == 1 || (nMB % nt == 0 && nMB >= nt) || nMB >= 8 * nt;
  const items = byRows ? nMB : nMB * panels;
  const i0 = split(items, tid, nt), i1 = split(items, tid + 1, nt);
  let lastMb = -1;
  for (let it = i0; it < i1; it++) {
    const mb = byRows ? it : it / panels;
    const p0 = byRows ? 0 : it - mb * panels;
    const p1 = byRows ? panels : p0 + 1;
    const m0 = mb * MB;
    const cnt = min(MB, M - m0);
    if (mb != lastMb) { buildPointers(mode, m0, cnt, pt, KK); lastMb = mb; }
    for (let p = p0; p < p1; p++) {
      const g = p / NB, jb = p - g * NB;
      const b = pack + (<usize>p * <usize>BF << 2);
      const ncols = min(8, ncolsG - jb * 8);
      const goff = <usize>(g * K) << 2;
      const cbase = C + (<usize>(g * ncolsG + jb * 8) << 2);
      for (let i = 0; i < cnt; i += 4) {
        const rows = min(4, cnt - i);
        const r0 = pt + <usize>i * ptStride;
        const r1 = rows > 1 ? r0 + ptStride : r0;
        const r2 = rows > 2 ? r0 + 2 * ptStride : r0;
        const r3 = rows > 3 ? r0 + 3 * ptStride : r0;
        tile4x8(r0, r1, r2, r3, KK, K, goff, b, cbase + <usize>(m0 + i) * ldcB, ldcB, rows, ncols, act);
      }
    }
  }
}

/**
 * Packs weights for igemm. Forward (dir 0): panels over output channels, inner (tap, in-channel).
 * Backward data (dir 1): panels over input channels, inner (tap, out-channel).
 */
export function igemmPack(tid: i32, nt: i32): void {
  const mode = pi(CONV_MODE) == GEMM_MODE_ROW_TAP_FORWARD ? GEMM_MODE_CONV_FORWARD : pi(CONV_MODE);
  const fwd = mode == GEMM_MODE_CONV_FORWARD || mode == GEMM_MODE_DIRECT_FORWARD;
  const G = pi(CONV_GROUPS), inC = pi(CONV_IN_C), outC = pi(CONV_OUT_C);
  const cpg = inC / G, opg = outC / G;
  const KK = mode >= GEMM_MODE_DIRECT_FORWARD ? 1 : pi(CONV_K_H) * pi(CONV_K_W);
  const K = fwd ? cpg : opg;
  const ncolsG = fwd ? opg : cpg;
  const NB = (ncolsG + 7) >> 3;
  const BF = 8 + KK * K * 8;
  const W = pu(CONV_W), bias = pu(CONV_BIAS), pack = pu(CONV_PACK);
  const hasB = fwd && pi(CONV_HAS_BIAS) != 0;
  const panels = G * NB;
  const p0 = split(panels, tid, nt), p1 = split(panels, tid + 1, nt);
  const wRow = KK * cpg; // floats per output channel in OHWI
  for (let p = p0; p < p1; p++) {
    const g = p / NB, jb = p - g * NB;
    const b = pack + (<usize>p * <usize>BF << 2);
    const ncols = min(8, ncolsG - jb * 8);
    for (let j = 0; j < 8; j++) {
      store<f32>(b + (<usize>j << 2), hasB && j < ncols ? load<f32>(bias + (<usize>(g * opg + jb * 8 + j) << 2)) : 0);
    }
    let q = b + 32;
    if (fwd) {
      for (let t = 0; t < KK; t++) {
        for (let k = 0; k < K; k++) {
          for (let j = 0; j < 8; j++) {
            let v: f32 = 0;
            if (j < ncols) v = load<f32>(W + (<usize>((g * opg + jb * 8 + j) * wRow + t * cpg + k) << 2));
            store<f32>(q, v); q += 4;
          }
        }
      }
    } else {
      for (let t = 0; t < KK; t++) {
        for (let k = 0; k < K; k++) {
          const src = W + (<usize>((g * opg + k) * wRow + t * cpg + jb * 8) << 2);
          for (let j = 0; j < 8; j++) {
            store<f32>(q, j < ncols ? load<f32>(src + (<usize>j << 2)) : 0); q += 4;
          }
        }
      }
    }
  }
}

/** Packed-weight floats for a conv in the given mode (host computes the same to size scratch). */
export function igemmPackedFloats(): i32 {
  const mode = pi(CONV_MODE) == GEMM_MODE_ROW_TAP_FORWARD ? GEMM_MODE_CONV_FORWARD : pi(CONV_MODE);
  const fwd = mode == GEMM_MODE_CONV_FORWARD || mode == GEMM_MODE_DIRECT_FORWARD;
  const G = pi(CONV_GROUPS), cpg = pi(CONV_IN_C) / G, opg = pi(CONV_OUT_C) / G;
  const KK = mode >= GEMM_MODE_DIRECT_FORWARD ? 1 : pi(CONV_K_H) * pi(CONV_K_W);
  const K = fwd ? cpg : opg, ncolsG = fwd ? opg : cpg;
  return G * ((ncolsG + 7) >> 3) * (8 + KK * K * 8);
}

// ---- backward filter ---------------------------------------------------------------------------------
// dW^T[(tap, c), o] = sum_m x[ptr(m, tap) + c] * dy[m, o]: a GEMM whose reduction runs over output
// pixels m. Threads split m; each packs its rows chunk by chunk into contiguous panels (x: 4 channels
// per row per tap, dy: 8 outputs per row), then runs 4x8 register tiles over the panels into its own
// partial dW^T tiles. The finish kernel adds the threads' partials and scatters into OHWI.
const MC: i32 = 64;

export function convBwdFilter(tid: i32, nt: i32): void {
  const mode = pi(CONV_MODE); // 0 indirect (conv), 2 direct rows (pointwise/dense)
  const G = pi(CONV_GROUPS), inC = pi(CONV_IN_C), outC = pi(CONV_OUT_C);
  const cpg = inC / G, opg = outC / G;
  const KK = mode >= GEMM_MODE_DIRECT_FORWARD ? 1 : pi(CONV_K_H) * pi(CONV_K_W);
  const cB = (cpg + 3) >> 2, oB = (opg + 7) >> 3;
  const T = G * KK * cB * oB;
  const M = pi(CONV_N) * pi(CONV_OUT_H) * pi(CONV_OUT_W);
  const dy = pu(CONV_C);
  const perT = (<usize>T << 7) + (<usize>(G * oB) << 5);
  const acc0 = pu(CONV_DWT) + <usize>tid * perT;
  const bacc = acc0 + (<usize>T << 7);
  const hasB = pi(CONV_HAS_BIAS) != 0;
  const pt = pu(CONV_SCR) + <usize>tid * pu(CONV_SCR_T);
  const xpack = pt + (<usize>(MC * KK) << 2);
  const dpack = xpack + (<usize>(KK * cB * MC) << 4);
  // Tiles start from zero in the thread's first chunk (no fill, no load); only bias partials are cleared.
  memory.fill(bacc, 0, perT - (<usize>T << 7));
  const nChunks = (M + MC - 1) / MC;
  const k0 = split(nChunks, tid, nt), k1 = split(nChunks, tid + 1, nt);
  const ldyB = <usize>outC << 2;
  for (let k = k0; k < k1; k++) {
    const m0 = k * MC;
    const cnt = min(MC, M - m0);
    buildPointers(mode, m0, cnt, pt, KK);
    for (let g = 0; g < G; g++) {
      // Pack x panels [tap][cb][row][4] and dy panels [ob][row][8].
      for (let tap = 0; tap < KK; tap++) {
        for (let cb = 0; cb < cB; cb++) {
          const coff = <usize>(g * cpg + cb * 4) << 2;
          const dst = xpack + (<usize>((tap * cB + cb) * MC) << 4);
          for (let i = 0; i < cnt; i++) {
            v128.store(dst + (<usize>i << 4), v128.load(<usize>load<u32>(pt + (<usize>(i * KK + tap) << 2)) + coff));
          }
        }
      }
      for (let ob = 0; ob < oB; ob++) {
        const src = dy + <usize>m0 * ldyB + (<usize>(g * opg + ob * 8) << 2);
        const dst = dpack + (<usize>(ob * MC) << 5);
        let s0 = f32x4.splat(0), s1 = s0;
        for (let i = 0; i < cnt; i++) {
          const q = src + <usize>i * ldyB;
          const v0 = v128.load(q), v1 = v128.load(q, 16);
          v128.store(dst + (<usize>i << 5), v0);
          v128.store(dst + (<usize>i << 5), v1, 16);
          s0 = f32x4.add(s0, v0); s1 = f32x4.add(s1, v1);
        }
        if (hasB) {
          const bq = bacc + (<usize>(g * oB + ob) << 5);
          v128.store(bq, f32x4.add(v128.load(bq), s0));
          v128.store(bq, f32x4.add(v128.load(bq, 16), s1), 16);
        }
      }
      for (let tc = 0; tc < KK * cB; tc++) {
        const xa = xpack + (<usize>(tc * MC) << 4);
        for (let ob = 0; ob < oB; ob++) {
          const acc = acc0 + (<usize>((g * KK * cB + tc) * oB + ob) << 7);
          let c00 = f32x4.splat(0), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00;
          if (k != k0) {
            c00 = v128.load(acc); c01 = v128.load(acc, 16); c10 = v128.load(acc, 32); c11 = v128.load(acc, 48);
            c20 = v128.load(acc, 64); c21 = v128.load(acc, 80); c30 = v128.load(acc, 96); c31 = v128.load(acc, 112);
          }
          let ap = xa, bp = dpack + (<usize>(ob * MC) << 5);
          for (let i = 0; i < cnt; i++) {
            // Broadcast loads (load ports) rather than lane shuffles (which compete with the FP pipes).
            const b0 = v128.load(bp), b1 = v128.load(bp, 16);
            let sv = v128.load32_splat(ap);
            c00 = madd(sv, b0, c00); c01 = madd(sv, b1, c01);
            sv = v128.load32_splat(ap, 4);
            c10 = madd(sv, b0, c10); c11 = madd(sv, b1, c11);
            sv = v128.load32_splat(ap, 8);
            c20 = madd(sv, b0, c20); c21 = madd(sv, b1, c21);
            sv = v128.load32_splat(ap, 12);
            c30 = madd(sv, b0, c30); c31 = madd(sv, b1, c31);
            ap += 16; bp += 32;
          }
          v128.store(acc, c00); v128.store(acc, c01, 16); v128.store(acc, c10, 32); v128.store(acc, c11, 48);
          v128.store(acc, c20, 64); v128.store(acc, c21, 80); v128.store(acc, c30, 96); v128.store(acc, c31, 112);
        }
      }
    }
  }
}

/** Per-thread scratch bytes convBwdFilter needs (host sizes scratch with the same formula). */
export function convBwdFilterScratch(): i32 {
  const mode = pi(CONV_MODE);
  const G = pi(CONV_GROUPS), cpg = pi(CONV_IN_C) / G, opg = pi(CONV_OUT_C) / G;
  const KK = mode >= GEMM_MODE_DIRECT_FORWARD ? 1 : pi(CONV_K_H) * pi(CONV_K_W);
  return MC * KK * 4 + KK * ((cpg + 3) >> 2) * MC * 16 + ((opg + 7) >> 3) * MC * 32;
}

/** Adds the threads' partial tiles and scatters them into dw [outC, kH, kW, cpg]; dbias likewise. */
export function convBwdFilterFinish(tid: i32, nt: i32): void {
  const mode = pi(CONV_MODE);
  const G = pi(CONV_GROUPS), inC = pi(CONV_IN_C), outC = pi(CONV_OUT_C);
  const cpg = inC / G, opg = outC / G;
  const KK = mode >= GEMM_MODE_DIRECT_FORWARD ? 1 : pi(CONV_K_H) * pi(CONV_K_W);
  const cB = (cpg + 3) >> 2, oB = (opg + 7) >> 3;
  const T = G * KK * cB * oB;
  const dw = pu(CONV_W), dwt = pu(CONV_DWT), db = pu(CONV_DB);
  const hasB = pi(CONV_HAS_BIAS) != 0;
  const ntu = pi(CONV_NTU);
  const perT = (<usize>T << 7) + (<usize>(G * oB) << 5);
  const t0 = split(T, tid, nt), t1 = split(T, tid + 1, nt);
  for (let t = t0; t < t1; t++) {
    const tile = dwt + (<usize>t << 7);
    for (let u = 1; u < ntu; u++) {
      const q = tile + <usize>u * perT;
      for (let j: usize = 0; j < 128; j += 16) v128.store(tile + j, f32x4.add(v128.load(tile + j), v128.load(q + j)));
    }
    let r = t;
    const ob = r % oB; r /= oB;
    const cb = r % cB; r /= cB;
    const tap = r % KK; const g = r / KK;
    const nc = min(4, cpg - cb * 4), no = min(8, opg - ob * 8);
    for (let j = 0; j < no; j++) {
      const o = g * opg + ob * 8 + j;
      const dst = dw + (<usize>((o * KK + tap) * cpg + cb * 4) << 2);
      for (let ci = 0; ci < nc; ci++) store<f32>(dst + (<usize>ci << 2), load<f32>(tile + (<usize>(ci * 8 + j) << 2)));
    }
  }
  if (hasB) {
    const o0 = split(outC, tid, nt), o1 = split(outC, tid + 1, nt);
    for (let o = o0; o < o1; o++) {
      const g = o / opg, ol = o - g * opg;
      const q = dwt + (<usize>T << 7) + (<usize>((g * oB + (ol >> 3)) * 8 + (ol & 7)) << 2);
      let v: f32 = 0;
      for (let u = 0; u < ntu; u++) v += load<f32>(q + <usize>u * perT);
      store<f32>(db + (<usize>o << 2), v);
    }
  }
}

/**
 * Dense / pointwise filter gradient for few rows (dense layers: rows = batch): dw[o, :] += dy[m, o] * x[m, :],
 * an outer-product update per row with the dw row hot in L1; threads split output channels.
 */
export function denseBwdFilterSmall(tid: i32, nt: i32): void {
  const inC = pi(CONV_IN_C), outC = pi(CONV_OUT_C);
  const M = pi(CONV_N) * pi(CONV_OUT_H) * pi(CONV_OUT_W);
  const x = pu(CONV_A), dy = pu(CONV_C), dw = pu(CONV_W), db = pu(CONV_DB);
  const hasB = pi(CONV_HAS_BIAS) != 0;
  const o0 = split(outC, tid, nt), o1 = split(outC, tid + 1, nt);
  const rowB = <usize>inC << 2;
  for (let o = o0; o < o1; o++) {
    const wr = dw + <usize>o * rowB;
    memory.fill(wr, 0, rowB);
    let bs: f32 = 0;
    let m = 0;
    // Four rows per sweep: one load and one store of the dw row per four multiply-adds.
    for (; m + 4 <= M; m += 4) {
      const g0 = load<f32>(dy + (<usize>(m * outC + o) << 2)), g1 = load<f32>(dy + (<usize>((m + 1) * outC + o) << 2));
      const g2 = load<f32>(dy + (<usize>((m + 2) * outC + o) << 2)), g3 = load<f32>(dy + (<usize>((m + 3) * outC + o) << 2));
      bs += g0 + g1 + g2 + g3;
      const v0 = f32x4.splat(g0), v1 = f32x4.splat(g1), v2 = f32x4.splat(g2), v3 = f32x4.splat(g3);
      const x0 = x + <usize>m * rowB, x1 = x0 + rowB, x2 = x1 + rowB, x3 = x2 + rowB;
      let i = 0;
      for (; i + 4 <= inC; i += 4) {
        const q = <usize>i << 2;
        let acc = v128.load(wr + q);
        acc = madd(v0, v128.load(x0 + q), acc);
        acc = madd(v1, v128.load(x1 + q), acc);
        acc = madd(v2, v128.load(x2 + q), acc);
        acc = madd(v3, v128.load(x3 + q), acc);
        v128.store(wr + q, acc);
      }
      for (; i < inC; i++) {
        const q = <usize>i << 2;
        store<f32>(wr + q, load<f32>(wr + q) + g0 * load<f32>(x0 + q) + g1 * load<f32>(x1 + q) + g2 * load<f32>(x2 + q) + g3 * load<f32>(x3 + q));
      }
    }
    for (; m < M; m++) {
      const g = load<f32>(dy + (<usize>(m * outC + o) << 2));
      bs += g;
      const gv = f32x4.splat(g);
      const xr = x + <usize>m * rowB;
      let i = 0;
      for (; i + 4 <= inC; i += 4) {
        const q = <usize>i << 2;
        v128.store(wr + q, madd(gv, v128.load(xr + q), v128.load(wr + q)));
      }
      for (; i < inC; i++) {
        const q = <usize>i << 2;
        store<f32>(wr + q, load<f32>(wr + q) + g * load<f32>(xr + q));
      }
    }
    if (hasB) store<f32>(db + (<usize>o << 2), bs);
  }
}
