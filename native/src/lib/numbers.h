// Numbers as JavaScript sees them, shared by both addons (no CUDA header here): messages that must
// equal the js reference's text, and core/random.ts's counter hash for dropout masks (the CUDA kernel
// and the CPU loop call the same hash32, so every backend draws the same mask bit for bit).
#pragma once
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include "lib/records.h"

namespace cn {

/** core/random.ts hash32: murmur3 finaliser over a Weyl combination, in uint32 arithmetic. */
CN_HD inline uint32_t hash32(uint32_t seed, uint32_t index) {
  uint32_t h = index * 0x9e3779b1u + seed * 0x85ebca77u;
  h ^= h >> 16;
  h *= 0x85ebca6bu;
  h ^= h >> 13;
  h *= 0xc2b2ae35u;
  h ^= h >> 16;
  return h;
}

/** A number as JavaScript prints it (`${v}`): integers in full, otherwise the shortest form that reads
 *  back to the same double, exponents without leading zeros. */
inline std::string jsNumber(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "Infinity" : "-Infinity";
  char b[64];
  if (v == std::floor(v) && std::fabs(v) < 1e21) {
    std::snprintf(b, sizeof b, "%.0f", v);
    return v == 0 ? "0" : b;  // -0 prints as 0 in JavaScript
  }
  for (int p = 1; p <= 17; p++) {
    std::snprintf(b, sizeof b, "%.*g", p, v);
    if (std::strtod(b, nullptr) == v) break;
  }
  std::string s = b;
  size_t e = s.find('e');
  if (e != std::string::npos) {  // C writes e-07, JavaScript e-7
    size_t d = e + 2;
    while (d + 1 < s.size() && s[d] == '0') s.erase(d, 1);
  }
  return s;
}

/** The double a caller most likely wrote for a float32 record field: the shortest decimal that rounds
 *  to it (0.3f -> 0.3). The dropout threshold floor(rate * 2^24) must be computed from the caller's
 *  double as core/random.ts does: floor(0.3f * 2^24) = 5033165, floor(0.3 * 2^24) = 5033164. */
inline double shortestDouble(float f) {
  if (!std::isfinite(f)) return f;
  char b[32];
  for (int p = 1; p <= 9; p++) {
    std::snprintf(b, sizeof b, "%.*g", p, (double)f);
    double d = std::strtod(b, nullptr);
    if ((float)d == f) return d;
  }
  return f;
}

/** core/random.ts dropoutKeep for a record's rate: keep index i iff (hash32(seed, i) >> 8) >= threshold;
 *  a kept element is `keep` (1 / (1 - rate) rounded to float32, as a Float32Array store). */
struct DropoutDraw {
  uint32_t threshold;
  float keep;
};
inline DropoutDraw dropoutDraw(float rate) {
  const double r = shortestDouble(rate);
  return DropoutDraw{(uint32_t)std::floor(r * 16777216.0), (float)(1.0 / (1.0 - r))};
}

}  // namespace cn
