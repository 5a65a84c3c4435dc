// Squeeze-excite channel scaling y[i, p, c] = x[i, p, c] * s[i, c] and its backward
// (ds sums over the hw pixels of each image: one thread per (image, channel)).
#include "device.cuh"

namespace cn {

__global__ void csK(int n, int hw, int c, const float* __restrict__ x, const float* __restrict__ sc, float* __restrict__ y) {
  CN_GRID_STRIDE(i, (int64_t)n * hw * c) {
    int ch = (int)(i % c), img = (int)(i / ((int64_t)hw * c));
    y[i] = x[i] * sc[(size_t)img * c + ch];
  }
}

__global__ void csBackDsK(int n, int hw, int c, const float* __restrict__ x, const float* __restrict__ dy, float* __restrict__ ds) {
  CN_GRID_STRIDE(i, (int64_t)n * c) {
    int ch = (int)(i % c), img = (int)(i / c);
    size_t base = (size_t)img * hw * c + ch;
    float acc = 0.f;
    for (int k = 0; k < hw; k++) acc = fmaf(dy[base + (size_t)k * c], x[base + (size_t)k * c], acc);
    ds[i] = acc;
  }
}

void channelScaleForward(int n, int hw, int c, const float* x, const float* sc, float* y, cudaStream_t s) {
  csK<<<blocksFor((int64_t)n * hw * c), THREADS, 0, s>>>(n, hw, c, x, sc, y);
  checkLaunch("channelScale");
}

void channelScaleBackward(int n, int hw, int c, const float* x, const float* sc, const float* dy, float* dx,
                          float* ds, cudaStream_t s) {
  // ds first: dx may not alias, but keep the reads of dy ahead of any write anyway.
  csBackDsK<<<blocksFor((int64_t)n * c), THREADS, 0, s>>>(n, hw, c, x, dy, ds);
  checkLaunch("channelScaleBackward");
  csK<<<blocksFor((int64_t)n * hw * c), THREADS, 0, s>>>(n, hw, c, dy, sc, dx);
  checkLaunch("channelScaleBackward");
}

}  // namespace cn
