// What a CPU kernel handler gets from dispatch.cpp: the record and buffers (lib/call.h), the context's
// thread pool, the chosen ISA's micro-kernels and workspaces. Handlers check fields and buffer sizes
// first, then compute; nothing they do is asynchronous (an error is thrown by the kernel that saw it).
#pragma once
#include <cmath>
#include <string>
#include "lib/call.h"
#include "lib/records.h"
#include "runtime.h"

namespace cn {
namespace cpu {

struct Call : CallBase {
  Context& c;
  Call(Context& c_, const std::string& op_, const abi::KernelAbi& k, const int32_t* s, size_t ns, const int64_t* i,
       size_t ni)
      : CallBase{op_, k, s, ns, i, ni}, c(c_) {}

  /** Buffer argument i (schema order), checked live and at least `need` elements long (null if optional and absent). */
  float* buf(size_t i, const char* name, int64_t need, bool optional = false) const {
    return bufferArg(c, i, name, need, optional);
  }

  ThreadPool& pool() const { return c.pool(); }
  const Isa& isa() const { return *c.isa; }
};

using Handler = void (*)(const Call&);

/** Elements of the general conv's tensors may exceed 2^31 here (64-bit indexing throughout). */
constexpr int64_t CPU_MAX_ELEMENTS = int64_t(1) << 52;
inline ConvP convRecord(const Call& k) { return checkConv(k.op, k.rec<abi::Conv2d>(), CPU_MAX_ELEMENTS); }

}  // namespace cpu
}  // namespace cn
