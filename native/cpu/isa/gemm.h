// The GEMM micro-kernel of one ISA (isa/gemm.cpp): an mr x nr register tile over packed panels.
#pragma once
#include <cstdint>

namespace cn {
namespace cpu {

struct GemmUk {
  int mr, nr;  // register tile: mr rows of A, nr columns of B (nr a multiple of the vector length)
  /** c[i*ldc + j] = (acc ? c : 0) + sum_k a[k*mr + i] * b[k*nr + j] for i < rows, j < cols (rows <= mr,
   *  cols <= nr); a is a kc x mr panel and b a kc x nr panel, both packed and zero-padded. */
  void (*tile)(int64_t kc, const float* a, const float* b, float* c, int64_t ldc, int rows, int cols, int acc);
};

}  // namespace cpu
}  // namespace cn
