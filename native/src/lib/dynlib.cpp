// dlopen/dlsym of cuDNN and cuBLAS. A missing library or symbol is a reason (reported by doctor),
// never a failure: the own CUDA kernels cover every op.
#include "dynlib.h"
#include <dlfcn.h>
#include <cstdlib>
#include <initializer_list>
#include "common.h"

namespace cn {

namespace {

void* openFirst(std::initializer_list<const char*> names, std::string& which, std::string& err) {
  for (const char* n : names) {
    if (void* h = dlopen(n, RTLD_NOW | RTLD_LOCAL)) { which = n; return h; }
    const char* e = dlerror();
    if (err.empty() && e) err = e;
  }
  return nullptr;
}

bool disabled(const char* var) {
  const char* v = std::getenv(var);
  return v && *v && std::string(v) != "0";
}

template <typename F>
bool sym(void* const* libs, int nlibs, const char* name, F& out, std::string& err) {
  for (int i = 0; i < nlibs; i++) {
    if (!libs[i]) continue;
    if (void* p = dlsym(libs[i], name)) { out = reinterpret_cast<F>(p); return true; }
  }
  if (err.empty()) err = std::string("symbol ") + name + " not found";
  return false;
}

CudnnApi loadCudnn() {
  CudnnApi a;
  if (disabled("CONVNETS_NO_CUDNN")) { a.error = "disabled by CONVNETS_NO_CUDNN"; return a; }
  std::string err;
  void* libs[2] = {openFirst({"libcudnn.so.9", "libcudnn.so"}, a.library, err), nullptr};
  if (!libs[0]) { a.error = "libcudnn.so.9 not found (" + err + ")"; return a; }
  // cuDNN 9 splits the legacy convolution API into libcudnn_cnn; the main library usually forwards it.
  std::string cnnName, cnnErr;
  libs[1] = openFirst({"libcudnn_cnn.so.9"}, cnnName, cnnErr);
  size_t (*getVersion)() = nullptr;
  bool ok = sym(libs, 2, "cudnnGetVersion", getVersion, err) && sym(libs, 2, "cudnnCreate", a.create, err) &&
            sym(libs, 2, "cudnnDestroy", a.destroy, err) && sym(libs, 2, "cudnnSetStream", a.setStream, err) &&
            sym(libs, 2, "cudnnGetErrorString", a.getErrorString, err) &&
            sym(libs, 2, "cudnnCreateTensorDescriptor", a.createTensor, err) &&
            sym(libs, 2, "cudnnSetTensor4dDescriptor", a.setTensor4d, err) &&
            sym(libs, 2, "cudnnDestroyTensorDescriptor", a.destroyTensor, err) &&
            sym(libs, 2, "cudnnCreateFilterDescriptor", a.createFilter, err) &&
            sym(libs, 2, "cudnnSetFilter4dDescriptor", a.setFilter4d, err) &&
            sym(libs, 2, "cudnnDestroyFilterDescriptor", a.destroyFilter, err) &&
            sym(libs, 2, "cudnnCreateConvolutionDescriptor", a.createConv, err) &&
            sym(libs, 2, "cudnnSetConvolution2dDescriptor", a.setConv2d, err) &&
            sym(libs, 2, "cudnnSetConvolutionGroupCount", a.setConvGroups, err) &&
            sym(libs, 2, "cudnnSetConvolutionMathType", a.setConvMath, err) &&
            sym(libs, 2, "cudnnDestroyConvolutionDescriptor", a.destroyConv, err) &&
            sym(libs, 2, "cudnnGetConvolution2dForwardOutputDim", a.getConvOutputDim, err) &&
            sym(libs, 2, "cudnnFindConvolutionForwardAlgorithm", a.findFwd, err) &&
            sym(libs, 2, "cudnnFindConvolutionBackwardDataAlgorithm", a.findBwdData, err) &&
            sym(libs, 2, "cudnnFindConvolutionBackwardFilterAlgorithm", a.findBwdFilter, err) &&
            sym(libs, 2, "cudnnConvolutionForward", a.fwd, err) &&
            sym(libs, 2, "cudnnConvolutionBackwardData", a.bwdData, err) &&
            sym(libs, 2, "cudnnConvolutionBackwardFilter", a.bwdFilter, err);
  if (!ok) { a.error = a.library + ": " + err; return a; }
  std::string optional;  // batch norm lives in libcudnn_ops; without it the own kernels run
  void* ops[3] = {libs[0], libs[1], openFirst({"libcudnn_ops.so.9"}, cnnName, cnnErr)};
  if (!(sym(ops, 3, "cudnnBatchNormalizationForwardTraining", a.bnFwdTrain, optional) &&
        sym(ops, 3, "cudnnBatchNormalizationForwardInference", a.bnFwdInference, optional) &&
        sym(ops, 3, "cudnnBatchNormalizationBackward", a.bnBwd, optional))) {
    a.bnFwdTrain = nullptr;
    a.bnFwdInference = nullptr;
    a.bnBwd = nullptr;
  }
  a.version = getVersion();
  if (a.version < 90000) { a.error = "cuDNN " + std::to_string(a.version) + " found, version 9 needed"; return a; }
  a.ok = true;
  return a;
}

CublasApi loadCublas() {
  CublasApi a;
  if (disabled("CONVNETS_NO_CUBLAS")) { a.error = "disabled by CONVNETS_NO_CUBLAS"; return a; }
  std::string err;
  void* libs[1] = {openFirst({"libcublas.so.13", "libcublas.so.12", "libcublas.so"}, a.library, err)};
  if (!libs[0]) { a.error = "libcublas.so not found (" + err + ")"; return a; }
  bool ok = sym(libs, 1, "cublasCreate_v2", a.create, err) && sym(libs, 1, "cublasDestroy_v2", a.destroy, err) &&
            sym(libs, 1, "cublasSetStream_v2", a.setStream, err) && sym(libs, 1, "cublasSetMathMode", a.setMathMode, err) &&
            sym(libs, 1, "cublasGetProperty", a.getProperty, err) && sym(libs, 1, "cublasSgemm_v2", a.sgemm, err);
  if (!ok) { a.error = a.library + ": " + err; return a; }
  std::string ignore;
  sym(libs, 1, "cublasGetStatusString", a.statusString, ignore);
  sym(libs, 1, "cublasSetWorkspace_v2", a.setWorkspace, ignore);
  a.getProperty(0, &a.major);
  a.getProperty(1, &a.minor);
  a.getProperty(2, &a.patch);
  a.ok = true;
  return a;
}

}  // namespace

const CudnnApi& cudnn() {
  static const CudnnApi api = loadCudnn();
  return api;
}

const CublasApi& cublas() {
  static const CublasApi api = loadCublas();
  return api;
}

std::string cudnnStatusName(cudnnStatus_t st) {
  // cuDNN 9 codes: the thousands give the category, the rest the detail.
  switch (st) {
    case 0: return "CUDNN_STATUS_SUCCESS";
    case 1001: return "CUDNN_STATUS_NOT_INITIALIZED";
    case 2000: return "CUDNN_STATUS_BAD_PARAM";
    case 2002: return "CUDNN_STATUS_BAD_PARAM_NULL_POINTER";
    case 2003: return "CUDNN_STATUS_BAD_PARAM_MISALIGNED_POINTER";
    case 2005: return "CUDNN_STATUS_BAD_PARAM_OUT_OF_BOUND";
    case 2006: return "CUDNN_STATUS_BAD_PARAM_SIZE_INSUFFICIENT";
    case 2008: return "CUDNN_STATUS_BAD_PARAM_SHAPE_MISMATCH";
    case 3000: return "CUDNN_STATUS_NOT_SUPPORTED";
    case 3002: return "CUDNN_STATUS_NOT_SUPPORTED_SHAPE";
    case 3003: return "CUDNN_STATUS_NOT_SUPPORTED_DATA_TYPE";
    case 3004: return "CUDNN_STATUS_NOT_SUPPORTED_LAYOUT";
    case 3007: return "CUDNN_STATUS_NOT_SUPPORTED_ARCH_MISMATCH";
    case 3010: return "CUDNN_STATUS_NOT_SUPPORTED_SHARED_MEMORY_INSUFFICIENT";
    case 3011: return "CUDNN_STATUS_NOT_SUPPORTED_PADDING";
    case 4000: return "CUDNN_STATUS_INTERNAL_ERROR";
    case 4003: return "CUDNN_STATUS_INTERNAL_ERROR_HOST_ALLOCATION_FAILED";
    case 4004: return "CUDNN_STATUS_INTERNAL_ERROR_DEVICE_ALLOCATION_FAILED";
    case 5000: return "CUDNN_STATUS_EXECUTION_FAILED";
    default: {
      static const char* cat[] = {"", "CUDNN_STATUS_NOT_INITIALIZED", "CUDNN_STATUS_BAD_PARAM", "CUDNN_STATUS_NOT_SUPPORTED",
                                  "CUDNN_STATUS_INTERNAL_ERROR", "CUDNN_STATUS_EXECUTION_FAILED"};
      int c = st / 1000;
      return (c >= 1 && c <= 5 ? std::string(cat[c]) : std::string("CUDNN_STATUS")) + "_" + std::to_string(st);
    }
  }
}

void checkCudnn(cudnnStatus_t st, const char* op) {
  if (st == 0) return;
  const CudnnApi& a = cudnn();
  std::string msg = a.getErrorString ? a.getErrorString(st) : cudnnStatusName(st);
  throw NativeError(op, "cuDNN", st, cudnnStatusName(st), msg);
}

std::string cublasStatusName(cublasStatus_t st) {
  switch (st) {
    case 0: return "CUBLAS_STATUS_SUCCESS";
    case 1: return "CUBLAS_STATUS_NOT_INITIALIZED";
    case 3: return "CUBLAS_STATUS_ALLOC_FAILED";
    case 7: return "CUBLAS_STATUS_INVALID_VALUE";
    case 8: return "CUBLAS_STATUS_ARCH_MISMATCH";
    case 11: return "CUBLAS_STATUS_MAPPING_ERROR";
    case 13: return "CUBLAS_STATUS_EXECUTION_FAILED";
    case 14: return "CUBLAS_STATUS_INTERNAL_ERROR";
    case 15: return "CUBLAS_STATUS_NOT_SUPPORTED";
    case 16: return "CUBLAS_STATUS_LICENSE_ERROR";
    default: return "CUBLAS_STATUS_" + std::to_string(st);
  }
}

void checkCublas(cublasStatus_t st, const char* op) {
  if (st == 0) return;
  const CublasApi& a = cublas();
  std::string msg = a.statusString ? a.statusString(st) : cublasStatusName(st);
  throw NativeError(op, "cuBLAS", st, cublasStatusName(st), msg);
}

}  // namespace cn
