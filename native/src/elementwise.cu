// Elementwise arithmetic (outputs may alias inputs) and a deterministic two-stage sum of squares.
#include "device.cuh"

namespace cn {

__global__ void fillK(int64_t len, float v, float* y) { CN_GRID_STRIDE(i, len) y[i] = v; }
__global__ void addK(int64_t len, const float* a, const float* b, float* y) { CN_GRID_STRIDE(i, len) y[i] = a[i] + b[i]; }
__global__ void axpyK(int64_t len, float alpha, const float* x, float* y) { CN_GRID_STRIDE(i, len) y[i] = fmaf(alpha, x[i], y[i]); }
__global__ void scaleK(int64_t len, float alpha, const float* x, float* y) { CN_GRID_STRIDE(i, len) y[i] = alpha * x[i]; }
__global__ void mulK(int64_t len, const float* a, const float* b, float* y) { CN_GRID_STRIDE(i, len) y[i] = a[i] * b[i]; }

void fillKernel(int64_t len, float v, float* y, cudaStream_t s) {
  fillK<<<blocksFor(len), THREADS, 0, s>>>(len, v, y);
  checkLaunch("fill");
}
void addKernel(int64_t len, const float* a, const float* b, float* y, cudaStream_t s) {
  addK<<<blocksFor(len), THREADS, 0, s>>>(len, a, b, y);
  checkLaunch("add");
}
void axpyKernel(int64_t len, float alpha, const float* x, float* y, cudaStream_t s) {
  axpyK<<<blocksFor(len), THREADS, 0, s>>>(len, alpha, x, y);
  checkLaunch("axpy");
}
void scaleKernel(int64_t len, float alpha, const float* x, float* y, cudaStream_t s) {
  scaleK<<<blocksFor(len), THREADS, 0, s>>>(len, alpha, x, y);
  checkLaunch("scale");
}
void mulKernel(int64_t len, const float* a, const float* b, float* y, cudaStream_t s) {
  mulK<<<blocksFor(len), THREADS, 0, s>>>(len, a, b, y);
  checkLaunch("mul");
}

// Stage 1: SUMSQ_BLOCKS blocks each reduce a grid-stride share; stage 2: one block sums the partials.
__global__ void sumSqK(int64_t len, const float* __restrict__ x, float* __restrict__ part, int square) {
  __shared__ float red[THREADS];
  float acc = 0.f;
  CN_GRID_STRIDE(i, len) { float v = x[i]; acc = square ? fmaf(v, v, acc) : acc + v; }
  red[threadIdx.x] = acc;
  __syncthreads();
  for (int w = THREADS / 2; w > 0; w >>= 1) {
    if (threadIdx.x < w) red[threadIdx.x] += red[threadIdx.x + w];
    __syncthreads();
  }
  if (threadIdx.x == 0) part[blockIdx.x] = red[0];
}

void sumSquaresKernel(int64_t len, const float* x, float* out, float* scratch, cudaStream_t s) {
  sumSqK<<<SUMSQ_BLOCKS, THREADS, 0, s>>>(len, x, scratch, 1);
  checkLaunch("sumSquares");
  sumSqK<<<1, THREADS, 0, s>>>(SUMSQ_BLOCKS, scratch, out, 0);
  checkLaunch("sumSquares");
}

}  // namespace cn
