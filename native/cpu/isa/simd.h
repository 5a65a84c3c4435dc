// Included by the micro-kernel files (isa/*.cpp), which CMake compiles once per instruction set with
// -DCN_ISA=<portable|avx2|avx512> and that ISA's flags. Everything they define lives in namespace
// cn::cpu::CN_ISA, so the three copies never meet at link time.
//
// Rule for these files: raw pointers and plain loops only; no std:: templates, std::string, iostreams
// or exceptions. An inline function or template instantiated in two translation units is merged by the
// linker into ONE copy, which could be the AVX-512 one, and then crash (SIGILL) on a CPU without it.
// Functions here are static or in the ISA namespace, so each ISA keeps its own.
#pragma once
#include <cstddef>
#include <cstdint>
#include <cstring>

#ifndef CN_ISA
#error "isa/*.cpp are compiled per ISA with -DCN_ISA=<name> (see native/CMakeLists.txt)"
#endif
#define CN_STR2(x) #x
#define CN_STR(x) CN_STR2(x)
#define CN_ISA_NAME CN_STR(CN_ISA)

#if defined(__AVX512F__)
#define CN_VEC_BYTES 64
#elif defined(__AVX__)
#define CN_VEC_BYTES 32
#else
#define CN_VEC_BYTES 16  // SSE2 on x86-64, NEON on AArch64, or the compiler's emulation elsewhere
#endif

namespace cn {
namespace cpu {
namespace CN_ISA {

/** One SIMD register of floats (GCC/Clang vector extensions: +, -, *, comparisons, [i]). */
typedef float vf __attribute__((vector_size(CN_VEC_BYTES)));
typedef int32_t vi __attribute__((vector_size(CN_VEC_BYTES)));
constexpr int VL = CN_VEC_BYTES / 4;

static inline vf loadu(const float* p) {
  vf v;
  __builtin_memcpy(&v, p, sizeof v);
  return v;
}
static inline void storeu(float* p, vf v) { __builtin_memcpy(p, &v, sizeof v); }
static inline vf splat(float x) { return vf{} + x; }
static inline vf vmax(vf a, vf b) { return a > b ? a : b; }
static inline vf vmin(vf a, vf b) { return a < b ? a : b; }
static inline float fmaxs(float a, float b) { return a > b ? a : b; }
static inline float fmins(float a, float b) { return a < b ? a : b; }
static inline int64_t imin(int64_t a, int64_t b) { return a < b ? a : b; }
static inline int64_t imax(int64_t a, int64_t b) { return a > b ? a : b; }

}  // namespace CN_ISA
}  // namespace cpu
}  // namespace cn
