// Packed-panel GEMM driver of the CPU backend (gemm.cpp), over the chosen ISA's register tile:
//   C[M x N] (+)= A[M x K] . B[K x N], then bias (per column) + activation on each tile just written.
// A and B are produced by packers (callbacks), so a convolution's im2col happens while packing: no
// full column buffer exists. Results do not depend on the thread count: every C element is summed
// over K in one fixed order (K blocks, and for split-K, fixed chunks reduced in chunk order).
#pragma once
#include <functional>
#include "kernel.h"

namespace cn {
namespace cpu {
namespace gemm {

/** Writes A[i0 + r][k0 + kk] to dst[r*ld + kk] for r < rows, kk < kc. */
using PackA = std::function<void(int64_t i0, int64_t rows, int64_t k0, int64_t kc, float* dst, int64_t ld)>;
/** Writes B[k0 + kk][j0 + j] for j < cols as ceil(cols/nr) panels of kc x nr: panel q at dst + q*kc*nr,
 *  element (kk, j) at [kk*nr + j % nr]; columns past `cols` in the last panel are zero. */
using PackB = std::function<void(int64_t k0, int64_t kc, int64_t j0, int64_t cols, int nr, float* dst)>;

/** B addressed by row pointers instead of packed: for the nr-column panels of B's columns [j0, j0+cols)
 *  (cols a multiple of nr), rows[q*kc + kk] = &B[k0 + kk][j0 + q*nr] (nr contiguous floats, or zeros).
 *  Returns false when these columns cannot be addressed so (then packB is used). */
using RowsB = std::function<bool(int64_t k0, int64_t kc, int64_t j0, int64_t cols, int nr, const float** rows)>;

struct Problem {
  int64_t M = 0, N = 0, K = 0;
  const float* a = nullptr;  // A row-major with row stride lda, read in place when packA is empty
  int64_t lda = 0;
  PackA packA;
  PackB packB;
  RowsB rowsB;  // optional, tried before packB (when B is not packed once for the whole call)
  const float* b = nullptr;  // B row-major with row stride ldb, read in place when packB is empty
  int64_t ldb = 0;
  const float* bt = nullptr;  // optional: B^T row-major (stride ldbt), for dot products when M is tiny
  int64_t ldbt = 0;
  float* c = nullptr;
  int64_t ldc = 0;
  bool accumulate = false;   // C += A.B (else C = A.B)
  const float* bias = nullptr;  // N values added to every row (after the product)
  int act = 0;                  // activation applied last (schema code)
};

void run(const Call& k, const Problem& p);

// Packers for plain matrices.
/** A[i][k] = s[k*ld + i] (A given transposed, e.g. dy^T). */
PackA packATransposed(const Call& k, const float* s, int64_t ld);
/** B[k][j] = s[j*ld + k] (B given transposed, e.g. a weight matrix [out, in]). */
PackB packBTransposed(const Call& k, const float* s, int64_t ld);

/** dw [outC, inC] = dy^T . x over P rows (dy [P, ldy], x [P, ldx]): the weight gradient of a dense or
 *  pointwise layer. With few input channels it computes dw^T = x^T . dy (outC on the vector side) and
 *  transposes, so the register tile's columns are not mostly padding. */
void weightGradient(const Call& k, int64_t P, int64_t outC, int64_t inC, const float* dy, int64_t ldy, const float* x,
                    int64_t ldx, float* dw);

/** dbias[j] = sum_i y[i*ld + j] over rows i < M (fixed order per column: thread-count independent). */
void columnSums(const Call& k, const float* y, int64_t M, int64_t N, int64_t ld, float* out);

// A layer over rows: y [rows, out] = x [rows, in] . w [out, in]^T (+ bias, activation), as dense and
// the pointwise convolution (and a 1x1 conv2d) are; and its two gradients (overwriting dx, dw, dbias).
void layerForward(const Call& k, int64_t rows, int64_t in, int64_t out, const float* x, const float* w,
                  const float* bias, int act, float* y);
void layerBackwardData(const Call& k, int64_t rows, int64_t in, int64_t out, const float* dy, const float* w, float* dx);
void layerBackwardFilter(const Call& k, int64_t rows, int64_t in, int64_t out, const float* x, const float* dy, float* dw,
                         float* dbias);

}  // namespace gemm
}  // namespace cpu
}  // namespace cn
