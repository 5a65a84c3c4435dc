// The addon's one error type, shared by the CUDA and CPU addons (no CUDA header here): the op it
// happened in, the library, its status code and message. The bindings turn it into a JS Error with
// those fields, which the TS side makes a ConvnetsError.
#pragma once
#include <stdexcept>
#include <string>

namespace cn {

/** Every failure of the addon: the op it happened in, the library, its status code and message. */
struct NativeError : std::runtime_error {
  std::string op, lib, codeName;
  int code;
  NativeError(const std::string& op_, const std::string& lib_, int code_, const std::string& codeName_,
              const std::string& detail)
      : std::runtime_error(op_ + ": " + (lib_.empty() ? "" : lib_ + " error " + std::to_string(code_) +
                           (codeName_.empty() ? "" : " (" + codeName_ + ")") + ": ") + detail),
        op(op_), lib(lib_), codeName(codeName_), code(code_) {}
};

/** Bad arguments (the caller's fault, not the library's): becomes a ConvnetsError on the JS side. */
inline NativeError argError(const std::string& op, const std::string& detail) {
  return NativeError(op, "", 0, "", detail);
}

}  // namespace cn
