// Optimiser updates as torch.optim defines them, one thread per parameter; state stays on the device.
#include "device.cuh"

namespace cn {

// SGD (dampening 0): g += wd*p; v = m*v + g; p -= lr * (nesterov ? g + m*v : v)
__global__ void sgdK(int64_t len, float lr, float momentum, float wd, bool nesterov, float* __restrict__ p,
                     const float* __restrict__ g, float* __restrict__ v) {
  CN_GRID_STRIDE(i, len) {
    float gi = g[i] + wd * p[i];
    float vi = momentum * v[i] + gi;
    v[i] = vi;
    p[i] -= lr * (nesterov ? gi + momentum * vi : vi);
  }
}

// AdamW: p *= 1 - lr*wd; m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2; p -= lr/bc1 * m / (sqrt(v)/sqrt(bc2) + eps)
__global__ void adamwK(int64_t len, float lr, float b1, float b2, float eps, float wd, float bc1, float bc2,
                       float* __restrict__ p, const float* __restrict__ g, float* __restrict__ m, float* __restrict__ v) {
  const float sbc2 = sqrtf(bc2);
  CN_GRID_STRIDE(i, len) {
    float gi = g[i];
    float pi = p[i] * (1.f - lr * wd);
    float mi = b1 * m[i] + (1.f - b1) * gi;
    float vi = b2 * v[i] + (1.f - b2) * gi * gi;
    m[i] = mi;
    v[i] = vi;
    p[i] = pi - (lr / bc1) * mi / (sqrtf(vi) / sbc2 + eps);
  }
}

void sgdKernel(int64_t len, float lr, float momentum, float wd, bool nesterov, float* p, const float* g, float* v,
               cudaStream_t s) {
  sgdK<<<blocksFor(len), THREADS, 0, s>>>(len, lr, momentum, wd, nesterov, p, g, v);
  checkLaunch("sgdUpdate");
}

void adamwKernel(int64_t len, float lr, float b1, float b2, float eps, float wd, float bc1, float bc2, float* p,
                 const float* g, float* m, float* v, cudaStream_t s) {
  adamwK<<<blocksFor(len), THREADS, 0, s>>>(len, lr, b1, b2, eps, wd, bc1, bc2, p, g, m, v);
  checkLaunch("adamwUpdate");
}

}  // namespace cn
