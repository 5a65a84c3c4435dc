// The buffer and kernel methods both addons' Context classes expose to JS, written once over any
// context with allocBuffer/freeBuffer/viewBuffer/write/read/fill/copy/buf/run (runtime.h of each
// addon). CRTP: Derived is the ObjectWrap class; it sets ctx_ in its constructor and adds its own
// methods to bufferMethods() in DefineClass.
#pragma once
#include <napi.h>
#include <memory>
#include <string>
#include <vector>
#include "lib/napi_errors.h"

namespace cn {

template <class Derived, class Ctx>
class ContextMethods : public Napi::ObjectWrap<Derived> {
 public:
  using Napi::ObjectWrap<Derived>::ObjectWrap;
  using Method = Napi::Value (Derived::*)(const Napi::CallbackInfo&);

  /** alloc, free, view, write, read, fill, copy, run. */
  static std::vector<Napi::ClassPropertyDescriptor<Derived>> bufferMethods() {
    auto m = [](const char* name, Napi::Value (ContextMethods::*f)(const Napi::CallbackInfo&)) {
      return Derived::InstanceMethod(name, static_cast<Method>(f));
    };
    return {m("alloc", &ContextMethods::Alloc), m("free", &ContextMethods::Free), m("view", &ContextMethods::View),
            m("write", &ContextMethods::Write), m("read", &ContextMethods::Read), m("fill", &ContextMethods::Fill),
            m("copy", &ContextMethods::Copy), m("run", &ContextMethods::Run)};
  }

 protected:
  std::unique_ptr<Ctx> ctx_;

  Napi::Value Alloc(const Napi::CallbackInfo& info) {
    return guarded(info.Env(), [&]() -> Napi::Value {
      if (info.Length() < 1 || !info[0].IsNumber()) throw argError("alloc", "length expected");
      return Napi::Number::New(info.Env(), (double)ctx_->allocBuffer(info[0].As<Napi::Number>().Int64Value()));
    });
  }
  Napi::Value Free(const Napi::CallbackInfo& info) {
    return guarded(info.Env(), [&]() -> Napi::Value {
      ctx_->freeBuffer(idArg(info, 0, "free"));
      return info.Env().Undefined();
    });
  }
  Napi::Value View(const Napi::CallbackInfo& info) {
    return guarded(info.Env(), [&]() -> Napi::Value {
      int64_t id = idArg(info, 0, "view");
      if (info.Length() < 3 || !info[1].IsNumber() || !info[2].IsNumber())
        throw argError("view", "view(id, offset, length) expected");
      return Napi::Number::New(info.Env(), (double)ctx_->viewBuffer(id, info[1].As<Napi::Number>().Int64Value(),
                                                                     info[2].As<Napi::Number>().Int64Value()));
    });
  }
  Napi::Value Write(const Napi::CallbackInfo& info) {
    return guarded(info.Env(), [&]() -> Napi::Value {
      int64_t id = idArg(info, 0, "write");
      if (info.Length() < 2 || !info[1].IsTypedArray() ||
          info[1].As<Napi::TypedArray>().TypedArrayType() != napi_float32_array)
        throw argError("write", "data must be a Float32Array");
      Napi::Float32Array a = info[1].As<Napi::Float32Array>();
      int64_t offset = info.Length() > 2 && info[2].IsNumber() ? info[2].As<Napi::Number>().Int64Value() : 0;
      ctx_->write(id, a.Data(), (int64_t)a.ElementLength(), offset);
      return info.Env().Undefined();
    });
  }
  Napi::Value Read(const Napi::CallbackInfo& info) {
    return guarded(info.Env(), [&]() -> Napi::Value {
      int64_t id = idArg(info, 0, "read");
      int64_t len = ctx_->buf(id, "read", "buffer").length;
      if (len > (int64_t(1) << 32) - 1)
        throw argError("read", "a buffer of " + std::to_string(len) + " elements is larger than a JS Float32Array; read a view");
      Napi::Float32Array out = Napi::Float32Array::New(info.Env(), (size_t)len);
      ctx_->read(id, out.Data());
      return out;
    });
  }
  Napi::Value Fill(const Napi::CallbackInfo& info) {
    return guarded(info.Env(), [&]() -> Napi::Value {
      int64_t id = idArg(info, 0, "fill");
      if (info.Length() < 2 || !info[1].IsNumber()) throw argError("fill", "value expected");
      ctx_->fill(id, info[1].As<Napi::Number>().FloatValue());
      return info.Env().Undefined();
    });
  }
  Napi::Value Copy(const Napi::CallbackInfo& info) {
    return guarded(info.Env(), [&]() -> Napi::Value {
      ctx_->copy(idArg(info, 0, "copy"), idArg(info, 1, "copy"));
      return info.Env().Undefined();
    });
  }
  // run(op, Int32Array record, Float64Array ids): the record as abi.h slots, ids in the schema's order.
  Napi::Value Run(const Napi::CallbackInfo& info) {
    return guarded(info.Env(), [&]() -> Napi::Value {
      if (info.Length() < 3 || !info[0].IsString()) throw argError("run", "run(op, record, ids) expected");
      std::string op = info[0].As<Napi::String>();
      auto typed = [&](size_t i, napi_typedarray_type t, const char* what) {
        if (!info[i].IsTypedArray() || info[i].As<Napi::TypedArray>().TypedArrayType() != t)
          throw argError(op, std::string(what) + " must be a typed array of the right kind");
      };
      typed(1, napi_int32_array, "record (Int32Array)");
      typed(2, napi_float64_array, "ids (Float64Array)");
      Napi::Int32Array rec = info[1].As<Napi::Int32Array>();
      Napi::Float64Array idf = info[2].As<Napi::Float64Array>();
      std::vector<int64_t> ids(idf.ElementLength());
      for (size_t i = 0; i < ids.size(); i++) ids[i] = (int64_t)idf[i];
      ctx_->run(op, rec.Data(), rec.ElementLength(), ids.data(), ids.size());
      return info.Env().Undefined();
    });
  }
};

}  // namespace cn
