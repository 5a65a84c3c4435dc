// Parameter records as the kernels of both addons see them, and the checks shared by the CUDA and CPU
// hosts (no CUDA header here). Activation codes are the schema's (abi.h, ACTIVATION_NONE = 0).
#pragma once
#include <cstdint>
#include <string>
#include "abi.h"

#ifdef __CUDACC__
#define CN_HD __host__ __device__
#else
#define CN_HD
#endif

namespace cn {

struct ConvP {
  int n, inH, inW, inC, outH, outW, outC, kH, kW, strideH, strideW, padTop, padLeft, dilH, dilW, groups, act;
  CN_HD int64_t xLen() const { return (int64_t)n * inH * inW * inC; }
  CN_HD int64_t yLen() const { return (int64_t)n * outH * outW * outC; }
  CN_HD int64_t wLen() const { return (int64_t)outC * kH * kW * (inC / groups); }
};
using PoolP = abi::Pool2d;
using AdaptP = abi::AdaptivePool2d;

/** The conv2d record checked (sizes positive, pads non-negative, groups divide the channels, windows
 *  start inside the padded input) and converted; errors name op and field. */
ConvP checkConv(const std::string& op, const abi::Conv2d& r, int64_t maxElements = (int64_t(1) << 31));
/** A checked conv record that must be pointwise (1x1, stride 1, no padding, groups 1). */
const ConvP& requirePointwise(const std::string& op, const ConvP& p);
/** A checked conv record that must be depthwise (groups == inC, outC a multiple of inC). */
const ConvP& requireDepthwise(const std::string& op, const ConvP& p);
/** The pool2d record with the js reference's checks (a window entirely in padding is an error there too). */
const PoolP& checkPool(const std::string& op, const PoolP& p);
/** The adaptive pool record: every field positive. */
const AdaptP& checkAdaptivePool(const std::string& op, const AdaptP& p);

/** Slots a record takes (its fixed slots, plus the tail's values when it has one); throws naming op and record. */
size_t recordSlots(const std::string& op, int record, const int32_t* slots, size_t nslots);

/** A call's record slot count against the schema, and its buffer count against the kernel's arguments. */
void checkCallShape(const std::string& op, const abi::KernelAbi& k, const int32_t* slots, size_t nslots, size_t nids);

}  // namespace cn
