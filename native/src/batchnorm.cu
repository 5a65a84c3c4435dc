// Batch norm over [rows, c] (NHWC flattened). Column reductions run in two deterministic stages:
// blocks of (32 channels x 8 lanes) sum a chunk of rows into scratch[chunk, c], then one pass sums
// the chunks. Variance is two-pass (mean first), as the js reference, for accuracy.
#include "device.cuh"

namespace cn {

constexpr int CHUNK_ROWS = 512;
constexpr int MAX_CHUNKS = 256;

int colsumChunks(int rows) {
  int ch = (rows + CHUNK_ROWS - 1) / CHUNK_ROWS;
  return ch < 1 ? 1 : (ch > MAX_CHUNKS ? MAX_CHUNKS : ch);
}

// mode 0: sum a; 1: sum (a - m)^2; 2: sum b * (a - m)
__global__ void colPartialK(int mode, const float* __restrict__ a, const float* __restrict__ b,
                            const float* __restrict__ m, int rows, int c, int chunks, float* __restrict__ part) {
  __shared__ float red[8][33];
  const int ch = blockIdx.x * 32 + threadIdx.x;
  const int chunk = blockIdx.y;
  const int per = (rows + chunks - 1) / chunks;
  const int r0 = chunk * per, r1 = min(rows, r0 + per);
  float acc = 0.f;
  if (ch < c) {
    const float mc = mode ? m[ch] : 0.f;
    for (int r = r0 + threadIdx.y; r < r1; r += 8) {
      float v = a[(size_t)r * c + ch];
      if (mode == 0) acc += v;
      else if (mode == 1) { float d = v - mc; acc = fmaf(d, d, acc); }
      else acc = fmaf(b[(size_t)r * c + ch], v - mc, acc);
    }
  }
  red[threadIdx.y][threadIdx.x] = acc;
  __syncthreads();
  if (threadIdx.y == 0 && ch < c) {
    float s = 0.f;
    for (int l = 0; l < 8; l++) s += red[l][threadIdx.x];
    part[(size_t)chunk * c + ch] = s;
  }
}

__global__ void colFinalK(const float* __restrict__ part, int chunks, int c, float scale, float* __restrict__ out) {
  CN_GRID_STRIDE(ch, c) {
    float s = 0.f;
    for (int k = 0; k < chunks; k++) s += part[(size_t)k * c + ch];
    out[ch] = s * scale;
  }
}

static void colReduce(int mode, const float* a, const float* b, const float* m, int rows, int c, float scale,
                      float* out, float* scratch, cudaStream_t s, const char* op) {
  const int chunks = colsumChunks(rows);
  colPartialK<<<dim3((c + 31) / 32, chunks), dim3(32, 8), 0, s>>>(mode, a, b, m, rows, c, chunks, scratch);
  checkLaunch(op);
  colFinalK<<<blocksFor(c), THREADS, 0, s>>>(scratch, chunks, c, scale, out);
  checkLaunch(op);
}

void colsum(const float* a, int rows, int c, float* out, float* scratch, cudaStream_t s) {
  colReduce(0, a, nullptr, nullptr, rows, c, 1.f, out, scratch, s, "bias gradient");
}

// Per channel: invstd, saved stats and the torch running-stat update (unbiased variance).
__global__ void bnStatsK(int rows, int c, float eps, float momentum, const float* __restrict__ mean,
                         const float* __restrict__ var, float* runMean, float* runVar, float* saveMean, float* saveInvStd) {
  CN_GRID_STRIDE(ch, c) {
    float mu = mean[ch], v = var[ch];
    saveMean[ch] = mu;
    saveInvStd[ch] = 1.f / sqrtf(v + eps);
    float unbiased = rows > 1 ? v * ((float)rows / (float)(rows - 1)) : v;
    runMean[ch] = (1.f - momentum) * runMean[ch] + momentum * mu;
    runVar[ch] = (1.f - momentum) * runVar[ch] + momentum * unbiased;
  }
}

// y = (x - mean) * invstd * gamma + beta; invstd either given or computed from var + eps.
__global__ void bnApplyK(int64_t total, int c, const float* __restrict__ x, const float* __restrict__ gamma,
                         const float* __restrict__ beta, const float* __restrict__ mean, const float* __restrict__ invstd,
                         const float* __restrict__ var, float eps, float* __restrict__ y) {
  CN_GRID_STRIDE(i, total) {
    int ch = (int)(i % c);
    float is = invstd ? invstd[ch] : 1.f / sqrtf(var[ch] + eps);
    y[i] = (x[i] - mean[ch]) * is * gamma[ch] + beta[ch];
  }
}

void bnTrain(int rows, int c, float eps, float momentum, const float* x, const float* gamma, const float* beta,
             float* y, float* runMean, float* runVar, float* saveMean, float* saveInvStd, float* scratch, cudaStream_t s) {
  // scratch: partials (chunks*c) + mean (c) + var (c)
  float* mean = scratch + (size_t)colsumChunks(rows) * c;
  float* var = mean + c;
  colReduce(0, x, nullptr, nullptr, rows, c, 1.f / rows, mean, scratch, s, "batchNormTrain");
  colReduce(1, x, nullptr, mean, rows, c, 1.f / rows, var, scratch, s, "batchNormTrain");
  bnStatsK<<<blocksFor(c), THREADS, 0, s>>>(rows, c, eps, momentum, mean, var, runMean, runVar, saveMean, saveInvStd);
  checkLaunch("batchNormTrain");
  bnApplyK<<<blocksFor((int64_t)rows * c), THREADS, 0, s>>>((int64_t)rows * c, c, x, gamma, beta, saveMean, saveInvStd,
                                                            nullptr, eps, y);
  checkLaunch("batchNormTrain");
}

void bnInference(int rows, int c, float eps, const float* x, const float* gamma, const float* beta,
                 const float* mean, const float* var, float* y, cudaStream_t s) {
  bnApplyK<<<blocksFor((int64_t)rows * c), THREADS, 0, s>>>((int64_t)rows * c, c, x, gamma, beta, mean, nullptr, var,
                                                            eps, y);
  checkLaunch("batchNormInference");
}

// dx = gamma * invstd / rows * (rows * dy - dbeta - xhat * dgamma'), dgamma' = sum dy * xhat.
__global__ void bnBackK(int64_t total, int c, int rows, const float* __restrict__ x, const float* __restrict__ dy,
                        const float* __restrict__ gamma, const float* __restrict__ mean, const float* __restrict__ invstd,
                        const float* __restrict__ dgamma, const float* __restrict__ dbeta, float* __restrict__ dx) {
  CN_GRID_STRIDE(i, total) {
    int ch = (int)(i % c);
    float is = invstd[ch];
    float xhat = (x[i] - mean[ch]) * is;
    dx[i] = gamma[ch] * is / rows * ((float)rows * dy[i] - dbeta[ch] - xhat * dgamma[ch]);
  }
}

__global__ void mulVecK(int c, const float* __restrict__ a, const float* __restrict__ b, float* __restrict__ out) {
  CN_GRID_STRIDE(ch, c) out[ch] = a[ch] * b[ch];
}

void bnTrainBackward(int rows, int c, const float* x, const float* dy, const float* gamma, const float* saveMean,
                     const float* saveInvStd, float* dx, float* dgamma, float* dbeta, float* scratch, cudaStream_t s) {
  colReduce(0, dy, nullptr, nullptr, rows, c, 1.f, dbeta, scratch, s, "batchNormTrainBackward");
  // sum dy*(x-mean), then times invstd
  colReduce(2, x, dy, saveMean, rows, c, 1.f, dgamma, scratch, s, "batchNormTrainBackward");
  mulVecK<<<blocksFor(c), THREADS, 0, s>>>(c, dgamma, saveInvStd, dgamma);
  checkLaunch("batchNormTrainBackward");
  bnBackK<<<blocksFor((int64_t)rows * c), THREADS, 0, s>>>((int64_t)rows * c, c, rows, x, dy, gamma, saveMean,
                                                           saveInvStd, dgamma, dbeta, dx);
  checkLaunch("batchNormTrainBackward");
}

__global__ void invStdK(int c, float eps, const float* __restrict__ var, float* __restrict__ out) {
  CN_GRID_STRIDE(ch, c) out[ch] = 1.f / sqrtf(var[ch] + eps);
}

__global__ void bnInfBackK(int64_t total, int c, const float* __restrict__ dy, const float* __restrict__ gamma,
                           const float* __restrict__ invstd, float* __restrict__ dx) {
  CN_GRID_STRIDE(i, total) {
    int ch = (int)(i % c);
    dx[i] = dy[i] * gamma[ch] * invstd[ch];
  }
}

void bnInferenceBackward(int rows, int c, float eps, const float* x, const float* dy, const float* gamma,
                         const float* mean, const float* var, float* dx, float* dgamma, float* dbeta, float* scratch,
                         cudaStream_t s) {
  float* invstd = scratch + (size_t)colsumChunks(rows) * c;
  invStdK<<<blocksFor(c), THREADS, 0, s>>>(c, eps, var, invstd);
  checkLaunch("batchNormInferenceBackward");
  colReduce(0, dy, nullptr, nullptr, rows, c, 1.f, dbeta, scratch, s, "batchNormInferenceBackward");
  colReduce(2, x, dy, mean, rows, c, 1.f, dgamma, scratch, s, "batchNormInferenceBackward");
  mulVecK<<<blocksFor(c), THREADS, 0, s>>>(c, dgamma, invstd, dgamma);
  checkLaunch("batchNormInferenceBackward");
  bnInfBackK<<<blocksFor((int64_t)rows * c), THREADS, 0, s>>>((int64_t)rows * c, c, dy, gamma, invstd, dx);
  checkLaunch("batchNormInferenceBackward");
}

}  // namespace cn
