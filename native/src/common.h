// Shared declarations of the native addon: error type, decoded parameter records, kernel launchers.
// Host logic (decoding, validation, planning) lives in <family>.cpp and lib/ and runs without a device;
// each kernel family's launchers live in the <family>.cu beside it (base names as the js backend).
#pragma once
#include <cuda_runtime.h>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>
#include "abi.h"
#include "lib/error.h"
#include "lib/records.h"


namespace cn {

/** Turns a CUDA status into a NativeError naming `op`; clears the (non-sticky) error state first. */
std::string cudaErrorMessage(cudaError_t e);
void throwCuda(cudaError_t e, const char* op);
inline void checkCuda(cudaError_t e, const char* op) {
  if (e != cudaSuccess) throwCuda(e, op);
}
/** After a kernel launch: picks up launch-configuration errors. */
inline void checkLaunch(const char* op) { checkCuda(cudaGetLastError(), op); }

// Parameter records as the kernels see them. Activation codes are the schema's (abi.h, ACTIVATION_NONE = 0).

/** The schema name of an activation code ("none" for 0), or "?" when out of range. */
inline const char* actName(int a) { return a >= 0 && a < abi::ACTIVATION_COUNT ? abi::ACTIVATION_NAMES[a] : "?"; }

/** Labels checked by the softmax cross-entropy kernels (device memory): the first bad sample of the
 *  earliest failing launch, kept until the host reports it (see softmax_xent.cpp). */
struct LabelStatus {
  unsigned long long pending;  // this launch: min over bad samples of (sample << 32 | label bits)
  unsigned long long first;    // the first launch's error since the last check, or LABEL_OK
  int classes;                 // of that launch
  int kernel;                  // 0 forward, 1 backward
};
constexpr unsigned long long LABEL_OK = ~0ull;

// ---- kernel launchers (all asynchronous on `s`; they check the launch and throw NativeError) ----------
// gemm.cu: row-major C[M,N] = alpha * op(A) op(B) + beta * C, then C += bias[col], then activation.
// op(A) is A [M,K] (lda) or, transposed, A stored [K,M]; likewise B [K,N] or stored [N,K].
void gemmKernel(bool transA, bool transB, int M, int N, int K, float alpha, const float* A, int lda,
                const float* B, int ldb, float beta, float* C, int ldc, cudaStream_t s);
void biasActKernel(float* C, int M, int N, int ldc, const float* bias, int act, cudaStream_t s);

/** GEMM as lib/gemm.cpp provides it (cuBLAS when loaded, else gemmKernel); same row-major semantics. */
struct Gemm {
  virtual void operator()(bool tA, bool tB, int M, int N, int K, float alpha, const float* A, int lda, const float* B,
                          int ldb, float beta, float* C, int ldc) = 0;
  virtual ~Gemm() = default;
};

// pwconv2d.cu: backward data of a [rows, inF] x [outF, inF]^T layer (pointwise conv and dense share it)
void gemmLayerBackwardData(int rows, int inF, int outF, const float* dy, const float* w, float* dx, Gemm& g);

// conv2d.cu (im2col for images [img0, img0 + imgs), one group; col is [imgs*outH*outW, kH*kW*cinG])
void im2col(const ConvP& p, const float* x, float* col, int img0, int imgs, int group, cudaStream_t s);
// dcol -> dx for the same images and group (gathers every contribution: deterministic, no atomics)
void col2im(const ConvP& p, const float* dcol, float* dx, int img0, int imgs, int group, cudaStream_t s);

// dwconv2d.cu
void dwForward(const ConvP& p, const float* x, const float* w, const float* bias, float* y, cudaStream_t s);
void dwBackwardData(const ConvP& p, const float* dy, const float* w, float* dx, cudaStream_t s);
void dwBackwardFilter(const ConvP& p, const float* x, const float* dy, float* dw, cudaStream_t s);

// batchnorm.cu (+ column sums shared by dbias of conv/dense)
/** Number of row chunks the column reductions use; scratch needs colsumChunks(rows) * c floats. */
int colsumChunks(int rows);
/** out[c] = sum over rows of a[r, c] (a is [rows, c]). */
void colsum(const float* a, int rows, int c, float* out, float* scratch, cudaStream_t s);
void bnTrain(int rows, int c, float eps, float momentum, const float* x, const float* gamma, const float* beta,
             float* y, float* runMean, float* runVar, float* saveMean, float* saveInvStd, float* scratch, cudaStream_t s);
void bnInference(int rows, int c, float eps, const float* x, const float* gamma, const float* beta,
                 const float* mean, const float* var, float* y, cudaStream_t s);
void bnTrainBackward(int rows, int c, const float* x, const float* dy, const float* gamma, const float* saveMean,
                     const float* saveInvStd, float* dx, float* dgamma, float* dbeta, float* scratch, cudaStream_t s);
void bnInferenceBackward(int rows, int c, float eps, const float* x, const float* dy, const float* gamma,
                         const float* mean, const float* var, float* dx, float* dgamma, float* dbeta, float* scratch,
                         cudaStream_t s);

// pool.cu
void adaptiveAvgPoolForward(const AdaptP& p, const float* x, float* y, cudaStream_t s);
void adaptiveAvgPoolBackward(const AdaptP& p, const float* dy, float* dx, cudaStream_t s);
void maxPoolForward(const PoolP& p, const float* x, float* y, cudaStream_t s);
void maxPoolBackward(const PoolP& p, const float* x, const float* dy, float* dx, cudaStream_t s);
void avgPoolForward(const PoolP& p, const float* x, float* y, cudaStream_t s);
void avgPoolBackward(const PoolP& p, const float* dy, float* dx, cudaStream_t s);

// globalpool.cu
void globalPoolForward(int n, int hw, int c, const float* x, float* y, cudaStream_t s);
void globalPoolBackward(int n, int hw, int c, const float* dy, float* dx, cudaStream_t s);

// activation.cu
void activationForward(int act, int64_t len, const float* x, float* y, cudaStream_t s);
void activationBackward(int act, int64_t len, const float* x, const float* y, const float* dy, float* dx, cudaStream_t s);

// elementwise.cu
void fillKernel(int64_t len, float v, float* y, cudaStream_t s);
void addKernel(int64_t len, const float* a, const float* b, float* y, cudaStream_t s);
void axpyKernel(int64_t len, float alpha, const float* x, float* y, cudaStream_t s);
void scaleKernel(int64_t len, float alpha, const float* x, float* y, cudaStream_t s);
void mulKernel(int64_t len, const float* a, const float* b, float* y, cudaStream_t s);
/** scratch needs SUMSQ_BLOCKS floats. */
constexpr int SUMSQ_BLOCKS = 256;
void sumSquaresKernel(int64_t len, const float* x, float* out, float* scratch, cudaStream_t s);

// channelscale.cu
void channelScaleForward(int n, int hw, int c, const float* x, const float* sc, float* y, cudaStream_t s);
void channelScaleBackward(int n, int hw, int c, const float* x, const float* sc, const float* dy, float* dx,
                          float* ds, cudaStream_t s);

// concat.cu (channel-axis copies of [rows, ci] blocks into [rows, total] at column offset)
void concatPiece(int rows, int total, int offset, int ci, const float* src, float* dst, cudaStream_t s);
void splitPiece(int rows, int total, int offset, int ci, const float* src, float* dst, cudaStream_t s);

// dropout.cu
void dropoutMaskKernel(int64_t len, uint32_t threshold, float keepScale, uint32_t seed, float* mask, cudaStream_t s);

// softmax_xent.cu
// Both record bad labels in st (then commit the launch's first error); outputs are unspecified then.
void softmaxXentForward(int n, int classes, float smoothing, const float* logits, const float* labels,
                        float* probs, float* loss, LabelStatus* st, cudaStream_t s);
void softmaxXentBackward(int n, int classes, float smoothing, const float* probs, const float* labels,
                         float gradScale, float* dlogits, LabelStatus* st, cudaStream_t s);
void labelStatusReset(LabelStatus* st, cudaStream_t s);

// optim.cu
void sgdKernel(int64_t len, float lr, float momentum, float wd, bool nesterov, float* p, const float* g, float* v,
               cudaStream_t s);
void adamwKernel(int64_t len, float lr, float b1, float b2, float eps, float wd, float bc1, float bc2, float* p,
                 const float* g, float* m, float* v, cudaStream_t s);

}  // namespace cn
