// What a kernel handler gets from dispatch.cpp: its record, decoded through the abi.h struct (slot
// count already checked against the schema's table), and its buffer arguments in the schema's order.
// Every handler checks its fields and buffers first; a host-only context then stops before any launch
// (k.launch() is false) but still runs the library paths when their recording stand-ins are bound.
#pragma once
#include <cmath>
#include <string>
#include "lib/call.h"
#include "runtime.h"

namespace cn {

struct Call : CallBase {
  Context& c;
  Call(Context& c_, const std::string& op_, const abi::KernelAbi& k, const int32_t* s, size_t ns, const int64_t* i,
       size_t ni)
      : CallBase{op_, k, s, ns, i, ni}, c(c_) {}

  /** Buffer argument i (schema order), checked live and at least `need` elements long. */
  float* buf(size_t i, const char* name, int64_t need, bool optional = false) const {
    return bufferArg(c, i, name, need, optional);
  }

  /** Own kernels launch only on a device context. */
  bool launch() const { return !c.opts.hostOnly; }
  cudaStream_t s() const { return c.stream; }
  void ran(Path p) const { c.ran(op, p); }
};

using Handler = void (*)(const Call&);

/** The conv2d record checked and converted (shared by conv2d, dwconv2d and pwconv2d: conv2d.cpp). */
ConvP convRecord(const Call& k);

}  // namespace cn
