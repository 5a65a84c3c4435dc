// Max-pool micro-kernels of one ISA (isa/pool.cpp): one row at a time, channels in SIMD registers.
// The comparison is the reference's: the first maximum in row-major window order wins, and a NaN
// wins (the first NaN), as torch propagates it.
#pragma once
#include <cstdint>

namespace cn {
namespace cpu {

/** One image's geometry: x [inH][inW][C], y [outH][outW][C]. */
struct PoolShape {
  int64_t inH, inW, C, outH, outW, kH, kW, strideH, strideW, padTop, padLeft;
};

struct PoolUk {
  /** y row oh = the window maxima; arg (when not null) = each one's window-relative index kh * kW + kw. */
  void (*maxRow)(const PoolShape* s, const float* x, int64_t oh, float* y, int32_t* arg);
  /** dx row ih (overwritten) = the sum of dy over the outputs whose argmax it is, in (oh, ow) order. */
  void (*maxBackwardRow)(const PoolShape* s, const float* dy, const int32_t* arg, int64_t ih, float* dx);
};

}  // namespace cpu
}  // namespace cn
