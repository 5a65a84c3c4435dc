// Dropout mask from the counter hash of core/random.ts (hash32 in device.cuh): the same seed gives
// the same mask on every backend, bit for bit. keepScale = float(1 / (1 - rate)) computed on the host.
#include "device.cuh"

namespace cn {

__global__ void dropoutK(int64_t len, uint32_t threshold, float keepScale, uint32_t seed, float* __restrict__ mask) {
  CN_GRID_STRIDE(i, len) mask[i] = (hash32(seed, (uint32_t)i) >> 8) >= threshold ? keepScale : 0.f;
}

void dropoutMaskKernel(int64_t len, uint32_t threshold, float keepScale, uint32_t seed, float* mask, cudaStream_t s) {
  dropoutK<<<blocksFor(len), THREADS, 0, s>>>(len, threshold, keepScale, seed, mask);
  checkLaunch("dropoutMask");
}

}  // namespace cn
