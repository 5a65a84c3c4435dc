// Softmax cross-entropy with label smoothing: one warp per row (max, sum of exp, loss by shuffles).
// target = (1 - s) * onehot(label) + s / classes; loss = -sum target * log p, log p = z - max - log(sum);
// a zero target contributes nothing (0 * log 0 would be NaN for a -inf logit), as the js reference.
// Labels are checked here: a bad one (not an integer in [0, classes)) is recorded in a LabelStatus that
// the host reports at its next synchronisation (softmax_xent.cpp); the kernel never indexes by a label.
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

/** The label of `row` as a class index, or -1 after recording it as bad (NaN and fractions included). */
__device__ inline int checkedLabel(const float* labels, int row, int classes, LabelStatus* st) {
  const float l = labels[row];
  if (l >= 0.f && l < (float)classes && l == floorf(l)) return (int)l;
  atomicMin(&st->pending, ((unsigned long long)row << 32) | (unsigned long long)__float_as_uint(l));
  return -1;
}

__global__ void xentK(int n, int classes, float smoothing, const float* __restrict__ logits,
                      const float* __restrict__ labels, float* __restrict__ probs, float* __restrict__ loss,
                      LabelStatus* st) {
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
  int label = lane == 0 ? checkedLabel(labels, row, classes, st) : 0;
  label = __shfl_sync(0xffffffffu, label, 0);
  const float off = smoothing / classes, on = 1.f - smoothing + off;
  float l = 0.f;
  for (int k = lane; k < classes; k += 32) {
    float lp = z[k] - m - lse;
    pr[k] = expf(lp);
    const float t = k == label ? on : off;
    if (t != 0.f) l -= t * lp;
  }
  l = warpSum(l);
  if (lane == 0) loss[row] = l;
}

__global__ void xentBackK(int n, int classes, float smoothing, const float* __restrict__ probs,
                          const float* __restrict__ labels, float gradScale, float* __restrict__ dl, LabelStatus* st) {
  CN_GRID_STRIDE(i, (int64_t)n * classes) {
    int k = (int)(i % classes), row = (int)(i / classes);
    const float off = smoothing / classes;
    // One check per row (the thread of class 0); the others compare the raw value, which a bad label never equals.
    if (k == 0) checkedLabel(labels, row, classes, st);
    float t = ((float)k == labels[row]) ? 1.f - smoothing + off : off;
    dl[i] = (probs[i] - t) * gradScale;
  }
}

/** After each launch: keep its first bad label unless an earlier launch's error is still unreported. */
__global__ void labelCommitK(LabelStatus* st, int classes, int kernel) {
  if (st->pending != LABEL_OK) {
    if (st->first == LABEL_OK) {
      st->first = st->pending;
      st->classes = classes;
      st->kernel = kernel;
    }
    st->pending = LABEL_OK;
  }
}

void labelStatusReset(LabelStatus* st, cudaStream_t s) {
  checkCuda(cudaMemsetAsync(st, 0xff, sizeof(LabelStatus), s), "label status");
}

void softmaxXentForward(int n, int classes, float smoothing, const float* logits, const float* labels,
                        float* probs, float* loss, LabelStatus* st, cudaStream_t s) {
  xentK<<<(n + 7) / 8, 256, 0, s>>>(n, classes, smoothing, logits, labels, probs, loss, st);
  checkLaunch("softmaxCrossEntropy");
  labelCommitK<<<1, 1, 0, s>>>(st, classes, 0);
  checkLaunch("softmaxCrossEntropy");
}

void softmaxXentBackward(int n, int classes, float smoothing, const float* probs, const float* labels,
                         float gradScale, float* dlogits, LabelStatus* st, cudaStream_t s) {
  xentBackK<<<blocksFor((int64_t)n * classes), THREADS, 0, s>>>(n, classes, smoothing, probs, labels, gradScale,
                                                                 dlogits, st);
  checkLaunch("softmaxCrossEntropyBackward");
  labelCommitK<<<1, 1, 0, s>>>(st, classes, 1);
  checkLaunch("softmaxCrossEntropyBackward");
}

}  // namespace cn
