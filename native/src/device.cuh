// Device-side helpers shared by the kernel files. Functions marked __host__ __device__ are also
// called from host code (plan.cpp tests them without a GPU), so the index math is tested everywhere.
#pragma once
#include <cstdint>
#include <cmath>
#include "common.h"


namespace cn {

constexpr int THREADS = 256;

inline unsigned blocksFor(int64_t work, int threads = THREADS, int64_t cap = 65535LL * 32) {
  int64_t b = (work + threads - 1) / threads;
  if (b < 1) b = 1;
  return (unsigned)(b > cap ? cap : b);
}

/** core/random.ts hash32: murmur3 finaliser over a Weyl combination, in uint32 arithmetic. */
CN_HD inline uint32_t hash32(uint32_t seed, uint32_t index) {
  uint32_t h = index * 0x9e3779b1u + seed * 0x85ebca77u;
  h ^= h >> 16;
  h *= 0x85ebca6bu;
  h ^= h >> 13;
  h *= 0xc2b2ae35u;
  h ^= h >> 16;
  return h;
}

/** Divisor of one average-pool window, as torch: the window clipped to the padded extent, then
 *  (without countIncludePad) to the input. padB/padR: padding below/right (torch: equal to padT/padL). */
CN_HD inline int avgPoolDivisor(int oh, int ow, int inH, int inW, int kH, int kW, int sH, int sW, int padT, int padL,
                                int padB, int padR, bool includePad) {
  int h0 = oh * sH - padT, w0 = ow * sW - padL;
  int h1 = h0 + kH < inH + padB ? h0 + kH : inH + padB;
  int w1 = w0 + kW < inW + padR ? w0 + kW : inW + padR;
  int full = (h1 - h0) * (w1 - w0);
  if (includePad) return full;
  if (h0 < 0) h0 = 0;
  if (w0 < 0) w0 = 0;
  if (h1 > inH) h1 = inH;
  if (w1 > inW) w1 = inW;
  int d = (h1 - h0) * (w1 - w0);
  return d > 0 ? d : 1;
}

// The activation formulas are __host__ __device__: the addon's _test.activation probe runs this very
// code on the host (with the host's expf/erfcf, within an ulp or two of the device's) against the js
// reference, so each formula is tested without a GPU.
/** Phi(x), the standard normal CDF, as erfc so the tail of a negative x keeps its relative accuracy. */
CN_HD inline float normalCdf(float x) { return 0.5f * erfcf(-x * 0.70710678118654752f); }

CN_HD inline float actForward(int act, float x) {
  using namespace abi;
  switch (act) {
    case ACTIVATION_RELU: return x > 0.f ? x : 0.f;
    case ACTIVATION_RELU6: return fminf(fmaxf(x, 0.f), 6.f);
    case ACTIVATION_SILU: return x / (1.f + expf(-x));
    case ACTIVATION_SIGMOID: return 1.f / (1.f + expf(-x));
    case ACTIVATION_HARDSWISH: return x * fminf(fmaxf(x + 3.f, 0.f), 6.f) / 6.f;
    case ACTIVATION_HARDSIGMOID: return fminf(fmaxf(x + 3.f, 0.f), 6.f) / 6.f;
    case ACTIVATION_GELU: return x * normalCdf(x);  // exact (erf) form, as torch's default
    default: return x;
  }
}

/** d act / dx at input x (output y where cheaper), times dy; boundaries as torch's backward kernels. */
CN_HD inline float actBackward(int act, float x, float y, float dy) {
  using namespace abi;
  switch (act) {
    case ACTIVATION_RELU: return x > 0.f ? dy : 0.f;
    case ACTIVATION_RELU6: return (x > 0.f && x < 6.f) ? dy : 0.f;
    case ACTIVATION_SILU: {
      float sg = 1.f / (1.f + expf(-x));
      return dy * sg * (1.f + x * (1.f - sg));
    }
    case ACTIVATION_SIGMOID: return dy * y * (1.f - y);
    case ACTIVATION_HARDSWISH: return x < -3.f ? 0.f : (x <= 3.f ? dy * (2.f * x + 3.f) / 6.f : dy);
    case ACTIVATION_HARDSIGMOID: return (x > -3.f && x < 3.f) ? dy / 6.f : 0.f;
    case ACTIVATION_GELU: return dy * (normalCdf(x) + x * 0.39894228040143268f * expf(-0.5f * x * x));
    default: return dy;
  }
}

/** torch AdaptiveAvgPool2d windows: output o of `out` covers inputs [start, end) of `in`; windows may
 *  overlap. Input i lies in the windows o = adaptLo(i) .. adaptHi(i) (the backward's gather range). */
CN_HD inline int adaptStart(int o, int in, int out) { return (int)(((int64_t)o * in) / out); }
CN_HD inline int adaptEnd(int o, int in, int out) { return (int)(((int64_t)(o + 1) * in + out - 1) / out); }
CN_HD inline int adaptLo(int i, int in, int out) { return (int)(((int64_t)i * out) / in); }
CN_HD inline int adaptHi(int i, int in, int out) {
  int h = (int)(((int64_t)(i + 1) * out + in - 1) / in) - 1;
  return h < out - 1 ? h : out - 1;
}

#ifdef __CUDACC__
#define CN_GRID_STRIDE(i, n) \
  for (int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; i < (n); i += (int64_t)blockDim.x * gridDim.x)
#endif

}  // namespace cn
