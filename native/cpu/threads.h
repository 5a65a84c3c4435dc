// The CPU backend's persistent thread pool: `threads - 1` workers plus the calling thread. A job is a
// range of items split into chunks claimed dynamically (an atomic counter), so uneven chunks balance.
// Idle workers spin briefly (consecutive kernels start without a wake-up), then sleep on a condition
// variable: an idle backend takes no CPU from Node's own threads.
//
// The task is a plain function pointer + context (no std::function): the per-ISA micro-kernel files
// may call it without instantiating a shared template (see isa/simd.h).
#pragma once
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <mutex>
#include <thread>
#include <type_traits>
#include <vector>

namespace cn {
namespace cpu {

/** fn(ctx, begin, end, worker): items [begin, end); worker in [0, threads) (0 = the calling thread). */
using TaskFn = void (*)(void* ctx, int64_t begin, int64_t end, int worker);

class ThreadPool {
 public:
  explicit ThreadPool(int threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int threads() const { return threads_; }
  /** Tests: every job splits across all threads whatever its grain (the `grain: 0` option). */
  void setSplitAll(bool on) { splitAll_ = on; }

  /** Runs fn over [0, count) in chunks of at least `grain` items (about 4 chunks per thread when the
   *  range allows) and returns when all ran; the first exception a task threw is rethrown here.
   *  A call from inside a task runs inline on that thread (no nested parallelism). */
  void run(int64_t count, int64_t grain, TaskFn fn, void* ctx);

  /** run() for a lambda f(begin, end, worker) (host files only; micro-kernel files use run()). */
  template <class F>
  void parallelFor(int64_t count, int64_t grain, F&& f) {
    using Fn = std::remove_reference_t<F>;
    run(count, grain, [](void* c, int64_t b, int64_t e, int w) { (*static_cast<Fn*>(c))(b, e, w); }, &f);
  }

 private:
  void workerLoop(int index);
  void work(int worker);

  int threads_;
  std::vector<std::thread> workers_;
  std::mutex mu_;
  std::condition_variable wake_, done_;
  bool stop_ = false;
  bool splitAll_ = false;
  // The current job (written by the caller before it bumps gen_).
  TaskFn fn_ = nullptr;
  void* ctx_ = nullptr;
  int64_t count_ = 0, chunk_ = 1;
  std::atomic<int64_t> next_{0};
  std::atomic<uint64_t> gen_{0};
  std::atomic<int> active_{0};  // workers still inside the current job
  std::exception_ptr error_;
  std::mutex errorMu_;
};

}  // namespace cpu
}  // namespace cn
