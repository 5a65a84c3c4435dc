// Node-API binding of the CPU backend: the same surface as the CUDA addon's Context (buffers as integer
// ids, records as Int32Array, ids as Float64Array), plus info() about the ISA paths and threads.
// Kernels run synchronously on the calling thread and the context's pool.
#include <napi.h>
#include <thread>
#include <vector>
#include "abi.h"
#include "lib/napi_context.h"
#include "runtime.h"

using namespace cn;
using namespace cn::cpu;

namespace {

class ContextWrap : public ContextMethods<ContextWrap, Context> {
 public:
  static Napi::Function Init(Napi::Env env) {
    auto methods = bufferMethods();
    methods.insert(methods.end(), {InstanceMethod("bind", &ContextWrap::Bind), InstanceMethod("exec", &ContextWrap::Exec),
                                   InstanceMethod("stats", &ContextWrap::Stats), InstanceMethod("trim", &ContextWrap::Trim),
                                   InstanceMethod("dispose", &ContextWrap::Dispose)});
    return DefineClass(env, "Context", methods);
  }

  ContextWrap(const Napi::CallbackInfo& info) : ContextMethods<ContextWrap, Context>(info) {
    guarded(info.Env(), [&] {
      Options o;
      if (info.Length() > 0 && info[0].IsObject()) {
        Napi::Object a = info[0].As<Napi::Object>();
        if (a.Has("threads") && !a.Get("threads").IsUndefined()) {
          if (!a.Get("threads").IsNumber()) throw argError("init", "threads must be a number");
          double t = a.Get("threads").As<Napi::Number>().DoubleValue();
          if (t != (int)t || t < 0) throw argError("init", "threads must be a non-negative integer");
          o.threads = (int)t;
        }
        if (a.Has("grain") && !a.Get("grain").IsUndefined()) {
          if (!a.Get("grain").IsNumber()) throw argError("init", "grain must be a number");
          o.splitAll = a.Get("grain").As<Napi::Number>().DoubleValue() == 0;
        }
        if (a.Has("isa") && !a.Get("isa").IsUndefined()) {
          if (!a.Get("isa").IsString()) throw argError("init", "isa must be a string");
          o.isa = a.Get("isa").As<Napi::String>();
        }
      }
      ctx_.reset(new Context(o));
      return 0;
    });
  }

