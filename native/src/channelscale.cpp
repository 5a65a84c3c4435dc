// Squeeze-excite channel scaling y[i, p, c] = x[i, p, c] * s[i, c] and its backward (channelscale.cu).
#include "kernel.h"

namespace cn {
namespace channelscale {

const abi::ChannelScale& record(const Call& k) {
  const abi::ChannelScale& r = k.rec<abi::ChannelScale>();
  k.positive(r.n, "n"), k.positive(r.hw, "hw"), k.positive(r.c, "c");
  return r;
}

void forward(const Call& k) {
  const abi::ChannelScale& r = record(k);
  const int64_t len = (int64_t)r.n * r.hw * r.c;
  const float* x = k.buf(0, "x", len);
  const float* s = k.buf(1, "s", (int64_t)r.n * r.c);
  float* y = k.buf(2, "y", len);
  if (!k.launch()) return;
  channelScaleForward(r.n, r.hw, r.c, x, s, y, k.s());
  k.ran(Path::OWN);
}

void backward(const Call& k) {
  const abi::ChannelScale& r = record(k);
  const int64_t len = (int64_t)r.n * r.hw * r.c;
  const float* x = k.buf(0, "x", len);
  const float* s = k.buf(1, "s", (int64_t)r.n * r.c);
  const float* dy = k.buf(2, "dy", len);
  float* dx = k.buf(3, "dx", len);
  float* ds = k.buf(4, "ds", (int64_t)r.n * r.c);
  if (!k.launch()) return;
  channelScaleBackward(r.n, r.hw, r.c, x, s, dy, dx, ds, k.s());
  k.ran(Path::OWN);
}

}  // namespace channelscale
}  // namespace cn
