// Errors across the Node-API boundary, for both addons: every NativeError becomes a JS Error with
// .op, .lib, .code, .codeName and .native (the TS side makes it a ConvnetsError); nothing aborts.
#pragma once
#include <napi.h>
#include <new>
#include "lib/error.h"

namespace cn {

inline Napi::Error toJs(Napi::Env env, const NativeError& e) {
  Napi::Error err = Napi::Error::New(env, e.what());
  err.Set("op", Napi::String::New(env, e.op));
  err.Set("lib", Napi::String::New(env, e.lib));
  err.Set("code", Napi::Number::New(env, e.code));
  err.Set("codeName", Napi::String::New(env, e.codeName));
  err.Set("native", Napi::Boolean::New(env, true));
  return err;
}

template <typename F>
inline auto guarded(Napi::Env env, F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (const NativeError& e) {
    throw toJs(env, e);
  } catch (const std::bad_alloc&) {
    throw Napi::Error::New(env, "native: host out of memory");
  } catch (const Napi::Error&) {
    throw;
  } catch (const std::exception& e) {
    throw Napi::Error::New(env, std::string("native: ") + e.what());
  }
}

inline int64_t idArg(const Napi::CallbackInfo& info, size_t i, const char* op) {
  if (info.Length() <= i || !info[i].IsNumber()) throw argError(op, "buffer id expected");
  return info[i].As<Napi::Number>().Int64Value();
}

}  // namespace cn
