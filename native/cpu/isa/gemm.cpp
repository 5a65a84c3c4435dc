// GEMM register tile, written once with vector extensions and compiled per ISA: MR x NV vector
// accumulators stay in registers over the whole k loop (one broadcast of A per row, NV loads of B per
// k, MR*NV FMAs). Tile sizes were picked by measurement (bench/cpu-gemm.mjs).
#include "isa/simd.h"
#include "isa/gemm.h"

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

// x - (+0) is x for every x (signed zeros included), so the compiler folds it to a plain broadcast
// (simd.h's splat adds +0, which it must keep: one extra instruction per row and k here).
static inline vf bcast(float x) { return x - vf{}; }

static void tile(int64_t kc, const float* a, int64_t lda, const float* b, float* c, int64_t ldc, int rows, int cols,
                 int acc) {
  vf s[MR][NV];
#pragma GCC unroll 16
  for (int i = 0; i < MR; i++)
#pragma GCC unroll 4
    for (int v = 0; v < NV; v++) s[i][v] = vf{};
  for (int64_t k = 0; k < kc; k++) {
    vf bv[NV];
#pragma GCC unroll 4
    for (int v = 0; v < NV; v++) bv[v] = loadu(b + k * NR + v * VL);
#pragma GCC unroll 16
    for (int i = 0; i < MR; i++) {
      vf ai = bcast(a[i * lda + k]);
#pragma GCC unroll 4
      for (int v = 0; v < NV; v++) s[i][v] += ai * bv[v];
    }
  }
  if (rows == MR && cols == NR) {
#pragma GCC unroll 16
    for (int i = 0; i < MR; i++)
#pragma GCC unroll 4
      for (int v = 0; v < NV; v++) {
        float* p = c + i * ldc + v * VL;
        storeu(p, acc ? loadu(p) + s[i][v] : s[i][v]);
      }
    return;
  }
  for (int i = 0; i < rows; i++) {
    float t[NR];
    for (int v = 0; v < NV; v++) storeu(t + v * VL, s[i][v]);
    float* p = c + i * ldc;
    for (int j = 0; j < cols; j++) p[j] = acc ? p[j] + t[j] : t[j];
  }
}

const GemmUk* gemmUk() {
  static const GemmUk uk{MR, NR, tile};
  return &uk;
}

int vectorBytes() { return CN_VEC_BYTES; }

}  // namespace CN_ISA
}  // namespace cpu
}  // namespace cn
