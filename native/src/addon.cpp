// Node-API binding. Buffers cross into JS as integer ids (HandleTable); parameters as typed arrays.
// Every NativeError becomes a JS Error with .op, .lib, .code and .codeName so the TS side can turn it
// into a ConvnetsError; no error ever aborts the process.
#include <napi.h>
#include "lib/napi_context.h"
#include "conv2d.h"
#include "device.cuh"
#include "lib/plan.h"
#include "runtime.h"

using namespace cn;

namespace {

Napi::Object deviceInfoJs(Napi::Env env) {
  DeviceInfo d = queryDevices();
  Napi::Object o = Napi::Object::New(env);
  o.Set("count", d.count);
  o.Set("status", d.status);
  o.Set("statusName", d.statusName);
  o.Set("statusMessage", d.statusMessage);
  o.Set("runtimeVersion", d.runtimeVersion);
  o.Set("driverVersion", d.driverVersion);
  Napi::Array devs = Napi::Array::New(env, d.devices.size());
  for (size_t i = 0; i < d.devices.size(); i++) {
    Napi::Object x = Napi::Object::New(env);
    x.Set("name", d.devices[i].name);
    x.Set("computeCapability", std::to_string(d.devices[i].major) + "." + std::to_string(d.devices[i].minor));
    x.Set("multiprocessors", d.devices[i].sms);
    x.Set("totalMemory", (double)d.devices[i].totalMem);
    devs.Set((uint32_t)i, x);
  }
  o.Set("devices", devs);
  return o;
}

Napi::Object librariesJs(Napi::Env env) {
  Napi::Object o = Napi::Object::New(env);
  const CudnnApi& d = cudnn();
  Napi::Object a = Napi::Object::New(env);
  a.Set("found", d.ok);
  a.Set("library", d.library);
  a.Set("version", d.ok ? std::to_string(d.version / 10000) + "." + std::to_string(d.version / 100 % 100) + "." +
                              std::to_string(d.version % 100)
                        : std::string());
  a.Set("error", d.error);
  o.Set("cudnn", a);
  const CublasApi& b = cublas();
  Napi::Object c = Napi::Object::New(env);
  c.Set("found", b.ok);
  c.Set("library", b.library);
  c.Set("version", b.ok ? std::to_string(b.major) + "." + std::to_string(b.minor) + "." + std::to_string(b.patch)
                        : std::string());
  c.Set("error", b.error);
  o.Set("cublas", c);
  return o;
}

class ContextWrap : public ContextMethods<ContextWrap, Context> {
 public:
  static Napi::Function Init(Napi::Env env) {
    auto methods = bufferMethods();
    methods.insert(methods.end(), {InstanceMethod("stats", &ContextWrap::Stats),
                                   InstanceMethod("beginRead", &ContextWrap::BeginRead),
                                   InstanceMethod("pollRead", &ContextWrap::PollRead),
                                   InstanceMethod("hostCalls", &ContextWrap::HostCalls),
                                   InstanceMethod("emptyCache", &ContextWrap::EmptyCache),
                                   InstanceMethod("synchronize", &ContextWrap::Synchronize),
                                   InstanceMethod("dispose", &ContextWrap::Dispose)});
    return DefineClass(env, "Context", methods);
  }

