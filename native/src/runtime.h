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
#include "lib/dynlib.h"
#include "lib/fake.h"
#include "lib/handles.h"
#include "lib/status.h"

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
  /** After a library's own allocation failed: returns the cache to the device (true when it held any). */
  bool releaseForRetry();
  void release(void* p, size_t bucketBytes);
  void emptyCache();
  size_t inUse = 0, cached = 0, peak = 0;
  uint64_t hits = 0, rawAllocs = 0, oomRetries = 0;

 private:
  RawMemory& raw_;
  std::map<size_t, std::vector<void*>> free_;
};

struct ContextOptions {
  bool hostOnly = false;       // host memory, no kernels: for tests of the host logic without a GPU
  size_t hostLimitBytes = 0;   // hostOnly: simulated device capacity (0 = unlimited)
  bool tf32 = false;           // allow TF32 tensor cores in cuDNN/cuBLAS
  int device = 0;
  bool fakeLibs = false;       // hostOnly: recording stand-ins for cuDNN/cuBLAS (lib/fake.h)
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

/** A cuDNN algorithm-search result per shape: algo < 0 remembers a refusal and its reason. */
struct CudnnConvCacheEntry { int algo; size_t workspace; int mathType; std::string reason; };

/** An asynchronous read in flight: pinned staging, its event, and a snapshot of the label status. */
struct PendingRead {
  float* host = nullptr;
  int64_t length = 0;
  cudaEvent_t done = nullptr;
  LabelStatus* label = nullptr;  // pinned copy, or null when no label check was pending
  uint64_t labelGen = 0;
};

class Context {
 public:
  explicit Context(const ContextOptions& o);
  ~Context();
  void dispose();
  bool disposed() const { return disposed_; }

  int64_t allocBuffer(int64_t length);
  void freeBuffer(int64_t id);
  /** A handle to elements [offset, offset + length) of buffer `id` (no copy, not counted as scalars). */
  int64_t viewBuffer(int64_t id, int64_t offset, int64_t length);
  const Block& buf(int64_t id, const char* op, const char* arg) const { return handles.get(id, op, arg); }
  void write(int64_t id, const float* src, int64_t count, int64_t offset);
  void read(int64_t id, float* dst);
  void fill(int64_t id, float v);
  void copy(int64_t src, int64_t dst);
  void synchronize(const char* op);

  /** Dispatches one kernel of the contract (dispatch.cpp): its record (abi.h slots) and buffer ids in
   *  the schema's order (-1 = null, a list argument expanded). */
  void run(const std::string& op, const int32_t* slots, size_t nslots, const int64_t* ids, size_t nids);

  /** Starts a device-to-host copy; pollRead returns false until it is complete (then fills dst). */
  int64_t beginRead(int64_t id);
  int64_t pendingLength(int64_t ticket) const;
  bool pollRead(int64_t ticket, float* dst);

  /** Path counters (stats().paths): executed per path, and refusals with reasons, per kernel name. */
  void ran(const std::string& op, Path p);
  void refused(const std::string& op, const std::string& reason);
  /** Throws the first bad label the softmax kernels recorded since the last check (stream must be idle). */
  void checkLabels();
  /** Host-only contexts: what the device status would hold after a launch (softmax_xent.cpp). */
  void recordLabelHost(int kernel, int classes, int64_t sample, float label);

  ContextOptions opts;
  std::unique_ptr<RawMemory> raw;
  std::unique_ptr<CachingAllocator> alloc;
  HandleTable handles;
  cudaStream_t stream = nullptr;
  cublasHandle_t cublasH = nullptr;
  cudnnHandle_t cudnnH = nullptr;
  const CublasApi* blas = nullptr;  // the loaded cuBLAS, or the recording stand-in (fakeLibs)
  const CudnnApi* dnn = nullptr;
  std::unique_ptr<FakeLibs> fake;
  void* blasWorkspace = nullptr;    // cuBLAS workspace from the caching allocator
  size_t blasWorkspaceBytes = 0;
  std::unordered_map<std::string, CudnnConvCacheEntry> algoCache;
  std::unordered_map<std::string, std::string> bnRefusals;  // batch-norm shape key -> cuDNN's refusal
  std::map<std::string, PathCounts> paths;
  LabelStatus* labelDev = nullptr;  // device status word of the softmax kernels
  LabelStatus labelHost{LABEL_OK, LABEL_OK, -1, -1};  // host-only contexts: the same, on the host
  bool labelPending = false;        // a softmax kernel ran since the last check
  uint64_t labelGen = 0;            // bumped at each reported error (async reads report each only once)
  bool syncEachOp = false;  // CONVNETS_NATIVE_SYNC=1: errors are reported by the op that caused them

 private:
  void ensureLive(const char* op) const;
  void reportLabel(const LabelStatus& st);
  bool disposed_ = false;
  std::unordered_map<int64_t, PendingRead> reads_;
  int64_t nextRead_ = 1;
};

/** Names of the kernels Context::run dispatches (the contract's KERNEL_NAMES). */
std::vector<std::string> kernelNames();

}  // namespace cn
