#include "threads.h"
#include <chrono>
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define CN_PAUSE() _mm_pause()
#else
#define CN_PAUSE() std::this_thread::yield()
#endif

namespace cn {
namespace cpu {

namespace {
thread_local bool inTask = false;
// How long an idle worker polls for the next job before it sleeps (consecutive kernels of one forward
// pass are microseconds apart; a sleeping worker costs a futex wake-up of ~5-50 us).
constexpr auto SPIN = std::chrono::microseconds(100);
}  // namespace

ThreadPool::ThreadPool(int threads) : threads_(threads < 1 ? 1 : threads) {
  for (int i = 1; i < threads_; i++) workers_.emplace_back([this, i] { workerLoop(i); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> g(mu_);
    stop_ = true;
    gen_.fetch_add(1);
  }
  wake_.notify_all();
  for (auto& t : workers_) t.join();
}

void ThreadPool::work(int worker) {
  inTask = true;
  try {
    for (;;) {
      int64_t b = next_.fetch_add(chunk_, std::memory_order_relaxed);
      if (b >= count_) break;
      int64_t e = b + chunk_ < count_ ? b + chunk_ : count_;
      fn_(ctx_, b, e, worker);
    }
  } catch (...) {
    std::lock_guard<std::mutex> g(errorMu_);
    if (!error_) error_ = std::current_exception();
    next_.store(count_);  // the rest of the job is abandoned
  }
  inTask = false;
}

void ThreadPool::workerLoop(int index) {
  uint64_t seen = 0;
  for (;;) {
    uint64_t g = gen_.load(std::memory_order_acquire);
    if (g == seen) {
      auto until = std::chrono::steady_clock::now() + SPIN;
      while ((g = gen_.load(std::memory_order_acquire)) == seen && std::chrono::steady_clock::now() < until) CN_PAUSE();
      if (g == seen) {
        std::unique_lock<std::mutex> l(mu_);
        wake_.wait(l, [&] { return gen_.load(std::memory_order_acquire) != seen; });
        g = gen_.load(std::memory_order_acquire);
      }
    }
    seen = g;
    if (stop_) return;
    work(index);
    if (active_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
      std::lock_guard<std::mutex> l(mu_);
      done_.notify_one();
    }
  }
}

void ThreadPool::run(int64_t count, int64_t grain, TaskFn fn, void* ctx) {
  if (count <= 0) return;
  if (grain < 1 || splitAll_) grain = 1;
  if (threads_ == 1 || inTask || count <= grain) {
    fn(ctx, 0, count, 0);
    return;
  }
  int64_t chunk = (count + threads_ * 4 - 1) / (threads_ * 4);
  if (chunk < grain) chunk = grain;
  fn_ = fn;
  ctx_ = ctx;
  count_ = count;
  chunk_ = chunk;
  error_ = nullptr;
  next_.store(0, std::memory_order_relaxed);
  active_.store(threads_ - 1, std::memory_order_relaxed);
  {
    std::lock_guard<std::mutex> g(mu_);
    gen_.fetch_add(1, std::memory_order_release);
  }
  wake_.notify_all();
  work(0);
  // Wait for the workers to leave the job (they may still be finishing their last chunk).
  auto until = std::chrono::steady_clock::now() + SPIN;
  while (active_.load(std::memory_order_acquire) != 0 && std::chrono::steady_clock::now() < until) CN_PAUSE();
  if (active_.load(std::memory_order_acquire) != 0) {
    std::unique_lock<std::mutex> l(mu_);
    done_.wait(l, [&] { return active_.load(std::memory_order_acquire) == 0; });
  }
  if (error_) std::rethrow_exception(error_);
}

}  // namespace cpu
}  // namespace cn