  ContextWrap(const Napi::CallbackInfo& info) : ContextMethods<ContextWrap, Context>(info) {
    guarded(info.Env(), [&] {
      ContextOptions o;
      if (info.Length() > 0 && info[0].IsObject()) {
        Napi::Object a = info[0].As<Napi::Object>();
        if (a.Has("hostOnly")) o.hostOnly = a.Get("hostOnly").ToBoolean();
        if (a.Has("hostLimitBytes")) o.hostLimitBytes = (size_t)a.Get("hostLimitBytes").ToNumber().Int64Value();
        if (a.Has("tf32")) o.tf32 = a.Get("tf32").ToBoolean();
        if (a.Has("device")) o.device = a.Get("device").ToNumber().Int32Value();
        if (a.Has("fakeLibs") && a.Get("fakeLibs").IsObject()) o.fakeLibs = true;
      }
      if (o.fakeLibs && !o.hostOnly) throw argError("init", "fakeLibs needs hostOnly");
      ctx_.reset(new Context(o));
      if (o.fakeLibs) {
        // { statuses: { entryPoint: [status, ...] }, findMathType, findMemory }
        Napi::Object f = info[0].As<Napi::Object>().Get("fakeLibs").As<Napi::Object>();
        if (f.Has("findMathType")) ctx_->fake->findMathType = f.Get("findMathType").ToNumber().Int32Value();
        if (f.Has("findMemory")) ctx_->fake->findMemory = (size_t)f.Get("findMemory").ToNumber().Int64Value();
        if (f.Has("statuses") && f.Get("statuses").IsObject()) {
          Napi::Object st = f.Get("statuses").As<Napi::Object>();
          Napi::Array keys = st.GetPropertyNames();
          for (uint32_t i = 0; i < keys.Length(); i++) {
            std::string fn = keys.Get(i).ToString();
            Napi::Value v = st.Get(fn);
            if (!v.IsArray()) throw argError("init", "fakeLibs.statuses." + fn + " must be an array of statuses");
            Napi::Array a = v.As<Napi::Array>();
            for (uint32_t j = 0; j < a.Length(); j++) ctx_->fake->statuses[fn].push_back(a.Get(j).ToNumber().Int32Value());
          }
        }
      }
      return 0;
    });
  }

