// Softmax cross-entropy with label smoothing: one warp per row (max, sum of exp, loss by shuffles).
// target = (1 - s) * onehot(label) + s / classes; loss = -sum target * log p, log p = z - max - log(sum).
#include "device.cuh"

namespace cn {

__device__ inline float warpSum(float v) {
  for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
  return v;
}
__device__ inline float warpMax(float v) {
  for (int o = 16; o > 0; o >>= 1) v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, o));
  return v;
}

__global__ void xentK(int n, int classes, float smoothing, const float* __restrict__ logits,
                      const float* __restrict__ labels, float* __restrict__ probs, float* __restrict__ loss) {
  const int row = blockIdx.x * (blockDim.x / 32) + threadIdx.x / 32, lane = threadIdx.x % 32;
  if (row >= n) return;
  const float* z = logits + (size_t)row * classes;
  float* pr = probs + (size_t)row * classes;
  float m = -INFINITY;
  for (int k = lane; k < classes; k += 32) m = fmaxf(m, z[k]);
  m = warpMax(m);
  float se = 0.f;
  for (int k = lane; k < classes; k += 32) se += expf(z[k] - m);
  se = warpSum(se);
  const float lse = logf(se);
  const int label = (int)labels[row];
  const float off = smoothing / classes, on = 1.f - smoothing + off;
  float l = 0.f;
  for (int k = lane; k < classes; k += 32) {
    float lp = z[k] - m - lse;
    pr[k] = expf(lp);
    l -= (k == label ? on : off) * lp;
  }
  l = warpSum(l);
  if (lane == 0) loss[row] = l;
}

__global__ void xentBackK(int n, int classes, float smoothing, const float* __restrict__ probs,
                          const float* __restrict__ labels, float gradScale, float* __restrict__ dl) {
  CN_GRID_STRIDE(i, (int64_t)n * classes) {
    int k = (int)(i % classes), row = (int)(i / classes);
    const float off = smoothing / classes;
    float t = (k == (int)labels[row]) ? 1.f - smoothing + off : off;
    dl[i] = (probs[i] - t) * gradScale;
  }
}

void softmaxXentForward(int n, int classes, float smoothing, const float* logits, const float* labels,
                        float* probs, float* loss, cudaStream_t s) {
  xentK<<<(n + 7) / 8, 256, 0, s>>>(n, classes, smoothing, logits, labels, probs, loss);
  checkLaunch("softmaxCrossEntropy");
}

void softmaxXentBackward(int n, int classes, float smoothing, const float* probs, const float* labels,
                         float gradScale, float* dlogits, cudaStream_t s) {
  xentBackK<<<blocksFor((int64_t)n * classes), THREADS, 0, s>>>(n, classes, smoothing, probs, labels, gradScale, dlogits);
  checkLaunch("softmaxCrossEntropyBackward");
}

}  // namespace cn
