// Device discovery, the caching allocator, buffer handles and the per-backend context (one stream,
// library handles, algorithm cache). Everything here but the CUDA calls themselves is host logic that
// the tests exercise without a GPU through a host-memory context.
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>
#include "common.h"
#include "dynlib.h"

namespace cn {

struct DeviceProps { std::string name; int major, minor, sms; size_t totalMem; };
struct DeviceInfo {
  int count = 0;
  int status = 0;  // cudaGetDeviceCount's status: 35 (insufficient driver) / 100 (no device) read as "no GPU"
  std::string statusName, statusMessage;
  int runtimeVersion = 0, driverVersion = 0;
  std::vector<DeviceProps> devices;
};
DeviceInfo queryDevices();

/** Where the caching allocator gets raw memory: cudaMalloc on a device, malloc (with a limit) in host tests. */
struct RawMemory {
  virtual cudaError_t alloc(void** p, size_t bytes) = 0;
  virtual void release(void* p) = 0;
  virtual ~RawMemory() = default;
};

/** Size-bucketed free lists: freed blocks are kept per rounded size and handed out again; on
 *  out-of-memory the cache is returned to the device and the allocation tried once more. Safe with one
 *  stream: a reused block's next use is ordered after every earlier use. */
class CachingAllocator {
 public:
  explicit CachingAllocator(RawMemory& raw) : raw_(raw) {}
  ~CachingAllocator();
  /** Rounded size: 512 B granularity below 1 MiB, then 2 MiB (few distinct buckets, bounded waste). */
  static size_t bucket(size_t bytes);
  void* allocate(size_t bytes, const char* op);
  void release(void* p, size_t bucketBytes);
  void emptyCache();
  size_t inUse = 0, cached = 0, peak = 0;
  uint64_t hits = 0, rawAllocs = 0, oomRetries = 0;

 private:
  RawMemory& raw_;
  std::map<size_t, std::vector<void*>> free_;
};

struct Block { void* ptr; size_t bytes; int64_t length; };

/** Buffer ids handed to JS. Ids are never reused, so a freed id is recognised as such (use after
 *  free and double free are errors that name the op and argument, never a crash). */
class HandleTable {
 public:
  int64_t add(const Block& b);
  const Block& get(int64_t id, const char* op, const char* arg) const;
  Block remove(int64_t id, const char* op);
  size_t size() const { return live_.size(); }
  int64_t scalars() const { return scalars_; }
  std::vector<Block> drain();

 private:
  std::string describe(int64_t id) const;
  std::unordered_map<int64_t, Block> live_;
  int64_t next_ = 1;
  int64_t scalars_ = 0;
};

struct ContextOptions {
  bool hostOnly = false;       // host memory, no kernels: for tests of the host logic without a GPU
  size_t hostLimitBytes = 0;   // hostOnly: simulated device capacity (0 = unlimited)
  bool tf32 = false;           // allow TF32 tensor cores in cuDNN/cuBLAS
  int device = 0;
};

class Context;

/** Scratch memory from the caching allocator, returned on scope exit (stream order keeps it safe). */
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

struct CudnnConvCacheEntry { int algo; size_t workspace; };

class Context {
 public:
  explicit Context(const ContextOptions& o);
  ~Context();
  void dispose();
  bool disposed() const { return disposed_; }

  int64_t allocBuffer(int64_t length);
  void freeBuffer(int64_t id);
  const Block& buf(int64_t id, const char* op, const char* arg) const { return handles.get(id, op, arg); }
  void write(int64_t id, const float* src, int64_t count, int64_t offset);
  void read(int64_t id, float* dst);
  void fill(int64_t id, float v);
  void copy(int64_t src, int64_t dst);
  void synchronize(const char* op);

  /** Dispatches one kernel of the contract (ops.cpp). ids: -1 = null. */
  void run(const std::string& op, const int32_t* ints, size_t ni, const double* floats, size_t nf,
           const int64_t* ids, size_t nids);

  ContextOptions opts;
  std::unique_ptr<RawMemory> raw;
  std::unique_ptr<CachingAllocator> alloc;
  HandleTable handles;
  cudaStream_t stream = nullptr;
  cublasHandle_t cublasH = nullptr;
  cudnnHandle_t cudnnH = nullptr;
  std::unordered_map<std::string, CudnnConvCacheEntry> algoCache;
  bool cudnnBn = true;      // cleared when cuDNN reports NOT_SUPPORTED for batch norm (then own kernels)
  bool syncEachOp = false;  // CONVNETS_NATIVE_SYNC=1: errors are reported by the op that caused them

 private:
  void ensureLive(const char* op) const;
  bool disposed_ = false;
};

/** Names of the kernels Context::run dispatches (the contract's KERNEL_NAMES). */
std::vector<std::string> kernelNames();

}  // namespace cn
