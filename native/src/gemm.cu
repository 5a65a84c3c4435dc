// Tiled SGEMM (row-major, optional transposes): 64x64 output tile per 256-thread block, 4x4 outputs per
// thread, K in steps of 16 through shared memory. Used for pointwise conv, dense and im2col conv when
// cuBLAS is absent. Plain fp32 FMA: matches the js reference to rounding (no TF32).
#include "device.cuh"

namespace cn {

constexpr int TM = 64, TN = 64, TK = 16;

// gridDim.z > 1: split-K. Each z-slice sums its share of K and adds alpha * partial into C atomically
// (C was pre-scaled by beta). Used when the output has too few tiles to fill the GPU (weight
// gradients: M*N small, K = pixels large).
__global__ void sgemmTile(int M, int N, int K, float alpha, const float* __restrict__ A, int lda, bool tA,
                          const float* __restrict__ B, int ldb, bool tB, float beta, float* __restrict__ C, int ldc) {
  const int kPer = (K + gridDim.z - 1) / gridDim.z;
  const int kBegin = blockIdx.z * kPer;
  const int kEnd = min(K, kBegin + kPer);
  __shared__ float As[TK][TM + 4];
  __shared__ float Bs[TK][TN + 4];
  const int tid = threadIdx.x, tx = tid % 16, ty = tid / 16;
  const int m0 = blockIdx.x * TM, n0 = blockIdx.y * TN;
  float acc[4][4] = {};
  for (int k0 = kBegin; k0 < kEnd; k0 += TK) {
#pragma unroll
    for (int l = 0; l < 4; l++) {
      const int idx = tid + l * 256;
      // Each load walks the operand's contiguous axis across consecutive threads (coalesced).
      int mm, kk;
      if (!tA) { kk = idx % TK; mm = idx / TK; } else { mm = idx % TM; kk = idx / TM; }
      int gm = m0 + mm, gk = k0 + kk;
      As[kk][mm] = (gm < M && gk < kEnd) ? (tA ? A[(size_t)gk * lda + gm] : A[(size_t)gm * lda + gk]) : 0.f;
      int nn;
      if (!tB) { nn = idx % TN; kk = idx / TN; } else { kk = idx % TK; nn = idx / TK; }
      int gn = n0 + nn;
      gk = k0 + kk;
      Bs[kk][nn] = (gn < N && gk < kEnd) ? (tB ? B[(size_t)gn * ldb + gk] : B[(size_t)gk * ldb + gn]) : 0.f;
    }
    __syncthreads();
#pragma unroll
    for (int kk = 0; kk < TK; kk++) {
      float a[4], b[4];
#pragma unroll
      for (int i = 0; i < 4; i++) a[i] = As[kk][ty + 16 * i];
#pragma unroll
      for (int j = 0; j < 4; j++) b[j] = Bs[kk][tx + 16 * j];
#pragma unroll
      for (int i = 0; i < 4; i++)
#pragma unroll
        for (int j = 0; j < 4; j++) acc[i][j] = fmaf(a[i], b[j], acc[i][j]);
    }
    __syncthreads();
  }
#pragma unroll
  for (int i = 0; i < 4; i++) {
    const int gm = m0 + ty + 16 * i;
    if (gm >= M) continue;
#pragma unroll
    for (int j = 0; j < 4; j++) {
      const int gn = n0 + tx + 16 * j;
      if (gn >= N) continue;
      float* c = C + (size_t)gm * ldc + gn;
      if (gridDim.z > 1) atomicAdd(c, alpha * acc[i][j]);
      else *c = beta == 0.f ? alpha * acc[i][j] : alpha * acc[i][j] + beta * *c;
    }
  }
}

__global__ void scaleMatK(float* C, int M, int N, int ldc, float beta) {
  CN_GRID_STRIDE(i, (int64_t)M * N) {
    float* c = C + (size_t)(i / N) * ldc + (i % N);
    *c = beta == 0.f ? 0.f : beta * *c;  // beta 0 overwrites (C may hold NaN)
  }
}

int gemmSplitK(int M, int N, int K) {
  const int tiles = ((M + TM - 1) / TM) * ((N + TN - 1) / TN);
  if (tiles >= 128 || K < 4096) return 1;
  int split = (256 + tiles - 1) / tiles;
  int byK = K / 2048;
  return split < byK ? split : (byK > 1 ? byK : 1);
}

void gemmKernel(bool transA, bool transB, int M, int N, int K, float alpha, const float* A, int lda,
                const float* B, int ldb, float beta, float* C, int ldc, cudaStream_t s) {
  if (M <= 0 || N <= 0) return;
  const int split = gemmSplitK(M, N, K);
  if (split > 1) {
    scaleMatK<<<blocksFor((int64_t)M * N), THREADS, 0, s>>>(C, M, N, ldc, beta);
    checkLaunch("gemm");
  }
  dim3 grid((M + TM - 1) / TM, (N + TN - 1) / TN, split);
  sgemmTile<<<grid, 256, 0, s>>>(M, N, K, alpha, A, lda, transA, B, ldb, transB, beta, C, ldc);
  checkLaunch("gemm");
}

__global__ void biasActK(float* C, int M, int N, int ldc, const float* __restrict__ bias, int act) {
  CN_GRID_STRIDE(i, (int64_t)M * N) {
    int r = (int)(i / N), c = (int)(i % N);
    float* p = C + (size_t)r * ldc + c;
    float v = *p + (bias ? bias[c] : 0.f);
    *p = actForward(act, v);
  }
}

void biasActKernel(float* C, int M, int N, int ldc, const float* bias, int act, cudaStream_t s) {
  if (!bias && act == abi::ACTIVATION_NONE) return;
  biasActK<<<blocksFor((int64_t)M * N), THREADS, 0, s>>>(C, M, N, ldc, bias, act);
  checkLaunch("gemm epilogue");
}

}  // namespace cn