 private:
  // beginRead(id) -> ticket; pollRead(ticket) -> Float32Array once the copy is complete, else null
  Napi::Value BeginRead(const Napi::CallbackInfo& info) {
    return guarded(info.Env(), [&]() -> Napi::Value {
      return Napi::Number::New(info.Env(), (double)ctx_->beginRead(idArg(info, 0, "readAsync")));
    });
  }
  Napi::Value PollRead(const Napi::CallbackInfo& info) {
    return guarded(info.Env(), [&]() -> Napi::Value {
      int64_t t = idArg(info, 0, "readAsync");
      Napi::Float32Array out = Napi::Float32Array::New(info.Env(), (size_t)ctx_->pendingLength(t));
      if (!ctx_->pollRead(t, out.Data())) return info.Env().Null();
      return out;
    });
  }
  // hostCalls(): what the recording cuDNN/cuBLAS stand-ins were given since the last call (fakeLibs)
  Napi::Value HostCalls(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    Napi::Array out = Napi::Array::New(env);
    if (!ctx_->fake) return out;
    uint32_t i = 0;
    for (const FakeLibs::Call& c : ctx_->fake->calls) {
      Napi::Object o = Napi::Object::New(env);
      o.Set("fn", c.fn);
      Napi::Array a = Napi::Array::New(env, c.args.size());
      for (uint32_t j = 0; j < c.args.size(); j++) a.Set(j, c.args[j]);
      o.Set("args", a);
      out.Set(i++, o);
    }
    ctx_->fake->calls.clear();
    return out;
  }
  Napi::Value Stats(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    Napi::Object o = Napi::Object::New(env);
    o.Set("scalars", (double)ctx_->handles.scalars());
    o.Set("buffers", (double)ctx_->handles.size());
    o.Set("bytesInUse", (double)ctx_->alloc->inUse);
    o.Set("bytesCached", (double)ctx_->alloc->cached);
    o.Set("peakBytes", (double)ctx_->alloc->peak);
    o.Set("cacheHits", (double)ctx_->alloc->hits);
    o.Set("rawAllocs", (double)ctx_->alloc->rawAllocs);
    o.Set("oomRetries", (double)ctx_->alloc->oomRetries);
    o.Set("algoCacheSize", (double)ctx_->algoCache.size());
    o.Set("cudnn", ctx_->cudnnH != nullptr);
    o.Set("cublas", ctx_->cublasH != nullptr);
    o.Set("hostOnly", ctx_->opts.hostOnly);
    o.Set("tf32", ctx_->opts.tf32);
    // Per kernel: calls each path executed, and cuDNN refusals (not supported, not expressible) by reason.
    Napi::Object paths = Napi::Object::New(env);
    for (const auto& kv : ctx_->paths) {
      Napi::Object p = Napi::Object::New(env);
      p.Set("cudnn", (double)kv.second.cudnn);
      p.Set("cublas", (double)kv.second.cublas);
      p.Set("own", (double)kv.second.own);
      p.Set("refused", (double)kv.second.refused);
      Napi::Object r = Napi::Object::New(env);
      for (const auto& rr : kv.second.reasons) r.Set(rr.first, (double)rr.second);
      p.Set("reasons", r);
      paths.Set(kv.first, p);
    }
    o.Set("paths", paths);
    return o;
  }
  Napi::Value EmptyCache(const Napi::CallbackInfo& info) {
    return guarded(info.Env(), [&]() -> Napi::Value {
      if (!ctx_->opts.hostOnly) ctx_->synchronize("emptyCache");
      ctx_->alloc->emptyCache();
      return info.Env().Undefined();
    });
  }
  Napi::Value Synchronize(const Napi::CallbackInfo& info) {
    return guarded(info.Env(), [&]() -> Napi::Value {
      ctx_->synchronize("synchronize");
      return info.Env().Undefined();
    });
  }
  Napi::Value Dispose(const Napi::CallbackInfo& info) {
    return guarded(info.Env(), [&]() -> Napi::Value {
      ctx_->dispose();
      return info.Env().Undefined();
    });
  }
};

// ---- host-logic probes for tests (no device needed) ---------------------------------------------------------
Napi::Object testExports(Napi::Env env) {
  Napi::Object t = Napi::Object::New(env);
  t.Set("hash32", Napi::Function::New(env, [](const Napi::CallbackInfo& info) {
          uint32_t seed = (uint32_t)info[0].As<Napi::Number>().Int64Value();
          uint32_t idx = (uint32_t)info[1].As<Napi::Number>().Int64Value();
          return Napi::Number::New(info.Env(), hash32(seed, idx));
        }));
  t.Set("avgPoolDivisor", Napi::Function::New(env, [](const Napi::CallbackInfo& info) {
          int v[12];
          for (int i = 0; i < 12; i++) v[i] = info[i].As<Napi::Number>().Int32Value();
          return Napi::Number::New(info.Env(), avgPoolDivisor(v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8],
                                                              v[9], v[10], v[11], info[12].ToBoolean()));
        }));
  t.Set("bucket", Napi::Function::New(env, [](const Napi::CallbackInfo& info) {
          return Napi::Number::New(info.Env(), (double)CachingAllocator::bucket((size_t)info[0].As<Napi::Number>().Int64Value()));
        }));
  // convPlan(Int32Array conv params, tf32) -> decoded params, cuDNN descriptor values, cache key, im2col plan
  t.Set("convPlan", Napi::Function::New(env, [](const Napi::CallbackInfo& info) {
          return guarded(info.Env(), [&]() -> Napi::Value {
            Napi::Env e = info.Env();
            if (!info[0].IsTypedArray()) throw argError("convPlan", "Int32Array expected");
            Napi::Int32Array a = info[0].As<Napi::Int32Array>();
            bool tf32 = info.Length() > 1 && info[1].ToBoolean();
            if (a.ElementLength() != (size_t)abi::CONV2D_SLOTS)
              throw argError("convPlan", "record conv2d has " + std::to_string(abi::CONV2D_SLOTS) + " slots, got " +
                                             std::to_string(a.ElementLength()));
            ConvP p = checkConv("convPlan", *reinterpret_cast<const abi::Conv2d*>(a.Data()));
            CudnnConvDesc d = cudnnConvDesc(p, tf32);
            Napi::Object o = Napi::Object::New(e);
            o.Set("activation", actName(p.act));
            o.Set("cudnnUsable", d.usable);
            o.Set("reason", d.reason);
            auto arr = [&](std::initializer_list<int> v) {
              Napi::Array r = Napi::Array::New(e, v.size());
              uint32_t i = 0;
              for (int x : v) r.Set(i++, x);
              return r;
            };
            o.Set("xDesc", arr({d.xN, d.xC, d.xH, d.xW}));
            o.Set("wDesc", arr({d.wK, d.wC, d.wH, d.wW}));
            o.Set("yDesc", arr({d.yN, d.yC, d.yH, d.yW}));
            o.Set("convDesc", arr({d.padH, d.padW, d.strideH, d.strideW, d.dilH, d.dilW}));
            o.Set("groups", d.groups);
            o.Set("mathType", d.mathType);
            o.Set("key", convAlgoKey("fwd", p, tf32));
            Im2colPlan pl = im2colPlan(p, info.Length() > 2 ? (size_t)info[2].As<Napi::Number>().Int64Value()
                                                             : (size_t(256) << 20));
            o.Set("im2colK", pl.K);
            o.Set("imgsPerChunk", pl.imgsPerChunk);
            o.Set("colFloats", (double)pl.colFloats);
            o.Set("identity", pl.identity);
            return o;
          });
        }));
  // cudaError(code, op): the message a CUDA status becomes (cudaGetErrorName/String need no device)
  t.Set("cudaError", Napi::Function::New(env, [](const Napi::CallbackInfo& info) -> Napi::Value {
          int code = info[0].As<Napi::Number>().Int32Value();
          std::string op = info[1].As<Napi::String>();
          try {
            throwCuda((cudaError_t)code, op.c_str());
          } catch (const NativeError& e) {
            return toJs(info.Env(), e).Value();
          }
          return info.Env().Null();
        }));
  // activation(code, x, dy) -> [forward, backward]: device.cuh's formulas, run on the host
  t.Set("activation", Napi::Function::New(env, [](const Napi::CallbackInfo& info) {
          int act = info[0].As<Napi::Number>().Int32Value();
          float x = info[1].As<Napi::Number>().FloatValue(), dy = info[2].As<Napi::Number>().FloatValue();
          float y = actForward(act, x);
          Napi::Array r = Napi::Array::New(info.Env(), 2);
          r.Set(0u, y), r.Set(1u, actBackward(act, x, y, dy));
          return r;
        }));
  // adaptiveWindows(in, out) -> { windows: [[start, end)...], gather: [[lo, hi]...] } (device.cuh)
  t.Set("adaptiveWindows", Napi::Function::New(env, [](const Napi::CallbackInfo& info) {
          Napi::Env e = info.Env();
          int in = info[0].As<Napi::Number>().Int32Value(), out = info[1].As<Napi::Number>().Int32Value();
          Napi::Array w = Napi::Array::New(e, out), g = Napi::Array::New(e, in);
          for (int o = 0; o < out; o++) {
            Napi::Array p = Napi::Array::New(e, 2);
            p.Set(0u, adaptStart(o, in, out)), p.Set(1u, adaptEnd(o, in, out));
            w.Set((uint32_t)o, p);
          }
          for (int i = 0; i < in; i++) {
            Napi::Array p = Napi::Array::New(e, 2);
            p.Set(0u, adaptLo(i, in, out)), p.Set(1u, adaptHi(i, in, out));
            g.Set((uint32_t)i, p);
          }
          Napi::Object o = Napi::Object::New(e);
          o.Set("windows", w), o.Set("gather", g);
          return o;
        }));
  // bnShape(rows, c): the NHWC tensor cuDNN's batch norm is given for a [rows, c] record
  t.Set("bnShape", Napi::Function::New(env, [](const Napi::CallbackInfo& info) {
          BnShape s = bnTensorShape(info[0].As<Napi::Number>().Int32Value(), info[1].As<Napi::Number>().Int32Value());
          Napi::Array r = Napi::Array::New(info.Env(), 4);
          r.Set(0u, s.n), r.Set(1u, s.c), r.Set(2u, s.h), r.Set(3u, s.w);
          return r;
        }));
  t.Set("kernelNames", Napi::Function::New(env, [](const Napi::CallbackInfo& info) {
          auto names = kernelNames();
          Napi::Array r = Napi::Array::New(info.Env(), names.size());
          for (size_t i = 0; i < names.size(); i++) r.Set((uint32_t)i, names[i]);
          return r;
        }));
  return t;
}

