// GEMM register tile, written once with vector extensions and compiled per ISA: 16 or 32 vector
// registers hold MR x NR accumulators (AVX-512 14x32, AVX2 6x16, 128-bit 6x8).
#include "isa/simd.h"
#include "isa/gemm.h"

namespace cn {
namespace cpu {
namespace CN_ISA {

#if CN_VEC_BYTES == 64
constexpr int MR = 14, NV = 2;
#elif CN_VEC_BYTES == 32
constexpr int MR = 6, NV = 2;
#else
constexpr int MR = 6, NV = 2;
#endif
constexpr int NR = NV * VL;

static void tile(int64_t kc, const float* a, const float* b, float* c, int64_t ldc, int rows, int cols, int acc) {
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
      vf ai = splat(a[k * MR + i]);
#pragma GCC unroll 4
      for (int v = 0; v < NV; v++) s[i][v] += ai * bv[v];
    }
  }
  if (rows == MR && cols == NR) {
    for (int i = 0; i < MR; i++)
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
