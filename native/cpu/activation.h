// Activations on the CPU: the formulas are native/src/activation.h (shared with the CUDA addon and
// tested against the js reference); these apply them over ranges, for the activation kernels and the
// fused epilogues of the conv, pointwise, depthwise and dense kernels.
#pragma once
#include <cstdint>

namespace cn {
namespace cpu {
namespace activation {

/** y[i] = act(y[i]) for i < n (act: a schema code; ACTIVATION_NONE leaves y as it is). Single-threaded:
 *  epilogues call it on the tile they just wrote, inside their own parallel task. */
void applyInPlace(int act, float* y, int64_t n);
/** y[i] = act(x[i]) (may alias). */
void forwardRange(int act, const float* x, float* y, int64_t n);

}  // namespace activation
}  // namespace cpu
}  // namespace cn
