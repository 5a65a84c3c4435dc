// Convolution and batch norm through cuDNN: descriptors, the per-shape algorithm cache, status
// classification (lib/status.h) and the path counters. Each returns true when cuDNN executed the call
// and false when cuDNN is absent or refused this shape (counted with its reason; the caller then runs
// the own kernels); any other status throws a NativeError naming the op.
#pragma once
#include "../runtime.h"

namespace cn {

enum ConvDir { CONV_FWD, CONV_BWD_DATA, CONV_BWD_FILTER };

/** a0/a1: x, w (forward); dy, w (backward data); x, dy (backward filter). */
bool cudnnConv(Context& c, ConvDir dir, const ConvP& p, const float* a0, const float* a1, float* out, const std::string& op);

/** which: 0 train, 1 inference, 2 train backward (the frozen-BN backward has no cuDNN counterpart).
 *  b: the kernel's buffers in schema order. */
bool cudnnBatchNorm(Context& c, int which, int rows, int ch, double eps, double momentum, float* const* b,
                    const std::string& op);

}  // namespace cn