// abiProbe(recordName, Int32Array): the record read through its abi.h struct, member by member (the
// generated X-macros name each member), as { field: value }. Host-only; the ABI test compares it with
// what encodeFields() wrote.
Napi::Value abiProbe(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), [&]() -> Napi::Value {
    Napi::Env env = info.Env();
    if (info.Length() < 2 || !info[0].IsString() || !info[1].IsTypedArray() ||
        info[1].As<Napi::TypedArray>().TypedArrayType() != napi_int32_array)
      throw argError("abiProbe", "abiProbe(recordName, Int32Array) expected");
    std::string name = info[0].As<Napi::String>();
    Napi::Int32Array a = info[1].As<Napi::Int32Array>();
    Napi::Object o = Napi::Object::New(env);
    bool found = false;
#define CN_PROBE_I32(f, m) o.Set(#f, (double)r.m);
#define CN_PROBE_U32(f, m) o.Set(#f, (double)(uint32_t)r.m);
#define CN_PROBE_F32(f, m) o.Set(#f, (double)r.m);
#define CN_PROBE_BOOL(f, m) o.Set(#f, r.m != 0);
#define CN_PROBE_ENUM(f, m) o.Set(#f, (double)r.m);
#define CN_PROBE_TAIL(f, m)                                                   \
  {                                                                           \
    Napi::Array v = Napi::Array::New(env, (size_t)r.m);                       \
    const int32_t* tail = reinterpret_cast<const int32_t*>(&r + 1);           \
    for (int32_t i = 0; i < r.m; i++) v.Set((uint32_t)i, (double)tail[i]);    \
    o.Set(#f, v);                                                             \
  }
#define CN_PROBE_FIELD(f, m, KIND) CN_PROBE_##KIND(f, m)
#define CN_PROBE_RECORD(Type, rname, code)                                                          \
  if (name == rname) {                                                                             \
    found = true;                                                                                  \
    if (a.ElementLength() < sizeof(abi::Type) / 4)                                                 \
      throw argError("abiProbe", std::string(rname) + " needs " + std::to_string(sizeof(abi::Type) / 4) + " slots"); \
    const abi::Type& r = *reinterpret_cast<const abi::Type*>(a.Data());                            \
    if (abi::RECORDS[abi::code].tail && a.ElementLength() < sizeof(abi::Type) / 4 + (size_t)a.Data()[sizeof(abi::Type) / 4 - 1]) \
      throw argError("abiProbe", std::string(rname) + ": the tail is shorter than its count");   \
    CN_ABI_FIELDS_##Type(CN_PROBE_FIELD)                                                           \
  }
    CN_ABI_RECORDS(CN_PROBE_RECORD)
    if (!found) throw argError("abiProbe", "unknown record " + name);
    return o;
  });
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("version", Napi::String::New(env, "0.1.0"));
  exports.Set("deviceInfo", Napi::Function::New(env, [](const Napi::CallbackInfo& info) { return deviceInfoJs(info.Env()); }));
  exports.Set("libraries", Napi::Function::New(env, [](const Napi::CallbackInfo& info) { return librariesJs(info.Env()); }));
  exports.Set("Context", ContextWrap::Init(env));
  exports.Set("_test", testExports(env));
  exports.Set("abiProbe", Napi::Function::New(env, abiProbe));
  return exports;
}

}  // namespace

NODE_API_MODULE(convnets_native, Init)
