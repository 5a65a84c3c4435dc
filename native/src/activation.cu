// Elementwise activations and their backward (formulas in activation.cuh, shared with the GEMM epilogue).
#include "device.cuh"

namespace cn {

__global__ void actK(int act, int64_t len, const float* __restrict__ x, float* __restrict__ y) {
  CN_GRID_STRIDE(i, len) y[i] = actForward(act, x[i]);
}

__global__ void actBackK(int act, int64_t len, const float* __restrict__ x, const float* __restrict__ y,
                         const float* __restrict__ dy, float* __restrict__ dx) {
  CN_GRID_STRIDE(i, len) dx[i] = actBackward(act, x[i], y ? y[i] : 0.f, dy[i]);
}

void activationForward(int act, int64_t len, const float* x, float* y, cudaStream_t s) {
  actK<<<blocksFor(len), THREADS, 0, s>>>(act, len, x, y);
  checkLaunch("activation");
}

void activationBackward(int act, int64_t len, const float* x, const float* y, const float* dy, float* dx, cudaStream_t s) {
  actBackK<<<blocksFor(len), THREADS, 0, s>>>(act, len, x, y, dy, dx);
  checkLaunch("activationBackward");
}

}  // namespace cn
