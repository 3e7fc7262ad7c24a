// A small fork-join pool: workers sleep on a condition variable, a parallel_for publishes one
// job (a task counter and a function), everyone, the caller too, takes tasks until none are
// left, and the caller waits for the stragglers. One job at a time (a mutex serialises callers).
#include "runtime/thread_pool.h"

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include "octet/error.h"
#include "octet/runtime.h"

#if __has_include(<cblas.h>)
#include <cblas.h>
#define OCTET_HAVE_OPENBLAS_THREADS 1
#endif

namespace octet {

namespace runtime {
namespace {

thread_local bool t_inside_task = false;

class ThreadPool {
 public:
  ~ThreadPool() {
    std::lock_guard job_lock(job_mutex_);
    resize_locked(0);
  }

  // Runs the job on n_workers workers plus the calling thread.
  void run(size_t n_tasks, const std::function<void(size_t)>& fn, size_t n_workers) {
    std::lock_guard job_lock(job_mutex_);
    if (workers_.size() != n_workers) resize_locked(n_workers);
    {
      std::lock_guard lock(mutex_);
      fn_ = &fn;
      n_tasks_ = n_tasks;
      next_.store(0);
      pending_ = workers_.size();
      ++generation_;
    }
    wake_.notify_all();
    take_tasks();
    std::unique_lock lock(mutex_);
    done_.wait(lock, [this] { return pending_ == 0; });
    fn_ = nullptr;
  }

 private:
  // Stops the workers and starts n_workers new ones; job_mutex_ must be held.
  void resize_locked(size_t n_workers) {
    {
      std::lock_guard lock(mutex_);
      stop_ = true;
      ++generation_;
    }
    wake_.notify_all();
    for (auto& t : workers_) t.join();
    workers_.clear();
    std::lock_guard lock(mutex_);
    stop_ = false;
    // Each worker starts from the current generation, so it waits for the next job even if it
    // is scheduled only after that job was published.
    for (size_t i = 0; i < n_workers; ++i)
      workers_.emplace_back([this, seen = generation_] { work(seen); });
  }

  void take_tasks() {
    t_inside_task = true;
    for (size_t task; (task = next_.fetch_add(1)) < n_tasks_;) (*fn_)(task);
    t_inside_task = false;
  }

  void work(uint64_t seen) {
    for (;;) {
      {
        std::unique_lock lock(mutex_);
        wake_.wait(lock, [&] { return generation_ != seen; });
        seen = generation_;
        if (stop_) return;
      }
      take_tasks();
      {
        std::lock_guard lock(mutex_);
        if (--pending_ == 0) done_.notify_one();
      }
    }
  }

  std::mutex job_mutex_;  // one parallel_for at a time
  std::mutex mutex_;
  std::condition_variable wake_, done_;
  std::vector<std::thread> workers_;
  const std::function<void(size_t)>* fn_ = nullptr;
  size_t n_tasks_ = 0;
  std::atomic<size_t> next_{0};
  size_t pending_ = 0;
  uint64_t generation_ = 0;
  bool stop_ = false;
};

ThreadPool& pool() {
  static ThreadPool p;
  return p;
}

std::atomic<int> g_num_threads{0};  // 0: not set yet, use all cores

}  // namespace

void parallel_for(size_t n_tasks, const std::function<void(size_t)>& fn) {
  const size_t threads = static_cast<size_t>(num_threads());
  if (n_tasks <= 1 || threads <= 1 || t_inside_task) {
    for (size_t t = 0; t < n_tasks; ++t) fn(t);
    return;
  }
  pool().run(n_tasks, fn, threads - 1);
}

}  // namespace runtime

int default_num_threads() {
  const unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : static_cast<int>(n);
}

void set_num_threads(int n) {
  if (n < 1 || n > 1024) fail("--threads: {} must be between 1 and 1024", n);
  runtime::g_num_threads.store(n);
#ifdef OCTET_HAVE_OPENBLAS_THREADS
  openblas_set_num_threads(n);  // the FP32 ops (OpenBLAS sgemm) use the same count
#endif
}

int num_threads() {
  const int n = runtime::g_num_threads.load();
  return n > 0 ? n : default_num_threads();
}

}  // namespace octet
