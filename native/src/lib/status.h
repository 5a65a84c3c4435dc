// What a cuDNN / cuBLAS status means to us. Only "not supported" is a refusal (the own kernels take
// the call, counted with its reason); an allocation failure is retried once after the caching
// allocator returns its cache; everything else (bad parameter, internal, execution) is a bug or a
// device fault and becomes an error naming the op.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include "dynlib.h"

namespace cn {

enum class LibStatus { OK, REFUSED, ALLOC, ERROR };

inline LibStatus classifyCudnn(cudnnStatus_t st) {
  if (st == 0) return LibStatus::OK;
  if (st / 1000 == 3) return LibStatus::REFUSED;               // CUDNN_STATUS_NOT_SUPPORTED_*
  if (st == 4003 || st == 4004) return LibStatus::ALLOC;       // INTERNAL_ERROR_{HOST,DEVICE}_ALLOCATION_FAILED
  return LibStatus::ERROR;                                     // 1xxx, 2xxx BAD_PARAM_*, 4xxx, 5xxx
}

inline LibStatus classifyCublas(cublasStatus_t st) {
  if (st == 0) return LibStatus::OK;
  if (st == 15) return LibStatus::REFUSED;  // CUBLAS_STATUS_NOT_SUPPORTED
  if (st == 3) return LibStatus::ALLOC;     // CUBLAS_STATUS_ALLOC_FAILED
  return LibStatus::ERROR;
}

inline const char* libStatusName(LibStatus s) {
  switch (s) {
    case LibStatus::OK: return "ok";
    case LibStatus::REFUSED: return "refused";
    case LibStatus::ALLOC: return "alloc";
    default: return "error";
  }
}

/** The path a kernel call took. */
enum class Path { CUDNN, CUBLAS, OWN };

/** Per kernel name (which is also the direction): calls each path executed, and cuDNN refusals by reason. */
struct PathCounts {
  uint64_t cudnn = 0, cublas = 0, own = 0, refused = 0;
  std::map<std::string, uint64_t> reasons;
};

}  // namespace cn
