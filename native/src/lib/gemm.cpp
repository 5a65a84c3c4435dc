#include "gemm.h"

namespace cn {

void CtxGemm::operator()(bool tA, bool tB, int M, int N, int K, float alpha, const float* A, int lda, const float* B,
                         int ldb, float beta, float* C, int ldc) {
  if (c.cublasH && c.blas) {
    // Row-major C = op(A) op(B) is column-major C^T = op(B)^T op(A)^T: swap the operands.
    auto call = [&] {
      return c.blas->sgemm(c.cublasH, tB ? CUBLAS_OP_T : CUBLAS_OP_N, tA ? CUBLAS_OP_T : CUBLAS_OP_N, N, M, K, &alpha, B,
                           ldb, A, lda, &beta, C, ldc);
    };
    cublasStatus_t st = call();
    if (classifyCublas(st) == LibStatus::ALLOC && c.alloc->releaseForRetry()) st = call();
    if (st != 0) {
      std::string msg = c.blas->statusString ? c.blas->statusString(st) : cublasStatusName(st);
      throw NativeError(op + " (cuBLAS GEMM)", "cuBLAS", st, cublasStatusName(st), msg);
    }
  } else if (!c.opts.hostOnly) {
    gemmKernel(tA, tB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc, c.stream);
  }
}

}  // namespace cn
