// The instruction-set paths of the CPU backend. The micro-kernels (isa/*.cpp) are compiled once per
// ISA; an Isa is the table of one ISA's micro-kernels, chosen at context creation by CPUID (the widest
// the CPU and OS support), or by name (the `isa` option, CONVNETS_CPU_ISA) to test the narrower paths.
#pragma once
#include <string>
#include <vector>
#include "isa/gemm.h"
#include "isa/dwconv2d.h"
#include "isa/pool.h"
#include "isa/batchnorm.h"

namespace cn {
namespace cpu {

struct Isa {
  const char* name;      // "avx512", "avx2", "portable"
  int vectorBytes;       // SIMD register width the micro-kernels use
  const GemmUk* gemm;    // isa/gemm.cpp
  const DwUk* dw;        // isa/dwconv2d.cpp
  const PoolUk* pool;    // isa/pool.cpp
  const BnUk* bn;        // isa/batchnorm.cpp
};

/** The ISAs compiled into this binary, widest first (each may or may not run on this CPU). */
std::vector<const Isa*> compiledIsas();
/** Whether this CPU (and OS) can execute `name`'s instructions; `why` says what is missing. */
bool isaRuns(const std::string& name, std::string* why);
/** `want` ("" = best) or an error naming the ISAs this CPU can run; `reason` says why it was chosen. */
const Isa& chooseIsa(const std::string& want, std::string& reason);

}  // namespace cpu
}  // namespace cn
