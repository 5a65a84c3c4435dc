// What the cuDNN wrappers give cuDNN, as pure functions (unit-tested without a GPU through the addon's
// _test probes): convolution descriptor values, algorithm-cache keys, the batch-norm tensor shape.
#pragma once
#include <string>
#include "../common.h"

namespace cn {

/** What cudnnSetTensor4dDescriptor / SetFilter4d / SetConvolution2d get for one convolution (NHWC/KRSC). */
struct CudnnConvDesc {
  bool usable = false;
  std::string reason;           // why cuDNN cannot express it (then the own kernels run)
  int xN, xC, xH, xW;           // input tensor (format NHWC)
  int wK, wC, wH, wW;           // filter (format NHWC = KRSC; C is per group)
  int yN, yC, yH, yW;           // output tensor
  int padH, padW, strideH, strideW, dilH, dilW, groups;
  int mathType;                 // for the algorithm search: CUDNN_FMA_MATH (no TF32) or CUDNN_DEFAULT_MATH (TF32 allowed)
};
CudnnConvDesc cudnnConvDesc(const ConvP& p, bool tf32);

/** Algorithm cache key: every field that changes cuDNN's choice (not the fused activation). */
std::string convAlgoKey(const char* direction, const ConvP& p, bool tf32);

/**
 * The NHWC tensor cuDNN's batch norm sees for a [rows, c] record. The record carries rows = n*h*w, not
 * n; any n' h' w' with n'h'w' = rows describes the same memory and the same per-channel statistics.
 * cuDNN's legacy batch norm limits N (PyTorch gates it at 65535 in eval), so rows never go into N:
 * N = 1 and the rows split into H x W, H the largest divisor of rows not above sqrt(rows).
 */
struct BnShape { int n, c, h, w; };
BnShape bnTensorShape(int rows, int c);

/** Per-shape key of a batch-norm call (refusals are remembered per shape, not per context). */
std::string bnKey(int which, int rows, int c);

}  // namespace cn
