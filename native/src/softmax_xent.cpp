// Softmax cross-entropy (softmax_xent.cu). Labels are validated by the kernels themselves: a bad label
// (not an integer class index) is recorded in the context's device LabelStatus, and the host reports
// it as an error naming the sample at its next synchronisation point (read, readAsync's completion,
// synchronize; right away with CONVNETS_NATIVE_SYNC=1). No readback is added to the common path: a
// training step reads its loss anyway, and that read carries the check. Outputs of a call with a bad
// label are unspecified (the js reference throws before writing; a GPU cannot).
#include "kernel.h"

namespace cn {
namespace softmax_xent {

const abi::SoftmaxXent& record(const Call& k) {
  const abi::SoftmaxXent& r = k.rec<abi::SoftmaxXent>();
  k.positive(r.n, "n"), k.positive(r.classes, "classes");
  k.require(r.smoothing >= 0.f && r.smoothing <= 1.f, "params.smoothing must be in [0, 1], got " + std::to_string(r.smoothing));
  return r;
}

/** Host-only contexts validate on the host, into the same deferred status the device would hold. */
void hostCheck(const Call& k, int kernel, const abi::SoftmaxXent& r, const float* labels) {
  for (int i = 0; i < r.n; i++) {
    const float l = labels[i];
    if (!(l >= 0.f && l < (float)r.classes && l == std::floor(l))) {
      k.c.recordLabelHost(kernel, r.classes, i, l);
      break;
    }
  }
  k.c.labelPending = true;
}

void forward(const Call& k) {
  const abi::SoftmaxXent& r = record(k);
  const int64_t len = (int64_t)r.n * r.classes;
  const float* z = k.buf(0, "logits", len);
  const float* lab = k.buf(1, "labels", r.n);
  float* pr = k.buf(2, "probs", len);
  float* loss = k.buf(3, "loss", r.n);
  if (!k.launch()) return hostCheck(k, 0, r, lab);
  softmaxXentForward(r.n, r.classes, r.smoothing, z, lab, pr, loss, k.c.labelDev, k.s());
  k.c.labelPending = true;
  k.ran(Path::OWN);
}

void backward(const Call& k) {
  const abi::SoftmaxXent& r = record(k);
  const int64_t len = (int64_t)r.n * r.classes;
  const float* pr = k.buf(0, "probs", len);
  const float* lab = k.buf(1, "labels", r.n);
  float* dl = k.buf(2, "dlogits", len);
  if (!k.launch()) return hostCheck(k, 1, r, lab);
  softmaxXentBackward(r.n, r.classes, r.smoothing, pr, lab, r.gradScale, dl, k.c.labelDev, k.s());
  k.c.labelPending = true;
  k.ran(Path::OWN);
}

}  // namespace softmax_xent
}  // namespace cn
