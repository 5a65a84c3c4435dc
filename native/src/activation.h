// The activation family's formulas, by their schema codes (abi.h enum activation), shared by both
// addons: the CUDA elementwise kernels (activation.cu) and fused epilogues (through activation.cuh),
// and the CPU backend (native/cpu). No CUDA header here: CN_HD is empty for the host compiler.
#pragma once
#include <cmath>
#include "lib/records.h"

namespace cn {

// The activation formulas are __host__ __device__: the addon's _test.activation probe runs this very
// code on the host (with the host's expf/erfcf, within an ulp or two of the device's) against the js
// reference, so each formula is tested without a GPU.
/** Phi(x), the standard normal CDF, as erfc so the tail of a negative x keeps its relative accuracy. */
CN_HD inline float normalCdf(float x) { return 0.5f * erfcf(-x * 0.70710678118654752f); }

CN_HD inline float actForward(int act, float x) {
  using namespace abi;
  switch (act) {
    case ACTIVATION_RELU: return x > 0.f ? x : 0.f;
    case ACTIVATION_RELU6: return fminf(fmaxf(x, 0.f), 6.f);
    case ACTIVATION_SILU: return x / (1.f + expf(-x));
    case ACTIVATION_SIGMOID: return 1.f / (1.f + expf(-x));
    case ACTIVATION_HARDSWISH: return x * fminf(fmaxf(x + 3.f, 0.f), 6.f) / 6.f;
    case ACTIVATION_HARDSIGMOID: return fminf(fmaxf(x + 3.f, 0.f), 6.f) / 6.f;
    case ACTIVATION_GELU: return x * normalCdf(x);  // exact (erf) form, as torch's default
    default: return x;
  }
}

/** d act / dx at input x (output y where cheaper), times dy; boundaries as torch's backward kernels. */
CN_HD inline float actBackward(int act, float x, float y, float dy) {
  using namespace abi;
  switch (act) {
    case ACTIVATION_RELU: return x > 0.f ? dy : 0.f;
    case ACTIVATION_RELU6: return (x > 0.f && x < 6.f) ? dy : 0.f;
    case ACTIVATION_SILU: {
      float sg = 1.f / (1.f + expf(-x));
      return dy * sg * (1.f + x * (1.f - sg));
    }
    case ACTIVATION_SIGMOID: return dy * y * (1.f - y);
    case ACTIVATION_HARDSWISH: return x < -3.f ? 0.f : (x <= 3.f ? dy * (2.f * x + 3.f) / 6.f : dy);
    case ACTIVATION_HARDSIGMOID: return (x > -3.f && x < 3.f) ? dy / 6.f : 0.f;
    case ACTIVATION_GELU: return dy * (normalCdf(x) + x * 0.39894228040143268f * expf(-0.5f * x * x));
    default: return dy;
  }
}

}  // namespace cn