 private:
  // bind(Int32Array slots, Float64Array ids): the arrays exec() reads each call's record and ids from
  // (the TS side encodes into them in place: no typed array is made or unwrapped per kernel).
  Napi::Value Bind(const Napi::CallbackInfo& info) {
    return guarded(info.Env(), [&]() -> Napi::Value {
      if (info.Length() < 2 || !info[0].IsTypedArray() || !info[1].IsTypedArray() ||
          info[0].As<Napi::TypedArray>().TypedArrayType() != napi_int32_array ||
          info[1].As<Napi::TypedArray>().TypedArrayType() != napi_float64_array)
        throw argError("bind", "bind(Int32Array, Float64Array) expected");
      slotsRef_ = Napi::Persistent(info[0].As<Napi::Int32Array>());
      idsRef_ = Napi::Persistent(info[1].As<Napi::Float64Array>());
      return info.Env().Undefined();
    });
  }
  // exec(kernelIndex, nslots, nids): one kernel, its record and ids in the bound arrays.
  Napi::Value Exec(const Napi::CallbackInfo& info) {
    return guarded(info.Env(), [&]() -> Napi::Value {
      if (slotsRef_.IsEmpty()) throw argError("exec", "no arrays bound (bind() first)");
      if (info.Length() < 3) throw argError("exec", "exec(kernel, nslots, nids) expected");
      int index = info[0].As<Napi::Number>().Int32Value();
      int64_t ns = info[1].As<Napi::Number>().Int64Value(), ni = info[2].As<Napi::Number>().Int64Value();
      Napi::Int32Array s = slotsRef_.Value();
      Napi::Float64Array d = idsRef_.Value();
      if (ns < 0 || ni < 0 || (size_t)ns > s.ElementLength() || (size_t)ni > d.ElementLength())
        throw argError("exec", "record or id count out of the bound arrays' range");
      int64_t small[32];
      std::vector<int64_t> big;
      int64_t* ids = small;
      if (ni > 32) {
        big.resize((size_t)ni);
        ids = big.data();
      }
      for (int64_t i = 0; i < ni; i++) ids[i] = (int64_t)d[(size_t)i];
      ctx_->runIndex(index, s.Data(), (size_t)ns, ids, (size_t)ni);
      return info.Env().Undefined();
    });
  }
  Napi::Value Stats(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    Napi::Object o = Napi::Object::New(env);
    o.Set("scalars", (double)ctx_->handles.scalars());
    o.Set("buffers", (double)ctx_->handles.size());
    o.Set("bytesInUse", (double)ctx_->bytesInUse);
    o.Set("peakBytes", (double)ctx_->peakBytes);
    o.Set("workspaceBytes", (double)ctx_->workspaceBytes());
    o.Set("scratchPeakBytes", (double)ctx_->scratchPeak.load());
    o.Set("threads", ctx_->threads());
    o.Set("isa", ctx_->isa->name);
    o.Set("isaReason", ctx_->isaReason);
    o.Set("vectorBytes", ctx_->isa->vectorBytes);
    Napi::Object calls = Napi::Object::New(env);
    for (size_t i = 0; i < ctx_->calls.size(); i++)
      if (ctx_->calls[i]) calls.Set(abi::KERNELS[i].name, (double)ctx_->calls[i]);
    o.Set("calls", calls);
    return o;
  }
  Napi::Value Trim(const Napi::CallbackInfo& info) {
    ctx_->trim();
    return info.Env().Undefined();
  }
  Napi::Value Dispose(const Napi::CallbackInfo& info) {
    ctx_->dispose();
    return info.Env().Undefined();
  }

  Napi::Reference<Napi::Int32Array> slotsRef_;
  Napi::Reference<Napi::Float64Array> idsRef_;
};

// info(): the ISA paths compiled in, whether each runs here (and why not), the one chosen by default.
Napi::Value Info(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), [&]() -> Napi::Value {
    Napi::Env env = info.Env();
    Napi::Object o = Napi::Object::New(env);
    Napi::Array isas = Napi::Array::New(env);
    uint32_t i = 0;
    for (const Isa* a : compiledIsas()) {
      Napi::Object x = Napi::Object::New(env);
      std::string why;
      bool runs = isaRuns(a->name, &why);
      x.Set("name", a->name);
      x.Set("vectorBytes", a->vectorBytes);
      x.Set("gemmTile", std::to_string(a->gemm->mr) + "x" + std::to_string(a->gemm->nr));
      x.Set("runs", runs);
      x.Set("why", why);
      isas.Set(i++, x);
    }
    o.Set("isas", isas);
    std::string reason;
    o.Set("chosen", chooseIsa("", reason).name);
    o.Set("reason", reason);
    o.Set("hardwareThreads", (double)std::thread::hardware_concurrency());
    return o;
  });
}

Napi::Value KernelNames(const Napi::CallbackInfo& info) {
  std::vector<std::string> names = kernelNames();
  Napi::Array a = Napi::Array::New(info.Env(), names.size());
  for (uint32_t i = 0; i < names.size(); i++) a.Set(i, names[i]);
  return a;
}

Napi::Object InitAll(Napi::Env env, Napi::Object exports) {
  exports.Set("Context", ContextWrap::Init(env));
  exports.Set("info", Napi::Function::New(env, Info));
  exports.Set("kernelNames", Napi::Function::New(env, KernelNames));
  return exports;
}

}  // namespace

NODE_API_MODULE(convnets_cpu, InitAll)
