#include "runtime.h"
#include "lib/numbers.h"
#include <cstdlib>
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>

namespace cn {

std::string cudaErrorMessage(cudaError_t e) {
  return std::string(cudaGetErrorString(e));
}

void throwCuda(cudaError_t e, const char* op) {
  cudaGetLastError();  // clear a non-sticky error so the context stays usable
  std::string name = cudaGetErrorName(e);
  std::string msg = cudaGetErrorString(e);
  if (e == cudaErrorMemoryAllocation) msg += " (device out of memory; free tensors or use a smaller batch)";
  throw NativeError(op, "CUDA", (int)e, name, msg);
}

DeviceInfo queryDevices() {
  DeviceInfo d;
  cudaRuntimeGetVersion(&d.runtimeVersion);
  cudaDriverGetVersion(&d.driverVersion);
  cudaError_t e = cudaGetDeviceCount(&d.count);
  d.status = (int)e;
  if (e != cudaSuccess) {
    cudaGetLastError();
    d.count = 0;
    d.statusName = cudaGetErrorName(e);
    d.statusMessage = cudaGetErrorString(e);
    return d;
  }
  for (int i = 0; i < d.count; i++) {
    cudaDeviceProp p;
    if (cudaGetDeviceProperties(&p, i) != cudaSuccess) { cudaGetLastError(); continue; }
    d.devices.push_back({p.name, p.major, p.minor, p.multiProcessorCount, p.totalGlobalMem});
  }
  return d;
}

// ---- raw memory -----------------------------------------------------------------------------------------
namespace {
struct DeviceMemory : RawMemory {
  cudaError_t alloc(void** p, size_t bytes) override { return cudaMalloc(p, bytes); }
  void release(void* p) override { cudaFree(p); }
};
struct HostMemory : RawMemory {
  size_t limit, used = 0;
  std::unordered_map<void*, size_t> sizes;
  explicit HostMemory(size_t l) : limit(l) {}
  cudaError_t alloc(void** p, size_t bytes) override {
    if (limit && used + bytes > limit) return cudaErrorMemoryAllocation;
    *p = std::malloc(bytes);
    if (!*p) return cudaErrorMemoryAllocation;
    used += bytes;
    sizes[*p] = bytes;
    return cudaSuccess;
  }
  void release(void* p) override {
    used -= sizes[p];
    sizes.erase(p);
    std::free(p);
  }
};
}  // namespace

// ---- caching allocator ------------------------------------------------------------------------------------
size_t CachingAllocator::bucket(size_t bytes) {
  if (bytes == 0) bytes = 1;
  const size_t small = 512, large = 2u << 20;
  if (bytes < (1u << 20)) return (bytes + small - 1) / small * small;
  return (bytes + large - 1) / large * large;
}

void* CachingAllocator::allocate(size_t bytes, const char* op) {
  const size_t b = bucket(bytes);
  auto it = free_.find(b);
  if (it != free_.end() && !it->second.empty()) {
    void* p = it->second.back();
    it->second.pop_back();
    cached -= b;
    inUse += b;
    hits++;
    if (inUse > peak) peak = inUse;
    return p;
  }
  void* p = nullptr;
  cudaError_t e = raw_.alloc(&p, b);
  if (e == cudaErrorMemoryAllocation && cached > 0) {
    cudaGetLastError();
    oomRetries++;
    emptyCache();
    e = raw_.alloc(&p, b);
  }
  if (e != cudaSuccess) {
    cudaGetLastError();
    std::string name = cudaGetErrorName(e);
    throw NativeError(op, "CUDA", (int)e, name,
                      std::string(cudaGetErrorString(e)) + ": could not allocate " + std::to_string(b) + " bytes (" +
                          std::to_string(inUse) + " in use); free tensors or use a smaller batch");
  }
  rawAllocs++;
  inUse += b;
  if (inUse > peak) peak = inUse;
  return p;
}

bool CachingAllocator::releaseForRetry() {
  if (cached == 0) return false;
  oomRetries++;
  emptyCache();
  return true;
}

void CachingAllocator::release(void* p, size_t b) {
  free_[b].push_back(p);
  inUse -= b;
  cached += b;
}

void CachingAllocator::emptyCache() {
  for (auto& kv : free_)
    for (void* p : kv.second) raw_.release(p);
  free_.clear();
  cached = 0;
}

CachingAllocator::~CachingAllocator() { emptyCache(); }

// ---- scratch -------------------------------------------------------------------------------------------------
Scratch::Scratch(Context& c, size_t floats, const char* op) : c_(c) {
  if (!floats) return;
  bytes_ = CachingAllocator::bucket(floats * sizeof(float));
  p_ = static_cast<float*>(c.alloc->allocate(floats * sizeof(float), op));
}

Scratch::~Scratch() {
  if (p_) c_.alloc->release(p_, bytes_);
}

// ---- context -------------------------------------------------------------------------------------------------
Context::Context(const ContextOptions& o) : opts(o) {
  const char* s = std::getenv("CONVNETS_NATIVE_SYNC");
  syncEachOp = s && *s && std::string(s) != "0";
  if (o.hostOnly) {
    raw.reset(new HostMemory(o.hostLimitBytes));
    alloc.reset(new CachingAllocator(*raw));
    if (o.fakeLibs) {  // host-only: recording cuDNN/cuBLAS stand-ins, so the library paths run without a GPU
      fake.reset(new FakeLibs());
      dnn = &fakeCudnn();
      blas = &fakeCublas();
      dnn->create(&cudnnH);
      blas->create(&cublasH);
    }
    return;
  }
  checkCuda(cudaSetDevice(o.device), "init");
  checkCuda(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking), "init");
  raw.reset(new DeviceMemory());
  alloc.reset(new CachingAllocator(*raw));
  checkCuda(cudaMalloc(reinterpret_cast<void**>(&labelDev), sizeof(LabelStatus)), "init");
  labelStatusReset(labelDev, stream);
  const CublasApi& cb = cublas();
  if (cb.ok) {
    if (cb.create(&cublasH) == 0) {
      blas = &cb;
      cb.setStream(cublasH, stream);
      cb.setMathMode(cublasH, o.tf32 ? CUBLAS_TF32_TENSOR_OP_MATH : CUBLAS_DEFAULT_MATH);
      if (cb.setWorkspace) {
        // cuBLAS's workspace comes from the caching allocator, so an out-of-memory retry covers it.
        blasWorkspaceBytes = size_t(32) << 20;
        blasWorkspace = alloc->allocate(blasWorkspaceBytes, "init (cuBLAS workspace)");
        checkCublas(cb.setWorkspace(cublasH, blasWorkspace, blasWorkspaceBytes), "init (cuBLAS workspace)");
      }
    } else {
      cublasH = nullptr;
    }
  }
  const CudnnApi& cd = cudnn();
  if (cd.ok) {
    if (cd.create(&cudnnH) == 0) {
      dnn = &cd;
      cd.setStream(cudnnH, stream);
    } else {
      cudnnH = nullptr;
    }
  }
}

