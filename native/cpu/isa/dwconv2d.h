// Depthwise micro-kernels of one ISA (isa/dwconv2d.cpp), multiplier 1: one row of the output (forward)
// or of the input gradient (backward data) at a time, a range of output rows (backward filter);
// channels in SIMD registers.
// Filters are repacked to [kH][kW][C], so one tap of a channel block is one vector load.
#pragma once
#include <cstdint>

namespace cn {
namespace cpu {

/** The geometry the row kernels need (one image; x [inH][inW][C], y [outH][outW][C]). */
struct DwShape {
  int64_t inH, inW, C, outH, outW, kH, kW, strideH, strideW, padTop, padLeft, dilH, dilW;
};

struct DwUk {
  /** y row oh = bias (or 0) + sum over taps of x * wp (no activation). */
  void (*forwardRow)(const DwShape* s, const float* x, const float* wp, const float* bias, int64_t oh, float* y);
  /** dx row ih = sum over the (oh, ow, tap) that read it of dy * wp (overwrites the row). */
  void (*backwardDataRow)(const DwShape* s, const float* dy, const float* wp, int64_t ih, float* dx);
  /** For channels [c0, c1): dwp [kH*kW][C] += sum over output rows [r0, r1) of the batch (row r =
   *  image r / outH, output row r % outH; x and dy are the whole batch) of dy * x; dbias [C] += sum of
   *  dy (when not null). */
  void (*backwardFilterRows)(const DwShape* s, const float* x, const float* dy, int64_t r0, int64_t r1, int64_t c0,
                             int64_t c1, float* dwp, float* dbias);
};

}  // namespace cpu
}  // namespace cn
