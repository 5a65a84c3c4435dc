// The GEMM micro-kernel of one ISA (isa/gemm.cpp): an mr x nr register tile, A read row-major (rows of
// a with stride lda: the im2col packer only copies contiguous channel runs), B from packed panels.
#pragma once
#include <cstdint>

namespace cn {
namespace cpu {

struct GemmUk {
  int mr, nr;  // register tile: mr rows of A, nr columns of B (nr a multiple of the vector length)
  /** c[i*ldc + j] = (acc ? c : 0) + sum_{k < kc} a[i*lda + k] * b[k*ldb + j] for i < rows, j < cols
   *  (rows <= mr, cols <= nr). All mr rows of a and nr columns of b are read (the caller pads short
   *  panels); b is a packed panel (ldb = nr) or a row-major matrix read in place. Then, when given,
   *  + bias[j] and a clamp (1: ReLU, 2: ReLU6) as the values are stored (a fused layer's last K step). */
  void (*tile)(int64_t kc, const float* a, int64_t lda, const float* b, int64_t ldb, float* c, int64_t ldc, int rows,
               int cols, int acc, const float* bias, int clamp);
  /** tile() with B's rows given by pointers: row k of the panel is brow[k][0..nr) (an implicit
   *  im2col read straight from x, padding rows pointing at zeros). */
  void (*tileRows)(int64_t kc, const float* a, int64_t lda, const float* const* brow, float* c, int64_t ldc, int rows,
                   int cols, int acc, const float* bias, int clamp);
  /** One B panel from a matrix given transposed: dst[kk*nr + j] = s[j*ld + kk] for kk < kc, j < cols
   *  (cols <= nr), zero for j >= cols (weights [out, in] as B = w^T: vector transposes). */
  void (*packBT)(const float* s, int64_t ld, int64_t kc, int cols, float* dst);
  /** d[c*ldd + r] = s[r*lds + c] for r < rows, c < cols (A given transposed, e.g. dy^T). */
  void (*transpose)(const float* s, int64_t lds, int64_t rows, int64_t cols, float* d, int64_t ldd);
  /** c[i*ldc + j] = sum_{k < K} a[i*lda + k] * bt[j*ldb + k] for i < m, j < n: dot products for a few
   *  rows against B given transposed (a layer at batch 1: each weight row streamed once, no packing). */
  void (*dots)(int64_t m, int64_t n, int64_t K, const float* a, int64_t lda, const float* bt, int64_t ldb, float* c,
               int64_t ldc);
  /** c[i*ldc + j] = sum_{k < K} a[i*lda + k] * b[k*ldb + j] for i < m, j < n: a few rows against a
   *  row-major B read in place, one row at a time (no padding of A to mr rows). */
  void (*rows)(int64_t m, int64_t n, int64_t K, const float* a, int64_t lda, const float* b, int64_t ldb, float* c,
               int64_t ldc);
  /** The same ISA's narrow tile (nr = one vector, more rows) for products with few columns, or null. */
  const GemmUk* narrow;
};

}  // namespace cpu
}  // namespace cn