Context::~Context() {
  try { dispose(); } catch (...) {}
}

void Context::dispose() {
  if (disposed_) return;
  disposed_ = true;
  if (!opts.hostOnly && stream) cudaStreamSynchronize(stream);
  for (const Block& b : handles.drain()) alloc->release(b.ptr, b.bytes);
  if (blasWorkspace) alloc->release(blasWorkspace, CachingAllocator::bucket(blasWorkspaceBytes));
  blasWorkspace = nullptr;
  for (auto& kv : reads_) {
    if (kv.second.host) cudaFreeHost(kv.second.host);
    if (kv.second.label) cudaFreeHost(kv.second.label);
    if (kv.second.done) cudaEventDestroy(kv.second.done);
  }
  reads_.clear();
  if (labelDev) cudaFree(labelDev);
  labelDev = nullptr;
  alloc->emptyCache();
  if (cublasH && blas) blas->destroy(cublasH);
  if (cudnnH && dnn) dnn->destroy(cudnnH);
  cublasH = nullptr;
  cudnnH = nullptr;
  if (stream) cudaStreamDestroy(stream);
  stream = nullptr;
  cudaGetLastError();
}

void Context::ensureLive(const char* op) const {
  if (disposed_) throw argError(op, "the native backend was disposed");
}

int64_t Context::allocBuffer(int64_t length) {
  ensureLive("alloc");
  if (length < 0 || length > (int64_t(1) << 31) - 1)
    throw argError("alloc", "length must be in [0, 2^31), got " + std::to_string(length));
  size_t bytes = (size_t)length * sizeof(float);
  void* p = alloc->allocate(bytes, "alloc");
  return handles.add({p, CachingAllocator::bucket(bytes), length});
}

