// GEMM register tile, written once with vector extensions and compiled per ISA: MR x NV vector
// accumulators stay in registers over the whole k loop (one broadcast of A per row, NV loads of B per
// k, MR*NV FMAs: objdump shows vbroadcastss + vfmadd231ps only). Measured on an AMD EPYC (Zen 4,
// 512-bit ops double-pumped), one core, L2-resident panels: 6x16 AVX2 115.5 GFLOP/s and 6/8/12/14x32
// AVX-512 114-115, against a 117 GFLOP/s FMA peak (bench/cpu-fma-peak.cpp).
#include "isa/simd.h"
#include "isa/gemm.h"
#if defined(__SSE2__)
#include <immintrin.h>  // always-inline intrinsics: nothing here can be merged across ISAs
#endif

namespace cn {
namespace cpu {
namespace CN_ISA {

#if CN_VEC_BYTES == 64
#ifndef CN_GEMM_MR512
#define CN_GEMM_MR512 14
#endif
constexpr int MR = CN_GEMM_MR512, NV = 2;
#elif CN_VEC_BYTES == 32
constexpr int MR = 6, NV = 2;
#else
constexpr int MR = 6, NV = 2;
#endif
constexpr int NR = NV * VL;
// The narrow tile, for layers with few output columns (N <= VL, e.g. the 16-channel convolutions of
// small ResNets): one vector per row and more rows, so no half-empty tile columns. AVX-512 24x16
// (24 of its 32 registers), AVX2 12x8, 128-bit 12x4.
#if CN_VEC_BYTES == 64
constexpr int MR_NARROW = 24;
#else
constexpr int MR_NARROW = 12;
#endif

// x - (+0) is x for every x (signed zeros included), so the compiler folds it to a plain broadcast
// (simd.h's splat adds +0, which it must keep: one extra instruction per row and k here).
static inline vf bcast(float x) { return x - vf{}; }

// The tile's store: C (+)= the accumulators, then (the last K step of a fused layer) + bias and the
// ReLU/ReLU6 clamp while the values are in registers (clamp 1: max(v, 0); 2: min(max(v, 0), 6); NaN -> 0
// as js's x > 0 ? x : 0). Other activations run after the tile (gemm.cpp's epilogue).
template <int MR, int NV>
static inline void store(vf (&s)[MR][NV], float* c, int64_t ldc, int rows, int cols, int acc, const float* bias, int clamp) {
  constexpr int NR = NV * VL;
  const vf zero = vf{}, six = bcast(6.f);
  if (rows == MR && cols == NR) {
    vf bv[NV];
#pragma GCC unroll 4
    for (int v = 0; v < NV; v++) bv[v] = bias ? loadu(bias + v * VL) : vf{};
#pragma GCC unroll 32
    for (int i = 0; i < MR; i++)
#pragma GCC unroll 4
      for (int v = 0; v < NV; v++) {
        float* p = c + i * ldc + v * VL;
        vf r = acc ? loadu(p) + s[i][v] : s[i][v];
        if (bias) r += bv[v];
        if (clamp) {
          r = r > zero ? r : zero;
          if (clamp == 2) r = r < six ? r : six;
        }
        storeu(p, r);
      }
    return;
  }
  for (int i = 0; i < rows; i++) {
    float t[NR];
    for (int v = 0; v < NV; v++) storeu(t + v * VL, s[i][v]);
    float* p = c + i * ldc;
    for (int j = 0; j < cols; j++) {
      float r = acc ? p[j] + t[j] : t[j];
      if (bias) r += bias[j];
      if (clamp) {
        r = r > 0.f ? r : 0.f;
        if (clamp == 2) r = r < 6.f ? r : 6.f;
      }
      p[j] = r;
    }
  }
}

// The register tile over B rows from an accessor (row k of the nr-wide panel): a packed panel or a
// matrix in place (row k at b + k*ldb), or row pointers (an implicit im2col read straight from x).
template <int MR, int NV, class Rows>
static inline void tileOver(int64_t kc, const float* a, int64_t lda, Rows brow, float* c, int64_t ldc, int rows,
                            int cols, int acc, const float* bias, int clamp) {
  vf s[MR][NV];
#pragma GCC unroll 32
  for (int i = 0; i < MR; i++)
#pragma GCC unroll 4
    for (int v = 0; v < NV; v++) s[i][v] = vf{};
  for (int64_t k = 0; k < kc; k++) {
    vf bv[NV];
    const float* b = brow(k);
#pragma GCC unroll 4
    for (int v = 0; v < NV; v++) bv[v] = loadu(b + v * VL);
#pragma GCC unroll 32
    for (int i = 0; i < MR; i++) {
      vf ai = bcast(a[i * lda + k]);
#pragma GCC unroll 4
      for (int v = 0; v < NV; v++) s[i][v] += ai * bv[v];
    }
  }
  store<MR, NV>(s, c, ldc, rows, cols, acc, bias, clamp);
}

template <int MR, int NV>
static void tile(int64_t kc, const float* a, int64_t lda, const float* b, int64_t ldb, float* c, int64_t ldc, int rows,
                 int cols, int acc, const float* bias, int clamp) {
  tileOver<MR, NV>(kc, a, lda, [b, ldb](int64_t k) { return b + k * ldb; }, c, ldc, rows, cols, acc, bias, clamp);
}

template <int MR, int NV>
static void tileRows(int64_t kc, const float* a, int64_t lda, const float* const* brow, float* c, int64_t ldc, int rows,
                     int cols, int acc, const float* bias, int clamp) {
  tileOver<MR, NV>(kc, a, lda, [brow](int64_t k) { return brow[k]; }, c, ldc, rows, cols, acc, bias, clamp);
}

#if defined(__AVX__)
constexpr int TB = 8;  // transpose block: 8 x 8 floats in ymm registers
/** d[c*ldd + r] = s[r*ld + c] for r, c < 8. */
static inline void transposeBlock(const float* s, int64_t ld, float* d, int64_t ldd) {
  __m256 r0 = _mm256_loadu_ps(s), r1 = _mm256_loadu_ps(s + ld), r2 = _mm256_loadu_ps(s + 2 * ld),
         r3 = _mm256_loadu_ps(s + 3 * ld), r4 = _mm256_loadu_ps(s + 4 * ld), r5 = _mm256_loadu_ps(s + 5 * ld),
         r6 = _mm256_loadu_ps(s + 6 * ld), r7 = _mm256_loadu_ps(s + 7 * ld);
  __m256 t0 = _mm256_unpacklo_ps(r0, r1), t1 = _mm256_unpackhi_ps(r0, r1), t2 = _mm256_unpacklo_ps(r2, r3),
         t3 = _mm256_unpackhi_ps(r2, r3), t4 = _mm256_unpacklo_ps(r4, r5), t5 = _mm256_unpackhi_ps(r4, r5),
         t6 = _mm256_unpacklo_ps(r6, r7), t7 = _mm256_unpackhi_ps(r6, r7);
  __m256 u0 = _mm256_shuffle_ps(t0, t2, 0x44), u1 = _mm256_shuffle_ps(t0, t2, 0xEE), u2 = _mm256_shuffle_ps(t1, t3, 0x44),
         u3 = _mm256_shuffle_ps(t1, t3, 0xEE), u4 = _mm256_shuffle_ps(t4, t6, 0x44), u5 = _mm256_shuffle_ps(t4, t6, 0xEE),
         u6 = _mm256_shuffle_ps(t5, t7, 0x44), u7 = _mm256_shuffle_ps(t5, t7, 0xEE);
  _mm256_storeu_ps(d, _mm256_permute2f128_ps(u0, u4, 0x20));
  _mm256_storeu_ps(d + ldd, _mm256_permute2f128_ps(u1, u5, 0x20));
  _mm256_storeu_ps(d + 2 * ldd, _mm256_permute2f128_ps(u2, u6, 0x20));
  _mm256_storeu_ps(d + 3 * ldd, _mm256_permute2f128_ps(u3, u7, 0x20));
  _mm256_storeu_ps(d + 4 * ldd, _mm256_permute2f128_ps(u0, u4, 0x31));
  _mm256_storeu_ps(d + 5 * ldd, _mm256_permute2f128_ps(u1, u5, 0x31));
  _mm256_storeu_ps(d + 6 * ldd, _mm256_permute2f128_ps(u2, u6, 0x31));
  _mm256_storeu_ps(d + 7 * ldd, _mm256_permute2f128_ps(u3, u7, 0x31));
}
#elif defined(__SSE2__)
constexpr int TB = 4;
static inline void transposeBlock(const float* s, int64_t ld, float* d, int64_t ldd) {
  __m128 r0 = _mm_loadu_ps(s), r1 = _mm_loadu_ps(s + ld), r2 = _mm_loadu_ps(s + 2 * ld), r3 = _mm_loadu_ps(s + 3 * ld);
  _MM_TRANSPOSE4_PS(r0, r1, r2, r3);
  _mm_storeu_ps(d, r0);
  _mm_storeu_ps(d + ldd, r1);
  _mm_storeu_ps(d + 2 * ldd, r2);
  _mm_storeu_ps(d + 3 * ldd, r3);
}
#else
constexpr int TB = 1;
static inline void transposeBlock(const float* s, int64_t, float* d, int64_t) { d[0] = s[0]; }
#endif

template <int NR>
static void packBT(const float* s, int64_t ld, int64_t kc, int cols, float* dst) {
  int64_t kk = 0;
  if (cols == NR)
    for (; kk + TB <= kc; kk += TB)
      for (int jb = 0; jb < NR; jb += TB) transposeBlock(s + jb * ld + kk, ld, dst + kk * NR + jb, NR);
  for (; kk < kc; kk++) {
    for (int j = 0; j < cols; j++) dst[kk * NR + j] = s[j * ld + kk];
    for (int j = cols; j < NR; j++) dst[kk * NR + j] = 0.f;
  }
}

static void transpose(const float* s, int64_t lds, int64_t rows, int64_t cols, float* d, int64_t ldd) {
  const int64_t r1 = rows / TB * TB, c1 = cols / TB * TB;
  for (int64_t r = 0; r < r1; r += TB)
    for (int64_t c = 0; c < c1; c += TB) transposeBlock(s + r * lds + c, lds, d + c * ldd + r, ldd);
  for (int64_t r = 0; r < rows; r++) {  // the edges
    const int64_t cBeg = r < r1 ? c1 : 0;
    for (int64_t c = cBeg; c < cols; c++) d[c * ldd + r] = s[r * lds + c];
  }
}

static void dots(int64_t m, int64_t n, int64_t K, const float* a, int64_t lda, const float* bt, int64_t ldb, float* c,
                 int64_t ldc) {
  for (int64_t j = 0; j < n; j++) {
    const float* w = bt + j * ldb;
    for (int64_t i = 0; i < m; i++) {
      const float* x = a + i * lda;
      vf s0 = vf{}, s1 = vf{}, s2 = vf{}, s3 = vf{};
      int64_t k = 0;
      for (; k + 4 * VL <= K; k += 4 * VL) {
        s0 += loadu(x + k) * loadu(w + k);
        s1 += loadu(x + k + VL) * loadu(w + k + VL);
        s2 += loadu(x + k + 2 * VL) * loadu(w + k + 2 * VL);
        s3 += loadu(x + k + 3 * VL) * loadu(w + k + 3 * VL);
      }
      for (; k + VL <= K; k += VL) s0 += loadu(x + k) * loadu(w + k);
      const vf s = (s0 + s1) + (s2 + s3);
      float r = 0.f;
      for (int l = 0; l < VL; l++) r += s[l];
      for (; k < K; k++) r += x[k] * w[k];
      c[i * ldc + j] = r;
    }
  }
}

static void rowsB(int64_t m, int64_t n, int64_t K, const float* a, int64_t lda, const float* b, int64_t ldb, float* c,
                  int64_t ldc) {
  constexpr int W = 64 / VL < 8 ? 64 / VL : 8;  // vectors per strip: 64 columns (2 strips of 32 at 128 bits)
  for (int64_t i = 0; i < m; i++) {
    const float* x = a + i * lda;
    float* y = c + i * ldc;
    int64_t j = 0;
    for (; j + W * VL <= n; j += W * VL) {
      vf s[W];
      for (int v = 0; v < W; v++) s[v] = vf{};
      for (int64_t k = 0; k < K; k++) {
        const vf xv = bcast(x[k]);
        const float* r = b + k * ldb + j;
#pragma GCC unroll 8
        for (int v = 0; v < W; v++) s[v] += xv * loadu(r + v * VL);
      }
      for (int v = 0; v < W; v++) storeu(y + j + v * VL, s[v]);
    }
    for (; j < n; j++) {
      float s = 0.f;
      for (int64_t k = 0; k < K; k++) s += x[k] * b[k * ldb + j];
      y[j] = s;
    }
  }
}

const GemmUk* gemmUk() {
  static const GemmUk narrow{MR_NARROW, VL, tile<MR_NARROW, 1>, tileRows<MR_NARROW, 1>, packBT<VL>, transpose, dots,
                             rowsB, nullptr};
  static const GemmUk uk{MR, NR, tile<MR, NV>, tileRows<MR, NV>, packBT<NR>, transpose, dots, rowsB, &narrow};
  return &uk;
}

int vectorBytes() { return CN_VEC_BYTES; }

}  // namespace CN_ISA
}  // namespace cpu
}  // namespace cn
