// Softmax cross-entropy with label smoothing on the CPU (as src/ts/backends/js/softmax_xent.ts), in
// double per sample like the reference. Labels are checked here, all before anything is written: the
// first bad one throws at once with the reference's message (numbers printed as JavaScript does).
#include <cmath>
#include "kernel.h"
#include "lib/numbers.h"

namespace cn {
namespace cpu {
namespace softmax_xent {

constexpr int64_t ELEMS_GRAIN = 1 << 13;

const abi::SoftmaxXent& record(const Call& k) {
  const auto& r = k.rec<abi::SoftmaxXent>();
  k.positive(r.n, "n"), k.positive(r.classes, "classes");
  k.require(r.smoothing >= 0.f && r.smoothing <= 1.f, "params.smoothing must be in [0, 1], got " + jsNumber(r.smoothing));
  return r;
}

void checkLabels(const Call& k, const abi::SoftmaxXent& r, const float* labels) {
  for (int i = 0; i < r.n; i++) {
    const float l = labels[i];
    if (!(l >= 0.f && l < (float)r.classes && l == std::floor(l)))
      throw argError(k.op, "label of sample " + std::to_string(i) + " must be an integer class index in [0, " +
                               std::to_string(r.classes - 1) + "], got " + jsNumber(l));
  }
}

int64_t grainFor(int classes) { return ELEMS_GRAIN / classes > 0 ? ELEMS_GRAIN / classes : 1; }

void forward(const Call& k) {
  const auto& r = record(k);
  const int64_t C = r.classes, len = (int64_t)r.n * C;
  const float* z = k.buf(0, "logits", len);
  const float* labels = k.buf(1, "labels", r.n);
  float* probs = k.buf(2, "probs", len);
  float* loss = k.buf(3, "loss", r.n);
  checkLabels(k, r, labels);
  const double sm = r.smoothing, off = sm / (double)C;
  k.pool().parallelFor(r.n, grainFor(r.classes), [&](int64_t b, int64_t e, int) {
    for (int64_t i = b; i < e; i++) {
      const float* zi = z + i * C;
      const int64_t l = (int64_t)labels[i];
      double m = -INFINITY;
      for (int64_t c = 0; c < C; c++) m = zi[c] > m ? zi[c] : m;
      double se = 0;
      for (int64_t c = 0; c < C; c++) se += std::exp((double)zi[c] - m);
      const double lse = std::log(se);
      double li = 0;
      for (int64_t c = 0; c < C; c++) {
        const double logp = (double)zi[c] - m - lse;
        probs[i * C + c] = (float)std::exp(logp);
        const double t = (c == l ? 1 - sm : 0) + off;
        if (t != 0) li -= t * logp;  // a zero target contributes nothing, even where logp is -inf
      }
      loss[i] = (float)li;
    }
  });
}

void backward(const Call& k) {
  const auto& r = record(k);
  const int64_t C = r.classes, len = (int64_t)r.n * C;
  const float* probs = k.buf(0, "probs", len);
  const float* labels = k.buf(1, "labels", r.n);
  float* dl = k.buf(2, "dlogits", len);
  checkLabels(k, r, labels);
  const double sm = r.smoothing, off = sm / (double)C, scale = r.gradScale;
  k.pool().parallelFor(r.n, grainFor(r.classes), [&](int64_t b, int64_t e, int) {
    for (int64_t i = b; i < e; i++) {
      const int64_t l = (int64_t)labels[i];
      for (int64_t c = 0; c < C; c++) {
        const double t = (c == l ? 1 - sm : 0) + off;
        dl[i * C + c] = (float)(((double)probs[i * C + c] - t) * scale);
      }
    }
  });
}

}  // namespace softmax_xent
}  // namespace cpu
}  // namespace cn
