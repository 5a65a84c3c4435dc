// What a kernel handler of either addon gets from its dispatch.cpp, without the context: the op name,
// the schema's entry, its record (slot count already checked against the schema's table) and its
// buffer ids in the schema's order; plus the field checks, which name the op and the schema's field.
#pragma once
#include <cmath>
#include <cstdint>
#include <string>
#include "abi.h"
#include "lib/error.h"

namespace cn {

struct CallBase {
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
  /** Buffer id i, or -1 (null); throws when a required one is missing. */
  int64_t idAt(size_t i, const char* name, bool optional) const {
    if (i >= nids) throw argError(op, std::string("argument '") + name + "' is missing");
    if (ids[i] < 0 && !optional) throw argError(op, std::string("argument '") + name + "' is required");
    return ids[i];
  }
  /** Buffer argument i (schema order) of context c, checked live and at least `need` elements long;
   *  null when optional and absent. */
  template <class Ctx>
  float* bufferArg(const Ctx& c, size_t i, const char* name, int64_t need, bool optional) const {
    int64_t id = idAt(i, name, optional);
    if (id < 0) return nullptr;
    const auto& b = c.buf(id, op.c_str(), name);
    fits(name, b.length, need);
    return static_cast<float*>(b.ptr);
  }
  /** A buffer of `length` elements that must hold `need`. */
  void fits(const char* name, int64_t length, int64_t need) const {
    if (length < need)
      throw argError(op, std::string("argument '") + name + "' has " + std::to_string(length) + " elements, needs " +
                             std::to_string(need));
  }
};

}  // namespace cn
