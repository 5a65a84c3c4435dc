// The CPU backend's context: buffers on the native heap (64-byte aligned, 64-bit lengths: no 4 GiB
// ceiling), their handles as JS sees them, the thread pool, the chosen ISA's micro-kernels and
// per-worker workspaces that persist across calls (packing panels, im2col tiles).
#pragma once
#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>
#include "isa.h"
#include "lib/error.h"
#include "lib/handles.h"
#include "threads.h"

namespace cn {
namespace cpu {

struct Options {
  int threads = 0;   // 0: the machine's hardware threads
  std::string isa;   // "" = the widest the CPU supports
  bool splitAll = false;  // tests: every kernel splits across all threads, even on tiny shapes (grain 0)
};

/** 64-byte aligned host memory; throws a NativeError naming `op` when the request cannot be met. */
float* allocFloats(size_t floats, const char* op);
void freeFloats(float* p);

class Context {
 public:
  explicit Context(const Options& o);
  ~Context();
  void dispose();
  bool disposed() const { return disposed_; }

  int64_t allocBuffer(int64_t length);
  void freeBuffer(int64_t id);
  int64_t viewBuffer(int64_t id, int64_t offset, int64_t length);
  const Block& buf(int64_t id, const char* op, const char* arg) const { return handles.get(id, op, arg); }
  void write(int64_t id, const float* src, int64_t count, int64_t offset);
  void read(int64_t id, float* dst);
  void fill(int64_t id, float v);
  void copy(int64_t src, int64_t dst);

  /** One kernel of the contract (dispatch.cpp): its record (abi.h slots) and buffer ids in the schema's order. */
  void run(const std::string& op, const int32_t* slots, size_t nslots, const int64_t* ids, size_t nids);
  /** The same by the kernel's index in abi::KERNELS (the addon's fast path: no name lookup). */
  void runIndex(int index, const int32_t* slots, size_t nslots, const int64_t* ids, size_t nids);

  /** Worker w's workspace of at least `floats` floats (kept and reused; only worker w may use it). */
  float* workspace(int worker, size_t floats);
  size_t workspaceBytes() const;
  /** Returns the workspaces to the heap (they grow again on demand). */
  void trim();

  ThreadPool& pool() { return *pool_; }
  int threads() const { return pool_->threads(); }

  const Isa* isa = nullptr;
  std::string isaReason;
  HandleTable handles;
  size_t bytesInUse = 0, peakBytes = 0;
  std::atomic<size_t> scratchBytes{0}, scratchPeak{0};
  std::vector<uint64_t> calls;  // kernels run, by index in abi::KERNELS

 private:
  void ensureLive(const char* op) const;
  std::unique_ptr<ThreadPool> pool_;
  struct Workspace { float* p = nullptr; size_t floats = 0; char pad[48]; };  // one cache line each
  std::vector<Workspace> ws_;
  bool disposed_ = false;
};

/** Scratch floats for one call (freed on scope exit), counted in the context's scratch statistics. */
class Scratch {
 public:
  Scratch(Context& c, size_t floats, const char* op);
  ~Scratch();
  float* get() const { return p_; }
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;

 private:
  Context& c_;
  float* p_ = nullptr;
  size_t bytes_ = 0;
};

/** Names of the kernels Context::run dispatches (the contract's KERNEL_NAMES). */
std::vector<std::string> kernelNames();
/** A kernel's index in abi::KERNELS, or -1. */
int kernelIndex(const std::string& op);

}  // namespace cpu
}  // namespace cn
