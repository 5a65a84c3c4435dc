// Global average pool [n, hw, c] -> [n, c]: one thread per (image, channel), consecutive channels per warp.
#include "device.cuh"

namespace cn {

__global__ void gapK(int n, int hw, int c, const float* __restrict__ x, float* __restrict__ y) {
  CN_GRID_STRIDE(i, (int64_t)n * c) {
    int ch = (int)(i % c), img = (int)(i / c);
    const float* p = x + (size_t)img * hw * c + ch;
    float acc = 0.f;
    for (int k = 0; k < hw; k++) acc += p[(size_t)k * c];
    y[i] = acc / (float)hw;
  }
}

__global__ void gapBackK(int n, int hw, int c, const float* __restrict__ dy, float* __restrict__ dx) {
  CN_GRID_STRIDE(i, (int64_t)n * hw * c) {
    int ch = (int)(i % c);
    int img = (int)(i / ((int64_t)hw * c));
    dx[i] = dy[(size_t)img * c + ch] / (float)hw;
  }
}

void globalPoolForward(int n, int hw, int c, const float* x, float* y, cudaStream_t s) {
  gapK<<<blocksFor((int64_t)n * c), THREADS, 0, s>>>(n, hw, c, x, y);
  checkLaunch("globalAvgPool");
}

void globalPoolBackward(int n, int hw, int c, const float* dy, float* dx, cudaStream_t s) {
  gapBackK<<<blocksFor((int64_t)n * hw * c), THREADS, 0, s>>>(n, hw, c, dy, dx);
  checkLaunch("globalAvgPoolBackward");
}

}  // namespace cn
