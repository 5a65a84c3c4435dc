// The GEMM the kernel families call: cuBLAS when loaded (its workspace from the caching allocator;
// an allocation failure retried once after the cache is returned), else the own tiled kernel.
#pragma once
#include "../runtime.h"

namespace cn {

struct CtxGemm : Gemm {
  Context& c;
  const std::string& op;
  explicit CtxGemm(Context& ctx, const std::string& opName) : c(ctx), op(opName) {}
  void operator()(bool tA, bool tB, int M, int N, int K, float alpha, const float* A, int lda, const float* B, int ldb,
                  float beta, float* C, int ldc) override;
  /** The path the GEMMs take (for the counters). */
  Path path() const { return c.cublasH ? Path::CUBLAS : Path::OWN; }
  /** Whether GEMMs run here: on a device, or through a recording cuBLAS in a host-only test context. */
  bool runs() const { return !c.opts.hostOnly || c.cublasH; }
};

}  // namespace cn
