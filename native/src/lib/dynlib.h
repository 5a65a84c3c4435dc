// cuDNN 9 and cuBLAS, opened at run time with dlopen: the addon builds without their headers and
// works without them (own kernels). Only the few types and entry points we call are declared here.
#pragma once
#include <cuda_runtime.h>
#include <cstddef>
#include <string>

namespace cn {

// ---- cuDNN (legacy convolution API, still exported by cuDNN 9) -----------------------------------
typedef struct cudnnContext* cudnnHandle_t;
typedef struct cudnnTensorStruct* cudnnTensorDescriptor_t;
typedef struct cudnnFilterStruct* cudnnFilterDescriptor_t;
typedef struct cudnnConvolutionStruct* cudnnConvolutionDescriptor_t;
typedef int cudnnStatus_t;
enum { CUDNN_DATA_FLOAT = 0, CUDNN_TENSOR_NHWC = 1, CUDNN_CROSS_CORRELATION = 1 };
enum { CUDNN_DEFAULT_MATH = 0, CUDNN_FMA_MATH = 3 };
enum { CUDNN_BATCHNORM_SPATIAL = 1 };
enum { CUDNN_TENSOR_OP_MATH = 1 };
constexpr double CUDNN_BN_MIN_EPSILON = 1e-5;

/** Layout shared by cudnnConvolution{Fwd,BwdData,BwdFilter}AlgoPerf_t. */
struct CudnnAlgoPerf {
  int algo;
  cudnnStatus_t status;
  float time;
  size_t memory;
  int determinism;
  int mathType;
  int reserved[3];
};

struct CudnnApi {
  bool ok = false;
  std::string error;    // why not loaded
  std::string library;  // the name that dlopen accepted
  size_t version = 0;
  cudnnStatus_t (*create)(cudnnHandle_t*) = nullptr;
  cudnnStatus_t (*destroy)(cudnnHandle_t) = nullptr;
  cudnnStatus_t (*setStream)(cudnnHandle_t, cudaStream_t) = nullptr;
  const char* (*getErrorString)(cudnnStatus_t) = nullptr;
  cudnnStatus_t (*createTensor)(cudnnTensorDescriptor_t*) = nullptr;
  cudnnStatus_t (*setTensor4d)(cudnnTensorDescriptor_t, int fmt, int dtype, int n, int c, int h, int w) = nullptr;
  cudnnStatus_t (*destroyTensor)(cudnnTensorDescriptor_t) = nullptr;
  cudnnStatus_t (*createFilter)(cudnnFilterDescriptor_t*) = nullptr;
  cudnnStatus_t (*setFilter4d)(cudnnFilterDescriptor_t, int dtype, int fmt, int k, int c, int h, int w) = nullptr;
  cudnnStatus_t (*destroyFilter)(cudnnFilterDescriptor_t) = nullptr;
  cudnnStatus_t (*createConv)(cudnnConvolutionDescriptor_t*) = nullptr;
  cudnnStatus_t (*setConv2d)(cudnnConvolutionDescriptor_t, int padH, int padW, int u, int v, int dilH, int dilW,
                             int mode, int computeType) = nullptr;
  cudnnStatus_t (*setConvGroups)(cudnnConvolutionDescriptor_t, int) = nullptr;
  cudnnStatus_t (*setConvMath)(cudnnConvolutionDescriptor_t, int) = nullptr;
  cudnnStatus_t (*destroyConv)(cudnnConvolutionDescriptor_t) = nullptr;
  cudnnStatus_t (*getConvOutputDim)(cudnnConvolutionDescriptor_t, cudnnTensorDescriptor_t, cudnnFilterDescriptor_t,
                                    int*, int*, int*, int*) = nullptr;
  cudnnStatus_t (*findFwd)(cudnnHandle_t, cudnnTensorDescriptor_t, cudnnFilterDescriptor_t, cudnnConvolutionDescriptor_t,
                           cudnnTensorDescriptor_t, int, int*, CudnnAlgoPerf*) = nullptr;
  cudnnStatus_t (*findBwdData)(cudnnHandle_t, cudnnFilterDescriptor_t, cudnnTensorDescriptor_t,
                               cudnnConvolutionDescriptor_t, cudnnTensorDescriptor_t, int, int*, CudnnAlgoPerf*) = nullptr;
  cudnnStatus_t (*findBwdFilter)(cudnnHandle_t, cudnnTensorDescriptor_t, cudnnTensorDescriptor_t,
                                 cudnnConvolutionDescriptor_t, cudnnFilterDescriptor_t, int, int*, CudnnAlgoPerf*) = nullptr;
  cudnnStatus_t (*fwd)(cudnnHandle_t, const void*, cudnnTensorDescriptor_t, const void*, cudnnFilterDescriptor_t,
                       const void*, cudnnConvolutionDescriptor_t, int, void*, size_t, const void*,
                       cudnnTensorDescriptor_t, void*) = nullptr;
  cudnnStatus_t (*bwdData)(cudnnHandle_t, const void*, cudnnFilterDescriptor_t, const void*, cudnnTensorDescriptor_t,
                           const void*, cudnnConvolutionDescriptor_t, int, void*, size_t, const void*,
                           cudnnTensorDescriptor_t, void*) = nullptr;
  // Batch norm (optional: absent symbols leave these null and the own kernels run).
  cudnnStatus_t (*bnFwdTrain)(cudnnHandle_t, int mode, const void* alpha, const void* beta, cudnnTensorDescriptor_t,
                              const void* x, cudnnTensorDescriptor_t, void* y, cudnnTensorDescriptor_t, const void* scale,
                              const void* bias, double factor, void* runMean, void* runVar, double eps,
                              void* saveMean, void* saveInvVar) = nullptr;
  cudnnStatus_t (*bnFwdInference)(cudnnHandle_t, int mode, const void* alpha, const void* beta, cudnnTensorDescriptor_t,
                                  const void* x, cudnnTensorDescriptor_t, void* y, cudnnTensorDescriptor_t,
                                  const void* scale, const void* bias, const void* mean, const void* var,
                                  double eps) = nullptr;
  cudnnStatus_t (*bnBwd)(cudnnHandle_t, int mode, const void* aData, const void* bData, const void* aParam,
                         const void* bParam, cudnnTensorDescriptor_t, const void* x, cudnnTensorDescriptor_t,
                         const void* dy, cudnnTensorDescriptor_t, void* dx, cudnnTensorDescriptor_t, const void* scale,
                         void* dScale, void* dBias, double eps, const void* saveMean, const void* saveInvVar) = nullptr;
  cudnnStatus_t (*bwdFilter)(cudnnHandle_t, const void*, cudnnTensorDescriptor_t, const void*, cudnnTensorDescriptor_t,
                             const void*, cudnnConvolutionDescriptor_t, int, void*, size_t, const void*,
                             cudnnFilterDescriptor_t, void*) = nullptr;
};

// ---- cuBLAS -----------------------------------------------------------------------------------------
typedef struct cublasContext* cublasHandle_t;
typedef int cublasStatus_t;
enum { CUBLAS_OP_N = 0, CUBLAS_OP_T = 1, CUBLAS_DEFAULT_MATH = 0, CUBLAS_TF32_TENSOR_OP_MATH = 3 };

struct CublasApi {
  bool ok = false;
  std::string error, library;
  int major = 0, minor = 0, patch = 0;
  cublasStatus_t (*create)(cublasHandle_t*) = nullptr;
  cublasStatus_t (*destroy)(cublasHandle_t) = nullptr;
  cublasStatus_t (*setStream)(cublasHandle_t, cudaStream_t) = nullptr;
  cublasStatus_t (*setMathMode)(cublasHandle_t, int) = nullptr;
  cublasStatus_t (*getProperty)(int, int*) = nullptr;
  const char* (*statusString)(cublasStatus_t) = nullptr;  // optional (cuBLAS >= 11.4)
  // optional: a caller-owned workspace, so cuBLAS allocates nothing behind the caching allocator
  cublasStatus_t (*setWorkspace)(cublasHandle_t, void*, size_t) = nullptr;
  cublasStatus_t (*sgemm)(cublasHandle_t, int, int, int, int, int, const float*, const float*, int, const float*, int,
                          const float*, float*, int) = nullptr;
};

/** Loaded once per process; CONVNETS_NO_CUDNN / CONVNETS_NO_CUBLAS=1 force the own-kernel paths. A
 *  context calls them through its own pointers (Context::dnn, ::blas), which a host-only test context
 *  points at recording stand-ins (lib/fake.cpp). */
const CudnnApi& cudnn();
const CublasApi& cublas();

/** Errors of those libraries, named like CUDA's. */
std::string cudnnStatusName(cudnnStatus_t st);
void checkCudnn(cudnnStatus_t st, const char* op);
void checkCublas(cublasStatus_t st, const char* op);
std::string cublasStatusName(cublasStatus_t st);

}  // namespace cn
