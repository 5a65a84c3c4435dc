// Batch-norm rows, written once with vector extensions and compiled per ISA (see isa/batchnorm.h).
// The sums keep a block of channels' accumulators in registers over SUB rows at a time (the rows of
// the block stay in L1), then add them to the caller's arrays: the order of additions is fixed by the
// shape alone.
#include "isa/simd.h"
#include "isa/batchnorm.h"

namespace cn {
namespace cpu {
namespace CN_ISA {

typedef double vd __attribute__((vector_size(CN_VEC_BYTES)));
typedef float vh __attribute__((vector_size(CN_VEC_BYTES / 2)));
constexpr int DL = VL / 2;  // doubles per register
enum { SUB = 64 };

/** The low and high halves of VL floats at p, widened to double. */
static inline void widen(const float* p, vd* lo, vd* hi) {
  vh a, b;
  __builtin_memcpy(&a, p, sizeof a);
  __builtin_memcpy(&b, p + DL, sizeof b);
  *lo = __builtin_convertvector(a, vd);
  *hi = __builtin_convertvector(b, vd);
}
static inline vd loadd(const double* p) {
  vd v;
  __builtin_memcpy(&v, p, sizeof v);
  return v;
}
static inline void stored(double* p, vd v) { __builtin_memcpy(p, &v, sizeof v); }

static void shiftedSums(const float* x, int64_t rows, int64_t c, const float* k, double* s1, double* s2) {
  const int64_t cv = c / VL * VL;
  for (int64_t r0 = 0; r0 < rows; r0 += SUB) {
    const int64_t r1 = r0 + SUB < rows ? r0 + SUB : rows;
    for (int64_t j = 0; j < cv; j += VL) {
      vd klo, khi;
      widen(k + j, &klo, &khi);
      vd a1 = vd{}, b1 = vd{}, a2 = vd{}, b2 = vd{};
      for (int64_t r = r0; r < r1; r++) {
        vd lo, hi;
        widen(x + r * c + j, &lo, &hi);
        lo -= klo, hi -= khi;
        a1 += lo, b1 += hi, a2 += lo * lo, b2 += hi * hi;
      }
      stored(s1 + j, loadd(s1 + j) + a1), stored(s1 + j + DL, loadd(s1 + j + DL) + b1);
      stored(s2 + j, loadd(s2 + j) + a2), stored(s2 + j + DL, loadd(s2 + j + DL) + b2);
    }
    for (int64_t j = cv; j < c; j++) {
      double a1 = 0, a2 = 0;
      for (int64_t r = r0; r < r1; r++) {
        const double d = (double)x[r * c + j] - (double)k[j];
        a1 += d, a2 += d * d;
      }
      s1[j] += a1, s2[j] += a2;
    }
  }
}

static void gradSums(const float* x, const float* dy, int64_t rows, int64_t c, const float* mean, double* sd,
                     double* sx) {
  const int64_t cv = c / VL * VL;
  for (int64_t r0 = 0; r0 < rows; r0 += SUB) {
    const int64_t r1 = r0 + SUB < rows ? r0 + SUB : rows;
    for (int64_t j = 0; j < cv; j += VL) {
      vd mlo, mhi;
      widen(mean + j, &mlo, &mhi);
      vd a1 = vd{}, b1 = vd{}, a2 = vd{}, b2 = vd{};
      for (int64_t r = r0; r < r1; r++) {
        vd xl, xh, gl, gh;
        widen(x + r * c + j, &xl, &xh);
        widen(dy + r * c + j, &gl, &gh);
        a1 += gl, b1 += gh, a2 += gl * (xl - mlo), b2 += gh * (xh - mhi);
      }
      stored(sd + j, loadd(sd + j) + a1), stored(sd + j + DL, loadd(sd + j + DL) + b1);
      stored(sx + j, loadd(sx + j) + a2), stored(sx + j + DL, loadd(sx + j + DL) + b2);
    }
    for (int64_t j = cv; j < c; j++) {
      double a1 = 0, a2 = 0;
      for (int64_t r = r0; r < r1; r++) {
        const double g = dy[r * c + j];
        a1 += g, a2 += g * ((double)x[r * c + j] - (double)mean[j]);
      }
      sd[j] += a1, sx[j] += a2;
    }
  }
}

static void columnSums(const float* x, int64_t rows, int64_t width, int64_t ld, double* s) {
  const int64_t cv = width / VL * VL;
  for (int64_t r0 = 0; r0 < rows; r0 += SUB) {
    const int64_t r1 = r0 + SUB < rows ? r0 + SUB : rows;
    for (int64_t j = 0; j < cv; j += VL) {
      vd a = vd{}, b = vd{};
      for (int64_t r = r0; r < r1; r++) {
        vd lo, hi;
        widen(x + r * ld + j, &lo, &hi);
        a += lo, b += hi;
      }
      stored(s + j, loadd(s + j) + a), stored(s + j + DL, loadd(s + j + DL) + b);
    }
    for (int64_t j = cv; j < width; j++) {
      double a = 0;
      for (int64_t r = r0; r < r1; r++) a += x[r * ld + j];
      s[j] += a;
    }
  }
}

static void affine(const float* x, int64_t rows, int64_t c, const float* mean, const float* scale, const float* shift,
                   float* y) {
  const int64_t cv = c / VL * VL;
  for (int64_t r = 0; r < rows; r++) {
    const float* xr = x + r * c;
    float* yr = y + r * c;
    for (int64_t j = 0; j < cv; j += VL)
      storeu(yr + j, (loadu(xr + j) - loadu(mean + j)) * loadu(scale + j) + loadu(shift + j));
    for (int64_t j = cv; j < c; j++) yr[j] = (xr[j] - mean[j]) * scale[j] + shift[j];
  }
}

static void trainDx(const float* x, const float* dy, int64_t rows, int64_t c, const float* mean, const float* a,
                    const float* off, const float* q, float* dx) {
  const int64_t cv = c / VL * VL;
  for (int64_t r = 0; r < rows; r++) {
    const float *xr = x + r * c, *gr = dy + r * c;
    float* o = dx + r * c;
    for (int64_t j = 0; j < cv; j += VL)
      storeu(o + j, loadu(a + j) * (loadu(gr + j) - loadu(off + j) - (loadu(xr + j) - loadu(mean + j)) * loadu(q + j)));
    for (int64_t j = cv; j < c; j++) o[j] = a[j] * (gr[j] - off[j] - (xr[j] - mean[j]) * q[j]);
  }
}

const BnUk* bnUk() {
  static const BnUk uk{shiftedSums, gradSums, affine, columnSums, trainDx};
  return &uk;
}

}  // namespace CN_ISA
}  // namespace cpu
}  // namespace cn
