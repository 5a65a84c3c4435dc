#include "runtime.h"
#include <unistd.h>
#include <cstdlib>
#include <cstring>
#include <thread>

namespace cn {
namespace cpu {

namespace {
size_t physicalBytes() {
  long pages = sysconf(_SC_PHYS_PAGES), size = sysconf(_SC_PAGE_SIZE);
  return pages > 0 && size > 0 ? (size_t)pages * (size_t)size : 0;
}
std::string mib(size_t bytes) { return std::to_string((bytes + (1 << 19)) >> 20) + " MiB"; }
}  // namespace

float* allocFloats(size_t floats, const char* op) {
  size_t bytes = (floats * sizeof(float) + 63) & ~size_t(63);
  if (bytes == 0) bytes = 64;
  // Linux overcommits: a request past physical memory would "succeed" and kill the process on first
  // touch, so it is refused here with the numbers.
  size_t phys = physicalBytes();
  if (phys && bytes > phys)
    throw argError(op, "cannot allocate " + mib(bytes) + ": more than this machine's " + mib(phys) + " of memory");
  void* p = std::aligned_alloc(64, bytes);
  if (!p) throw NativeError(op, "host", 0, "ENOMEM", "out of memory allocating " + mib(bytes));
  return static_cast<float*>(p);
}

void freeFloats(float* p) { std::free(p); }

Context::Context(const Options& o) {
  isa = &chooseIsa(o.isa, isaReason);
  int t = o.threads > 0 ? o.threads : (int)std::thread::hardware_concurrency();
  if (t < 1) t = 1;
  if (t > 256) throw argError("init", "threads must be at most 256, got " + std::to_string(t));
  pool_.reset(new ThreadPool(t));
  pool_->setSplitAll(o.splitAll);
  ws_.resize(t);
}

Context::~Context() { dispose(); }

void Context::dispose() {
  if (disposed_) return;
  disposed_ = true;
  for (Block& b : handles.drain()) freeFloats(static_cast<float*>(b.ptr));
  trim();
  bytesInUse = 0;
  pool_.reset(new ThreadPool(1));  // joins the workers
}

void Context::ensureLive(const char* op) const {
  if (disposed_) throw argError(op, "the cpu backend was disposed");
}

int64_t Context::allocBuffer(int64_t length) {
  ensureLive("alloc");
  if (length < 0 || length > (int64_t(1) << 53))
    throw argError("alloc", "length must be a non-negative integer below 2^53, got " + std::to_string(length));
  float* p = allocFloats((size_t)length, "alloc");
  size_t bytes = (size_t)length * sizeof(float);
  bytesInUse += bytes;
  if (bytesInUse > peakBytes) peakBytes = bytesInUse;
  return handles.add({p, bytes, length});
}

void Context::freeBuffer(int64_t id) {
  if (disposed_) return;  // dispose() released everything: tensors disposed afterwards need not fail
  if (handles.isView(id)) throw argError("free", "buffer " + std::to_string(id) + " is a view; free the buffer it views");
  Block b = handles.remove(id, "free");
  handles.removeViews(id);
  bytesInUse -= b.bytes;
  freeFloats(static_cast<float*>(b.ptr));
}

int64_t Context::viewBuffer(int64_t id, int64_t offset, int64_t length) {
  ensureLive("view");
  return handles.addView(id, offset, length, "view");
}

void Context::write(int64_t id, const float* src, int64_t count, int64_t offset) {
  ensureLive("write");
  const Block& b = handles.range(id, offset, count, "write");
  if (count) std::memcpy(static_cast<float*>(b.ptr) + offset, src, (size_t)count * sizeof(float));
}

void Context::read(int64_t id, float* dst) {
  ensureLive("read");
  const Block& b = handles.get(id, "read", "buffer");
  if (b.length) std::memcpy(dst, b.ptr, (size_t)b.length * sizeof(float));
}

void Context::fill(int64_t id, float v) {
  ensureLive("fill");
  const Block& b = handles.get(id, "fill", "buffer");
  float* p = static_cast<float*>(b.ptr);
  pool_->parallelFor(b.length, 1 << 16, [&](int64_t s, int64_t e, int) {
    for (int64_t i = s; i < e; i++) p[i] = v;
  });
}

void Context::copy(int64_t src, int64_t dst) {
  ensureLive("copy");
  const Block& s = handles.get(src, "copy", "src");
  const Block& d = handles.get(dst, "copy", "dst");
  if (s.length != d.length)
    throw argError("copy", "src has " + std::to_string(s.length) + " elements, dst " + std::to_string(d.length));
  const float* a = static_cast<const float*>(s.ptr);
  float* b = static_cast<float*>(d.ptr);
  if (a == b) return;
  pool_->parallelFor(s.length, 1 << 16, [&](int64_t i, int64_t e, int) {
    std::memmove(b + i, a + i, (size_t)(e - i) * sizeof(float));
  });
}

float* Context::workspace(int worker, size_t floats) {
  Workspace& w = ws_[(size_t)worker];
  if (w.floats < floats) {
    size_t grow = floats + floats / 4;
    float* p = allocFloats(grow, "workspace");
    freeFloats(w.p);
    w.p = p;
    w.floats = grow;
  }
  return w.p;
}

size_t Context::workspaceBytes() const {
  size_t b = 0;
  for (const Workspace& w : ws_) b += w.floats * sizeof(float);
  return b;
}

void Context::trim() {
  for (Workspace& w : ws_) {
    freeFloats(w.p);
    w.p = nullptr;
    w.floats = 0;
  }
}

Scratch::Scratch(Context& c, size_t floats, const char* op) : c_(c) {
  p_ = allocFloats(floats, op);
  bytes_ = floats * sizeof(float);
  size_t now = c_.scratchBytes.fetch_add(bytes_) + bytes_;
  size_t peak = c_.scratchPeak.load();
  while (now > peak && !c_.scratchPeak.compare_exchange_weak(peak, now)) {
  }
}

Scratch::~Scratch() {
  freeFloats(p_);
  c_.scratchBytes.fetch_sub(bytes_);
}

}  // namespace cpu
}  // namespace cn
