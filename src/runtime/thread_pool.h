// The runtime's worker threads: one process-wide pool that parallel_for splits work over. The
// thread count is set by octet::set_num_threads (CLI --threads); results never depend on it,
// because every task computes a fixed part of the output the same way on any thread.
#pragma once

#include <cstddef>
#include <functional>

namespace octet::runtime {

// Runs fn(task) for every task in [0, n_tasks), on up to num_threads() threads (the caller
// included); returns when all are done. Tasks must write disjoint outputs and not throw.
// Nested calls (from inside a task) run serially on the calling thread.
void parallel_for(size_t n_tasks, const std::function<void(size_t task)>& fn);

}  // namespace octet::runtime
