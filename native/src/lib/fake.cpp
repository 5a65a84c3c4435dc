#include "fake.h"

namespace cn {

namespace {
thread_local FakeLibs* cur = nullptr;
struct FakeDesc { int id; };
int nextId = 1;

int st(const char* fn) { return cur ? cur->next(fn) : 0; }
void rec(const char* fn, std::vector<double> a) {
  if (cur) cur->log(fn, std::move(a));
}
template <typename T>
cudnnStatus_t create(T* d) {
  *d = reinterpret_cast<T>(new FakeDesc{nextId++});
  return 0;
}
template <typename T>
cudnnStatus_t destroy(T d) {
  delete reinterpret_cast<FakeDesc*>(d);
  return 0;
}
double id(const void* d) { return d ? reinterpret_cast<const FakeDesc*>(d)->id : 0; }

cudnnStatus_t find(const char* fn, int want, int* got, CudnnAlgoPerf* perf) {
  rec(fn, {(double)want});
  int s = st(fn);
  if (s) { *got = 0; return s; }
  *got = 1;
  perf[0] = CudnnAlgoPerf{};
  perf[0].algo = 1;
  perf[0].status = st((std::string(fn) + ".algo").c_str());
  perf[0].memory = cur ? cur->findMemory : 0;
  perf[0].mathType = cur ? cur->findMathType : 0;
  return 0;
}

CudnnApi makeCudnn() {
  CudnnApi a;
  a.ok = true;
  a.library = "fake cuDNN (host-only test context)";
  a.version = 90000;
  a.create = [](cudnnHandle_t* h) -> cudnnStatus_t { *h = reinterpret_cast<cudnnHandle_t>(&nextId); return 0; };
  a.destroy = [](cudnnHandle_t) -> cudnnStatus_t { return 0; };
  a.setStream = [](cudnnHandle_t, cudaStream_t) -> cudnnStatus_t { return 0; };
  a.getErrorString = [](cudnnStatus_t) -> const char* { return "scripted status (fake cuDNN)"; };
  a.createTensor = create<cudnnTensorDescriptor_t>;
  a.destroyTensor = destroy<cudnnTensorDescriptor_t>;
  a.createFilter = create<cudnnFilterDescriptor_t>;
  a.destroyFilter = destroy<cudnnFilterDescriptor_t>;
  a.createConv = create<cudnnConvolutionDescriptor_t>;
  a.destroyConv = destroy<cudnnConvolutionDescriptor_t>;
  a.setTensor4d = [](cudnnTensorDescriptor_t d, int fmt, int dt, int n, int c, int h, int w) -> cudnnStatus_t {
    rec("setTensor4d", {id(d), (double)fmt, (double)dt, (double)n, (double)c, (double)h, (double)w});
    return st("setTensor4d");
  };
  a.setFilter4d = [](cudnnFilterDescriptor_t d, int dt, int fmt, int k, int c, int h, int w) -> cudnnStatus_t {
    rec("setFilter4d", {id(d), (double)dt, (double)fmt, (double)k, (double)c, (double)h, (double)w});
    return st("setFilter4d");
  };
  a.setConv2d = [](cudnnConvolutionDescriptor_t d, int ph, int pw, int u, int v, int dh, int dw, int mode,
                   int ct) -> cudnnStatus_t {
    rec("setConv2d", {id(d), (double)ph, (double)pw, (double)u, (double)v, (double)dh, (double)dw, (double)mode, (double)ct});
    return st("setConv2d");
  };
  a.setConvGroups = [](cudnnConvolutionDescriptor_t d, int g) -> cudnnStatus_t {
    rec("setConvGroups", {id(d), (double)g});
    return 0;
  };
  a.setConvMath = [](cudnnConvolutionDescriptor_t d, int m) -> cudnnStatus_t {
    rec("setConvMath", {id(d), (double)m});
    return 0;
  };
  a.findFwd = [](cudnnHandle_t, cudnnTensorDescriptor_t, cudnnFilterDescriptor_t, cudnnConvolutionDescriptor_t,
                 cudnnTensorDescriptor_t, int want, int* got, CudnnAlgoPerf* p) { return find("findFwd", want, got, p); };
  a.findBwdData = [](cudnnHandle_t, cudnnFilterDescriptor_t, cudnnTensorDescriptor_t, cudnnConvolutionDescriptor_t,
                     cudnnTensorDescriptor_t, int want, int* got, CudnnAlgoPerf* p) { return find("findBwdData", want, got, p); };
  a.findBwdFilter = [](cudnnHandle_t, cudnnTensorDescriptor_t, cudnnTensorDescriptor_t, cudnnConvolutionDescriptor_t,
                       cudnnFilterDescriptor_t, int want, int* got, CudnnAlgoPerf* p) {
    return find("findBwdFilter", want, got, p);
  };
  a.fwd = [](cudnnHandle_t, const void*, cudnnTensorDescriptor_t, const void*, cudnnFilterDescriptor_t, const void*,
             cudnnConvolutionDescriptor_t, int algo, void*, size_t ws, const void*, cudnnTensorDescriptor_t,
             void*) -> cudnnStatus_t {
    rec("fwd", {(double)algo, (double)ws});
    return st("fwd");
  };
  a.bwdData = [](cudnnHandle_t, const void*, cudnnFilterDescriptor_t, const void*, cudnnTensorDescriptor_t, const void*,
                 cudnnConvolutionDescriptor_t, int algo, void*, size_t ws, const void*, cudnnTensorDescriptor_t,
                 void*) -> cudnnStatus_t {
    rec("bwdData", {(double)algo, (double)ws});
    return st("bwdData");
  };
  a.bwdFilter = [](cudnnHandle_t, const void*, cudnnTensorDescriptor_t, const void*, cudnnTensorDescriptor_t,
                   const void*, cudnnConvolutionDescriptor_t, int algo, void*, size_t ws, const void*,
                   cudnnFilterDescriptor_t, void*) -> cudnnStatus_t {
    rec("bwdFilter", {(double)algo, (double)ws});
    return st("bwdFilter");
  };
  a.bnFwdTrain = [](cudnnHandle_t, int mode, const void*, const void*, cudnnTensorDescriptor_t x, const void*,
                    cudnnTensorDescriptor_t, void*, cudnnTensorDescriptor_t p, const void*, const void*, double factor,
                    void*, void*, double eps, void*, void*) -> cudnnStatus_t {
    rec("bnFwdTrain", {(double)mode, id(x), id(p), factor, eps});
    return st("bnFwdTrain");
  };
  a.bnFwdInference = [](cudnnHandle_t, int mode, const void*, const void*, cudnnTensorDescriptor_t x, const void*,
                        cudnnTensorDescriptor_t, void*, cudnnTensorDescriptor_t p, const void*, const void*,
                        const void*, const void*, double eps) -> cudnnStatus_t {
    rec("bnFwdInference", {(double)mode, id(x), id(p), eps});
    return st("bnFwdInference");
  };
  a.bnBwd = [](cudnnHandle_t, int mode, const void*, const void*, const void*, const void*, cudnnTensorDescriptor_t x,
               const void*, cudnnTensorDescriptor_t, const void*, cudnnTensorDescriptor_t, void*,
               cudnnTensorDescriptor_t p, const void*, void*, void*, double eps, const void*,
               const void*) -> cudnnStatus_t {
    rec("bnBwd", {(double)mode, id(x), id(p), eps});
    return st("bnBwd");
  };
  return a;
}

CublasApi makeCublas() {
  CublasApi a;
  a.ok = true;
  a.library = "fake cuBLAS (host-only test context)";
  a.create = [](cublasHandle_t* h) -> cublasStatus_t { *h = reinterpret_cast<cublasHandle_t>(&nextId); return 0; };
  a.destroy = [](cublasHandle_t) -> cublasStatus_t { return 0; };
  a.setStream = [](cublasHandle_t, cudaStream_t) -> cublasStatus_t { return 0; };
  a.setMathMode = [](cublasHandle_t, int m) -> cublasStatus_t { rec("cublasSetMathMode", {(double)m}); return 0; };
  a.setWorkspace = [](cublasHandle_t, void*, size_t bytes) -> cublasStatus_t {
    rec("cublasSetWorkspace", {(double)bytes});
    return 0;
  };
  a.sgemm = [](cublasHandle_t, int ta, int tb, int m, int n, int k, const float*, const float*, int, const float*, int,
               const float*, float*, int) -> cublasStatus_t {
    rec("sgemm", {(double)ta, (double)tb, (double)m, (double)n, (double)k});
    return st("sgemm");
  };
  return a;
}
}  // namespace

int FakeLibs::next(const std::string& fn) {
  auto it = statuses.find(fn);
  if (it == statuses.end() || it->second.empty()) return 0;
  int s = it->second.front();
  it->second.erase(it->second.begin());
  return s;
}

const CudnnApi& fakeCudnn() {
  static const CudnnApi a = makeCudnn();
  return a;
}
const CublasApi& fakeCublas() {
  static const CublasApi a = makeCublas();
  return a;
}
void bindFake(FakeLibs* f) { cur = f; }

}  // namespace cn