void Context::freeBuffer(int64_t id) {
  if (disposed_) return;  // dispose() released everything: tensors disposed afterwards need not fail
  if (handles.isView(id)) throw argError("free", "buffer " + std::to_string(id) + " is a view; free the buffer it views");
  Block b = handles.remove(id, "free");
  handles.removeViews(id);
  alloc->release(b.ptr, b.bytes);
}

int64_t Context::viewBuffer(int64_t id, int64_t offset, int64_t length) {
  ensureLive("view");
  return handles.addView(id, offset, length, "view");
}

void Context::write(int64_t id, const float* src, int64_t count, int64_t offset) {
  ensureLive("write");
  const Block& b = handles.range(id, offset, count, "write");
  if (!count) return;
  float* dst = static_cast<float*>(b.ptr) + offset;
  if (opts.hostOnly) { std::memcpy(dst, src, count * sizeof(float)); return; }
  // Pageable source: the call returns once the data is staged, so the JS array may be released.
  checkCuda(cudaMemcpyAsync(dst, src, count * sizeof(float), cudaMemcpyHostToDevice, stream), "write");
  if (syncEachOp) synchronize("write");
}

void Context::read(int64_t id, float* dst) {
  ensureLive("read");
  const Block& b = handles.get(id, "read", "buffer");
  if (opts.hostOnly) std::memcpy(dst, b.ptr, b.length * sizeof(float));
  else if (b.length) checkCuda(cudaMemcpyAsync(dst, b.ptr, b.length * sizeof(float), cudaMemcpyDeviceToHost, stream), "read");
  // Kernels are asynchronous: a failure (or a bad label) of any earlier op surfaces here.
  synchronize("read (or an earlier asynchronous kernel)");
}

// ---- asynchronous reads: pinned staging + an event, polled from JS (no thread blocks on the GPU) ----------
int64_t Context::beginRead(int64_t id) {
  ensureLive("readAsync");
  const Block& b = handles.get(id, "readAsync", "buffer");
  PendingRead r;
  r.length = b.length;
  r.labelGen = labelGen;
  if (opts.hostOnly) {
    r.host = static_cast<float*>(std::malloc(std::max<size_t>(1, b.length * sizeof(float))));
    if (!r.host) throw std::bad_alloc();
    std::memcpy(r.host, b.ptr, b.length * sizeof(float));
    if (labelPending) {
      r.label = static_cast<LabelStatus*>(std::malloc(sizeof(LabelStatus)));
      *r.label = labelHost;
    }
  } else {
    // Pinned memory: a truly asynchronous copy. One staging buffer per read (reads are few and large).
    checkCuda(cudaMallocHost(reinterpret_cast<void**>(&r.host), std::max<size_t>(1, b.length * sizeof(float))), "readAsync");
    if (b.length) checkCuda(cudaMemcpyAsync(r.host, b.ptr, b.length * sizeof(float), cudaMemcpyDeviceToHost, stream), "readAsync");
    if (labelPending) {
      checkCuda(cudaMallocHost(reinterpret_cast<void**>(&r.label), sizeof(LabelStatus)), "readAsync");
      checkCuda(cudaMemcpyAsync(r.label, labelDev, sizeof(LabelStatus), cudaMemcpyDeviceToHost, stream), "readAsync");
    }
    checkCuda(cudaEventCreateWithFlags(&r.done, cudaEventDisableTiming), "readAsync");
    checkCuda(cudaEventRecord(r.done, stream), "readAsync");
  }
  int64_t t = nextRead_++;
  reads_[t] = r;
  return t;
}

int64_t Context::pendingLength(int64_t ticket) const {
  auto it = reads_.find(ticket);
  if (it == reads_.end()) throw argError("readAsync", "unknown read ticket " + std::to_string(ticket));
  return it->second.length;
}

