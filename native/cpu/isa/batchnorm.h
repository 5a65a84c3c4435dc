// Batch-norm micro-kernels of one ISA (isa/batchnorm.cpp) over rows of a [rows, c] block: channel
// sums in double (float lanes widened), and the elementwise passes in float.
#pragma once
#include <cstdint>

namespace cn {
namespace cpu {

struct BnUk {
  /** s1[j] += sum (x - k[j]), s2[j] += sum (x - k[j])^2 over the rows, in double. */
  void (*shiftedSums)(const float* x, int64_t rows, int64_t c, const float* k, double* s1, double* s2);
  /** sd[j] += sum dy, sx[j] += sum dy * (x - mean[j]) over the rows, in double. */
  void (*gradSums)(const float* x, const float* dy, int64_t rows, int64_t c, const float* mean, double* sd,
                   double* sx);
  /** y = (x - mean) * scale + shift per channel. */
  void (*affine)(const float* x, int64_t rows, int64_t c, const float* mean, const float* scale, const float* shift,
                 float* y);
  /** s[j] += sum over rows of x[r * ld + j], j < width, in double (also the global average pool's). */
  void (*columnSums)(const float* x, int64_t rows, int64_t width, int64_t ld, double* s);
  /** dx = a * (dy - off - (x - mean) * q) per channel (the training backward). */
  void (*trainDx)(const float* x, const float* dy, int64_t rows, int64_t c, const float* mean, const float* a,
                  const float* off, const float* q, float* dx);
};

}  // namespace cpu
}  // namespace cn
