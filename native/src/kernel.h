// What a kernel handler gets from dispatch.cpp: its record, decoded through the abi.h struct (slot
// count already checked against the schema's table), and its buffer arguments in the schema's order.
// Every handler checks its fields and buffers first; a host-only context then stops before any launch
// (k.launch() is false) but still runs the library paths when their recording stand-ins are bound.
#pragma once
#include <cmath>
#include <string>
#include "runtime.h"

namespace cn {

struct Call {
  Context& c;
  const std::string& op;
  const abi::KernelAbi& kernel;
  const int32_t* slots;
  size_t nslots;
  const int64_t* ids;
  size_t nids;

  template <typename R>
  const R& rec() const { return *reinterpret_cast<const R*>(slots); }
  /** The i-th value of the record's i32[] tail (after the fixed struct R). */
  template <typename R>
  int32_t tail(int i) const { return slots[sizeof(R) / 4 + i]; }

  /** Buffer argument i (schema order), checked live and at least `need` elements long. */
  float* buf(size_t i, const char* name, int64_t need, bool optional = false) const {
    if (i >= nids) throw argError(op, std::string("argument '") + name + "' is missing");
    if (ids[i] < 0) {
      if (optional) return nullptr;
      throw argError(op, std::string("argument '") + name + "' is required");
    }
    const Block& b = c.buf(ids[i], op.c_str(), name);
    if (b.length < need)
      throw argError(op, std::string("argument '") + name + "' has " + std::to_string(b.length) + " elements, needs " +
                             std::to_string(need));
    return static_cast<float*>(b.ptr);
  }
  /** Own kernels launch only on a device context. */
  bool launch() const { return !c.opts.hostOnly; }
  cudaStream_t s() const { return c.stream; }
  void ran(Path p) const { c.ran(op, p); }

  // Field checks, naming the op and the schema's field.
  int positive(int v, const char* field) const {
    if (v <= 0) throw argError(op, std::string("params.") + field + " must be positive, got " + std::to_string(v));
    return v;
  }
  int nonNegative(int v, const char* field) const {
    if (v < 0) throw argError(op, std::string("params.") + field + " must be non-negative, got " + std::to_string(v));
    return v;
  }
  float finite(float v, const char* field) const {
    if (!std::isfinite(v)) throw argError(op, std::string("params.") + field + " must be a finite number");
    return v;
  }
  void require(bool ok, const std::string& what) const {
    if (!ok) throw argError(op, what);
  }
};

using Handler = void (*)(const Call&);

/** The conv2d record checked and converted (shared by conv2d, dwconv2d and pwconv2d: conv2d.cpp). */
ConvP convRecord(const Call& k);

}  // namespace cn
