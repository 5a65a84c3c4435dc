// Pointwise (1x1, stride 1) convolution in NHWC is exactly a GEMM over [rows = n*h*w, inC]:
// forward y = x . w^T (+ bias, activation), backward data dx = dy . w, backward filter dw = dy^T . x.
#include "device.cuh"

namespace cn {

void gemmLayerForward(int rows, int inF, int outF, const float* x, const float* w, const float* bias, int act,
                      float* y, Gemm& g, cudaStream_t s) {
  g(false, true, rows, outF, inF, 1.f, x, inF, w, inF, 0.f, y, outF);
  biasActKernel(y, rows, outF, outF, bias, act, s);
}

void gemmLayerBackwardData(int rows, int inF, int outF, const float* dy, const float* w, float* dx, Gemm& g) {
  g(false, false, rows, inF, outF, 1.f, dy, outF, w, inF, 0.f, dx, inF);
}

void gemmLayerBackwardFilter(int rows, int inF, int outF, const float* x, const float* dy, float* dw, float* dbias,
                             float* scratch, Gemm& g, cudaStream_t s) {
  g(true, false, outF, inF, rows, 1.f, dy, outF, x, inF, 0.f, dw, inF);
  if (dbias) colsum(dy, rows, outF, dbias, scratch, s);
}

}  // namespace cn