bool Context::pollRead(int64_t ticket, float* dst) {
  ensureLive("readAsync");
  auto it = reads_.find(ticket);
  if (it == reads_.end()) throw argError("readAsync", "unknown read ticket " + std::to_string(ticket));
  PendingRead& r = it->second;
  cudaError_t e = cudaSuccess;
  if (!opts.hostOnly) {
    e = cudaEventQuery(r.done);
    if (e == cudaErrorNotReady) { cudaGetLastError(); return false; }
  }
  PendingRead done = r;
  reads_.erase(it);
  LabelStatus label{LABEL_OK, LABEL_OK, -1, -1};
  if (done.label) label = *done.label;
  if (e == cudaSuccess) std::memcpy(dst, done.host, done.length * sizeof(float));
  if (opts.hostOnly) {
    std::free(done.host);
    std::free(done.label);
  } else {
    cudaFreeHost(done.host);
    if (done.label) cudaFreeHost(done.label);
    cudaEventDestroy(done.done);
  }
  checkCuda(e, "readAsync (or an earlier asynchronous kernel)");
  if (done.label && done.labelGen == labelGen && label.first != LABEL_OK) reportLabel(label);
  return true;
}

// ---- label status of the softmax kernels -------------------------------------------------------------------
void Context::recordLabelHost(int kernel, int classes, int64_t sample, float label) {
  if (labelHost.first != LABEL_OK) return;  // an earlier launch's error is still unreported: it wins
  uint32_t bits;
  std::memcpy(&bits, &label, 4);
  labelHost.first = ((unsigned long long)sample << 32) | bits;
  labelHost.classes = classes;
  labelHost.kernel = kernel;
}

void Context::reportLabel(const LabelStatus& st) {
  // Reset first: the error is reported once, and the context stays usable after it.
  labelGen++;
  labelPending = false;
  if (opts.hostOnly) labelHost = LabelStatus{LABEL_OK, LABEL_OK, -1, -1};
  else labelStatusReset(labelDev, stream);
  const int64_t sample = (int64_t)(st.first >> 32);
  const uint32_t bits = (uint32_t)(st.first & 0xffffffffu);
  float v;
  std::memcpy(&v, &bits, 4);
  const std::string shown = jsNumber((double)v);
  const char* op = st.kernel == 1 ? "softmaxCrossEntropyBackward" : "softmaxCrossEntropy";
  throw argError(op, "label of sample " + std::to_string(sample) + " must be an integer class index in [0, " +
                         std::to_string(st.classes - 1) + "], got " + shown);
}

void Context::checkLabels() {
  if (!labelPending) return;
  LabelStatus st = labelHost;
  if (!opts.hostOnly) checkCuda(cudaMemcpy(&st, labelDev, sizeof st, cudaMemcpyDeviceToHost), "label status");
  labelPending = false;
  if (st.first != LABEL_OK) reportLabel(st);
}

// ---- path counters -------------------------------------------------------------------------------------------
void Context::ran(const std::string& op, Path p) {
  PathCounts& c = paths[op];
  (p == Path::CUDNN ? c.cudnn : p == Path::CUBLAS ? c.cublas : c.own)++;
}

void Context::refused(const std::string& op, const std::string& reason) {
  PathCounts& c = paths[op];
  c.refused++;
  c.reasons[reason]++;
}

void Context::fill(int64_t id, float v) {
  ensureLive("fill");
  const Block& b = handles.get(id, "fill", "buffer");
  if (opts.hostOnly) {
    float* p = static_cast<float*>(b.ptr);
    for (int64_t i = 0; i < b.length; i++) p[i] = v;
    return;
  }
  if (v == 0.f) checkCuda(cudaMemsetAsync(b.ptr, 0, b.length * sizeof(float), stream), "fill");
  else fillKernel(b.length, v, static_cast<float*>(b.ptr), stream);
  if (syncEachOp) synchronize("fill");
}

void Context::copy(int64_t src, int64_t dst) {
  ensureLive("copy");
  const Block& s = handles.get(src, "copy", "src");
  const Block& d = handles.get(dst, "copy", "dst");
  if (s.length != d.length)
    throw argError("copy", "src has " + std::to_string(s.length) + " elements, dst " + std::to_string(d.length));
  if (!s.length || s.ptr == d.ptr) return;
  if (opts.hostOnly) { std::memcpy(d.ptr, s.ptr, s.length * sizeof(float)); return; }
  checkCuda(cudaMemcpyAsync(d.ptr, s.ptr, s.length * sizeof(float), cudaMemcpyDeviceToDevice, stream), "copy");
  if (syncEachOp) synchronize("copy");
}

void Context::synchronize(const char* op) {
  ensureLive(op);
  if (!opts.hostOnly) checkCuda(cudaStreamSynchronize(stream), op);
  checkLabels();
}

}  // namespace cn
