#include "isa.h"
#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif
#include <cstdlib>
#include "lib/error.h"

namespace cn {
namespace cpu {

// Each ISA's table, defined in its copy of the micro-kernel files.
#define CN_DECLARE_ISA(ns) \
  namespace ns {           \
  const GemmUk* gemmUk();  \
  const DwUk* dwUk();      \
  const PoolUk* poolUk();  \
  const BnUk* bnUk();      \
  int vectorBytes();       \
  }
#ifdef CN_HAVE_ISA_AVX512
CN_DECLARE_ISA(avx512)
#endif
#ifdef CN_HAVE_ISA_AVX2
CN_DECLARE_ISA(avx2)
#endif
CN_DECLARE_ISA(portable)

namespace {
const std::vector<const Isa*>& table() {
  static const std::vector<const Isa*> t = [] {
    std::vector<const Isa*> v;
#ifdef CN_HAVE_ISA_AVX512
    static const Isa a512{"avx512", avx512::vectorBytes(), avx512::gemmUk(), avx512::dwUk(), avx512::poolUk(), avx512::bnUk()};
    v.push_back(&a512);
#endif
#ifdef CN_HAVE_ISA_AVX2
    static const Isa a2{"avx2", avx2::vectorBytes(), avx2::gemmUk(), avx2::dwUk(), avx2::poolUk(), avx2::bnUk()};
    v.push_back(&a2);
#endif
    static const Isa p{"portable", portable::vectorBytes(), portable::gemmUk(), portable::dwUk(), portable::poolUk(), portable::bnUk()};
    v.push_back(&p);
    return v;
  }();
  return t;
}
}  // namespace

std::vector<const Isa*> compiledIsas() { return table(); }

namespace {
/** Position in the table (0 = widest), or -1. */
int rank(const std::string& name) {
  for (size_t i = 0; i < table().size(); i++)
    if (name == table()[i]->name) return (int)i;
  return -1;
}
}  // namespace

bool isaRuns(const std::string& name, std::string* why) {
  auto no = [&](const std::string& w) {
    if (why) *why = w;
    return false;
  };
  if (name == "portable") return true;
  // CONVNETS_CPU_MAX_ISA=avx2 masks the wider paths off, as if the CPU lacked them (tests, and a way
  // round a CPU that reports an ISA it runs slowly).
  const char* cap = std::getenv("CONVNETS_CPU_MAX_ISA");
  if (cap && *cap && rank(cap) >= 0 && rank(name) >= 0 && rank(name) < rank(cap))
    return no(std::string("masked off by CONVNETS_CPU_MAX_ISA=") + cap);
#if defined(__x86_64__) || defined(__i386__)
  // libgcc's CPUID reading also checks that the OS saves the YMM/ZMM state (XGETBV).
  __builtin_cpu_init();
  if (name == "avx2") {
    if (!__builtin_cpu_supports("avx2")) return no("the CPU has no AVX2");
    if (!__builtin_cpu_supports("fma")) return no("the CPU has no FMA3");
    return true;
  }
  if (name == "avx512") {
    if (!__builtin_cpu_supports("avx512f")) return no("the CPU has no AVX-512F");
    if (!__builtin_cpu_supports("avx512vl") || !__builtin_cpu_supports("avx512bw") ||
        !__builtin_cpu_supports("avx512dq"))
      return no("the CPU lacks AVX-512 VL/BW/DQ");
    if (!__builtin_cpu_supports("fma")) return no("the CPU has no FMA3");
    return true;
  }
  return no("unknown ISA");
#else
  return no("not an x86 CPU");
#endif
}

namespace {
/** Whether this CPU runs 512-bit vector ops as two 256-bit halves (AMD family 19h, Zen 4): there the
 *  AVX2 path is as fast per instruction, and measured faster on whole models (ResNet-50 b1 96 vs 111 ms,
 *  MobileNetV2 13.2 vs 14.6 ms, the default training job 952 vs 890 images/s, one thread, EPYC Zen 4). */
bool splitsAvx512() {
#if defined(__x86_64__) || defined(__i386__)
  unsigned a, b, c, d;
  if (!__get_cpuid(0, &a, &b, &c, &d)) return false;
  const bool amd = b == 0x68747541 && d == 0x69746e65 && c == 0x444d4163;  // "AuthenticAMD"
  if (!amd || !__get_cpuid(1, &a, &b, &c, &d)) return false;
  unsigned family = (a >> 8) & 0xf;
  if (family == 0xf) family += (a >> 20) & 0xff;
  return family == 0x19;
#else
  return false;
#endif
}
}  // namespace

const Isa& chooseIsa(const std::string& want, std::string& reason) {
  std::string names, runnable;
  for (const Isa* i : table()) {
    names += (names.empty() ? "" : ", ") + std::string(i->name);
    if (isaRuns(i->name, nullptr)) runnable += (runnable.empty() ? "" : ", ") + std::string(i->name);
  }
  const char* cap = std::getenv("CONVNETS_CPU_MAX_ISA");
  if (cap && *cap && rank(cap) < 0)
    throw argError("init", std::string("CONVNETS_CPU_MAX_ISA='") + cap + "' is not an ISA of this binary (compiled: " +
                               names + ")");
  if (!want.empty()) {
    for (const Isa* i : table()) {
      if (want != i->name) continue;
      std::string why;
      if (!isaRuns(want, &why))
        throw argError("init", "isa '" + want + "' cannot run on this CPU (" + why + "); it can run: " + runnable);
      reason = "requested";
      return *i;
    }
    throw argError("init", "isa '" + want + "' is not compiled into this binary (compiled: " + names +
                               "; this CPU can run: " + runnable + ")");
  }
  for (const Isa* i : table()) {
    std::string why;
    if (isaRuns(i->name, &why)) {
      if (std::string(i->name) == "avx512" && splitsAvx512() && isaRuns("avx2", nullptr)) {
        reason = "avx512 runs here, but this CPU (AMD family 19h, Zen 4) splits 512-bit ops into two 256-bit "
                 "halves: the avx2 path is as fast and measured faster (isa: 'avx512' or CONVNETS_CPU_ISA=avx512 "
                 "chooses it)";
        continue;
      }
      if (reason.empty() || reason.rfind("avx512 runs here", 0) != 0)
        reason = std::string("widest the CPU supports") + (reason.empty() ? "" : " (" + reason + ")");
      return *i;
    }
    reason += (reason.empty() ? "" : "; ") + std::string(i->name) + ": " + why;
  }
  return *table().back();  // portable always runs
}

}  // namespace cpu
}  // namespace cn
