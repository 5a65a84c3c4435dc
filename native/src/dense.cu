// Dense layer x [n, inF] . w [outF, inF]^T + b: the same GEMM layer as pointwise convolution
// (backward data/filter reuse gemmLayerBackward* directly from ops.cpp).
#include "device.cuh"

namespace cn {

void denseForward(int n, int inF, int outF, const float* x, const float* w, const float* bias, float* y, Gemm& g,
                  cudaStream_t s) {
  gemmLayerForward(n, inF, outF, x, w, bias, ACT_NONE, y, g, s);
}

}  // namespace cn
