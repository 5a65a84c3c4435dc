// Batch norm over the [rows, c] view of an NHWC tensor (semantics as src/ts/backends/js/batchnorm.ts,
// torch's BatchNorm2d). The channel statistics are sums in double over fixed chunks of BN_ROWS rows
// (the chunk boundaries depend on rows only), added in chunk order: the same result at any thread
// count. The batch variance is a shifted one-pass sum (x - K, K = the channel's first value), which in
// double loses nothing measurable against the two-pass form and reads x once. The row loops are
// micro-kernels per ISA (isa/batchnorm.cpp: float lanes widened to double for the sums).
#include <algorithm>
#include <vector>
#include "kernel.h"

namespace cn {
namespace cpu {
namespace batchnorm {

namespace {

constexpr int64_t BN_ROWS = 256;         // rows per reduction chunk
constexpr int64_t ELEMS_GRAIN = 1 << 15; // elements per parallel chunk of the elementwise passes

struct Bn { int64_t rows, c; float eps; int64_t len, chunks; };

Bn record(const Call& k) {
  const abi::BatchNorm& r = k.rec<abi::BatchNorm>();
  Bn b{k.positive(r.rows, "rows"), k.positive(r.c, "c"), r.eps, (int64_t)r.rows * r.c, 0};
  if (!(r.eps > 0.f)) throw argError(k.op, "params.eps must be positive, got " + std::to_string(r.eps));
  b.chunks = (b.rows + BN_ROWS - 1) / BN_ROWS;
  return b;
}

/** Parallel over the reduction chunks: f(chunk, row0, row1). */
template <class F>
void overChunks(const Call& k, const Bn& b, F&& f) {
  const int64_t grain = std::max<int64_t>(1, ELEMS_GRAIN / (BN_ROWS * b.c));
  k.pool().parallelFor(b.chunks, grain, [&](int64_t s, int64_t e, int) {
    for (int64_t ch = s; ch < e; ch++) f(ch, ch * BN_ROWS, std::min(b.rows, (ch + 1) * BN_ROWS));
  });
}

/** Parallel over rows (elementwise passes): f(row0, row1). */
template <class F>
void overRows(const Call& k, const Bn& b, F&& f) {
  k.pool().parallelFor(b.rows, std::max<int64_t>(1, ELEMS_GRAIN / b.c), [&](int64_t s, int64_t e, int) { f(s, e); });
}

/** out[j] = sum over chunks (in order) of part[chunk * stride + j], j < n. */
void reduce(const std::vector<double>& part, int64_t chunks, int64_t stride, int64_t n, double* out) {
  std::fill(out, out + n, 0.0);
  for (int64_t ch = 0; ch < chunks; ch++)
    for (int64_t j = 0; j < n; j++) out[j] += part[(size_t)(ch * stride + j)];
}

}  // namespace

void train(const Call& k) {
  const Bn b = record(k);
  const float m = k.rec<abi::BatchNorm>().momentum;
  const char* names[] = {"x", "gamma", "beta", "y", "runningMean", "runningVar", "saveMean", "saveInvStd"};
  float* p[8];
  for (int i = 0; i < 8; i++) p[i] = k.buf(i, names[i], i == 0 || i == 3 ? b.len : b.c);
  k.require(b.rows >= 2, "params.rows must be at least 2 for batch statistics (the unbiased running variance divides by rows - 1)");
  const float *x = p[0], *gamma = p[1], *beta = p[2];
  float *y = p[3], *rm = p[4], *rv = p[5], *sm = p[6], *si = p[7];
  const int64_t c = b.c;
  std::vector<double> part((size_t)(b.chunks * 2 * c)), tot((size_t)(2 * c));
  const BnUk* uk = k.isa().bn;
  overChunks(k, b, [&](int64_t ch, int64_t r0, int64_t r1) {
    double* s1 = &part[(size_t)(ch * 2 * c)];
    uk->shiftedSums(x + r0 * c, r1 - r0, c, x, s1, s1 + c);
  });
  reduce(part, b.chunks, 2 * c, 2 * c, tot.data());
  std::vector<float> meanF((size_t)c), scale((size_t)c);
  const double n = (double)b.rows;
  for (int64_t j = 0; j < c; j++) {
    const double s1 = tot[(size_t)j], s2 = tot[(size_t)(c + j)];
    const double mean = (double)x[j] + s1 / n;
    const double sq = std::max(0.0, s2 - s1 * s1 / n);  // sum of squared deviations
    const double inv = 1.0 / std::sqrt(sq / n + (double)b.eps);
    rm[j] = (float)((1.0 - m) * rm[j] + (double)m * mean);
    rv[j] = (float)((1.0 - m) * rv[j] + (double)m * (sq / (n - 1)));
    sm[j] = meanF[(size_t)j] = (float)mean;
    si[j] = (float)inv;
    scale[(size_t)j] = (float)(gamma[j] * inv);
  }
  overRows(k, b, [&](int64_t r0, int64_t r1) { uk->affine(x + r0 * c, r1 - r0, c, meanF.data(), scale.data(), beta, y + r0 * c); });
}

void inference(const Call& k) {
  const Bn b = record(k);
  const char* names[] = {"x", "gamma", "beta", "mean", "variance", "y"};
  float* p[6];
  for (int i = 0; i < 6; i++) p[i] = k.buf(i, names[i], i == 0 || i == 5 ? b.len : b.c);
  std::vector<float> scale((size_t)b.c);
  for (int64_t j = 0; j < b.c; j++) scale[(size_t)j] = (float)(p[1][j] / std::sqrt((double)p[4][j] + (double)b.eps));
  overRows(k, b, [&](int64_t r0, int64_t r1) {
    k.isa().bn->affine(p[0] + r0 * b.c, r1 - r0, b.c, p[3], scale.data(), p[2], p[5] + r0 * b.c);
  });
}

namespace {
/** Per channel: sum dy and sum dy * (x - mean), in double over fixed chunks; tot = [c] then [c]. */
void gradSums(const Call& k, const Bn& b, const float* x, const float* dy, const float* mean, double* tot) {
  const int64_t c = b.c;
  std::vector<double> part((size_t)(b.chunks * 2 * c));
  const BnUk* uk = k.isa().bn;
  overChunks(k, b, [&](int64_t ch, int64_t r0, int64_t r1) {
    double* sd = &part[(size_t)(ch * 2 * c)];
    uk->gradSums(x + r0 * c, dy + r0 * c, r1 - r0, c, mean, sd, sd + c);
  });
  reduce(part, b.chunks, 2 * c, 2 * c, tot);
}
}  // namespace

void trainBackward(const Call& k) {
  const Bn b = record(k);
  const char* names[] = {"x", "dy", "gamma", "saveMean", "saveInvStd", "dx", "dgamma", "dbeta"};
  float* p[8];
  for (int i = 0; i < 8; i++) p[i] = k.buf(i, names[i], i <= 1 || i == 5 ? b.len : b.c);
  const float *x = p[0], *dy = p[1], *gamma = p[2], *mean = p[3], *inv = p[4];
  float *dx = p[5], *dgamma = p[6], *dbeta = p[7];
  const int64_t c = b.c;
  std::vector<double> tot((size_t)(2 * c));
  gradSums(k, b, x, dy, mean, tot.data());
  // dx = gamma inv (dy - db / rows - (x - mean) inv dg / rows), mean and variance depending on x.
  std::vector<float> a((size_t)c), off((size_t)c), q((size_t)c);
  const double n = (double)b.rows;
  for (int64_t j = 0; j < c; j++) {
    const double db = tot[(size_t)j], dg = tot[(size_t)(c + j)] * inv[j];
    a[(size_t)j] = (float)((double)gamma[j] * inv[j]);
    off[(size_t)j] = (float)(db / n);
    q[(size_t)j] = (float)(inv[j] * dg / n);
    dgamma[j] = (float)dg;
    dbeta[j] = (float)db;
  }
  overRows(k, b, [&](int64_t r0, int64_t r1) {
    k.isa().bn->trainDx(x + r0 * c, dy + r0 * c, r1 - r0, c, mean, a.data(), off.data(), q.data(), dx + r0 * c);
  });
}

void inferenceBackward(const Call& k) {
  const Bn b = record(k);
  const char* names[] = {"x", "dy", "gamma", "mean", "variance", "dx", "dgamma", "dbeta"};
  float* p[8];
  for (int i = 0; i < 8; i++) p[i] = k.buf(i, names[i], i <= 1 || i == 5 ? b.len : b.c);
  const float *x = p[0], *dy = p[1], *gamma = p[2], *mean = p[3], *var = p[4];
  float *dx = p[5], *dgamma = p[6], *dbeta = p[7];
  const int64_t c = b.c;
  std::vector<double> tot((size_t)(2 * c)), inv((size_t)c);
  std::vector<float> a((size_t)c);
  for (int64_t j = 0; j < c; j++) {
    inv[(size_t)j] = 1.0 / std::sqrt((double)var[j] + (double)b.eps);
    a[(size_t)j] = (float)(gamma[j] * inv[(size_t)j]);
  }
  gradSums(k, b, x, dy, mean, tot.data());
  for (int64_t j = 0; j < c; j++) {
    dbeta[j] = (float)tot[(size_t)j];
    dgamma[j] = (float)(tot[(size_t)(c + j)] * inv[(size_t)j]);
  }
  overRows(k, b, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; r++) {
      const float* dr = dy + r * c;
      float* o = dx + r * c;
      for (int64_t j = 0; j < c; j++) o[j] = dr[j] * a[(size_t)j];
    }
  });
}

}  // namespace batchnorm
}  // namespace cpu
}  // namespace cn
