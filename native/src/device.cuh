// Device-side helpers shared by the kernel files. Functions marked __host__ __device__ are also
// called from host code (plan.cpp tests them without a GPU), so the index math is tested everywhere.
#pragma once
#include <cstdint>
#include <cmath>
#include "common.h"
#include "activation.cuh"
#include "lib/numbers.h"  // hash32, shared with the CPU addon


namespace cn {

constexpr int THREADS = 256;

inline unsigned blocksFor(int64_t work, int threads = THREADS, int64_t cap = 65535LL * 32) {
  int64_t b = (work + threads - 1) / threads;
  if (b < 1) b = 1;
  return (unsigned)(b > cap ? cap : b);
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
