// Pointwise activations by the schema's codes (abi.h ACTIVATION_*; 'none' is not a kernel); formulas
// in activation.cuh, shared with the fused GEMM / depthwise epilogues.
#include "kernel.h"

namespace cn {
namespace activation {

int64_t record(const Call& k, int& act) {
  const abi::Activation& r = k.rec<abi::Activation>();
  k.require(r.kind > abi::ACTIVATION_NONE && r.kind < abi::ACTIVATION_COUNT,
            "params.kind: unknown activation code " + std::to_string(r.kind));
  act = r.kind;
  return k.nonNegative(r.length, "length");
}

void forward(const Call& k) {
  int act;
  const int64_t len = record(k, act);
  const float* x = k.buf(0, "x", len);
  float* y = k.buf(1, "y", len);
  if (!k.launch() || !len) return;
  activationForward(act, len, x, y, k.s());
  k.ran(Path::OWN);
}

void backward(const Call& k) {
  int act;
  const int64_t len = record(k, act);
  const float* x = k.buf(0, "x", len);
  const float* y = k.buf(1, "y", len);
  const float* dy = k.buf(2, "dy", len);
  float* dx = k.buf(3, "dx", len);
  if (!k.launch() || !len) return;
  activationBackward(act, len, x, y, dy, dx, k.s());
  k.ran(Path::OWN);
}

}  // namespace activation
}  // namespace cn
