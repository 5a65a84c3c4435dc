// Host-side planning: from decoded parameters to what the device code is given (cuDNN descriptor
// values, algorithm-cache keys, im2col chunking). Pure functions, unit-tested without a GPU.
#pragma once
#include <string>
#include "common.h"

namespace cn {

/** What cudnnSetTensor4dDescriptor / SetFilter4d / SetConvolution2d get for one convolution (NHWC/KRSC). */
struct CudnnConvDesc {
  bool usable = false;
  std::string reason;           // why cuDNN cannot express it (then the own kernels run)
  int xN, xC, xH, xW;           // input tensor (format NHWC)
  int wK, wC, wH, wW;           // filter (format NHWC = KRSC; C is per group)
  int yN, yC, yH, yW;           // output tensor
  int padH, padW, strideH, strideW, dilH, dilW, groups;
  int mathType;                 // CUDNN_FMA_MATH (no TF32) or CUDNN_DEFAULT_MATH (TF32 allowed)
};
CudnnConvDesc cudnnConvDesc(const ConvP& p, bool tf32);

/** Algorithm cache key: every field that changes cuDNN's choice (not the fused activation). */
std::string convAlgoKey(const char* direction, const ConvP& p, bool tf32);

/** im2col chunking: images per chunk so the column matrix stays under maxColBytes (at least 1). */
struct Im2colPlan { int imgsPerChunk; int64_t colFloats; int K; bool identity; };
Im2colPlan im2colPlan(const ConvP& p, size_t maxColBytes);

}  // namespace cn
