// WorkerGroup: N threads running one function, joined together, the first
// exception any of them threw carried to the caller.
//
//   BoundedQueue<Planned> planned(32);
//   WorkerGroup planners(n, [&](size_t) { while (...) planned.Push(Plan(...)); },
//                        {.on_error = [&] { planned.Cancel(); },
//                         .on_last_exit = [&] { planned.Close(); }});
//   std::deque<Planned> batch;
//   while (planned.PopBatch(&batch, 64) > 0) { Write(batch); batch.clear(); }
//   planners.Join();  // rethrows a planner's exception
//
// A worker that throws ends; the others go on unless on_error stops them (it
// runs once, on the thread of the first worker that throws, typically to
// Cancel() the queues the others wait on). on_last_exit runs once, on the
// thread of the last worker to end, however it ended (with 0 threads: in the
// constructor): after every worker's last Push, so it can Close() the queue
// they fill and the consumer sees the end. Hooks must not throw.
//
// Threads: the constructor starts the threads; if it cannot start one, it runs
// on_error (and on_last_exit once the started ones ended), joins them and
// rethrows std::system_error. Join(),
// Failed() and the destructor are for the thread that owns the group, not for
// the workers. The destructor joins (without throwing); so a group declared
// after what its workers use ends before that. A worker's thread inherits the
// starting thread's signal mask (std::thread).
#pragma once

#include <cstddef>
#include <exception>
#include <functional>
#include <string>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include "shared/sync/mutex.h"

namespace kehrbote {

class WorkerGroup {
 public:
  struct Hooks {
    std::function<void()> on_error;      // once, by the first worker that throws
    std::function<void()> on_last_exit;  // once, by the last worker to end
  };

  // Starts `threads` threads, each running work(index), index 0..threads-1.
  WorkerGroup(size_t threads, std::function<void(size_t index)> work, Hooks hooks = {})
      : work_(std::move(work)), hooks_(std::move(hooks)) {
    if (threads == 0) {
      if (hooks_.on_last_exit) hooks_.on_last_exit();
      return;
    }
    {
      MutexLock lock(&mu_);
      running_ = threads;
    }
    try {
      threads_.reserve(threads);
      for (size_t i = 0; i < threads; ++i) threads_.emplace_back([this, i] { Run(i); });
    } catch (const std::system_error&) {
      // A thread could not start: the ones that did may wait for work that will
      // never come; on_error tells them (as if a worker had failed).
      Fail(std::current_exception());
      bool none_left;
      {
        MutexLock lock(&mu_);
        running_ -= threads - threads_.size();
        none_left = running_ == 0;
      }
      if (none_left && hooks_.on_last_exit) hooks_.on_last_exit();
      JoinThreads();
      throw;
    }
  }

  ~WorkerGroup() { JoinThreads(); }
  WorkerGroup(const WorkerGroup&) = delete;
  WorkerGroup& operator=(const WorkerGroup&) = delete;

  // Waits for every worker to end; then rethrows the first exception one
  // threw, if any (on every call).
  void Join() {
    JoinThreads();
    MutexLock lock(&mu_);
    if (error_) std::rethrow_exception(error_);
  }

  // Whether a worker threw (so far).
  bool Failed() const EXCLUDES(mu_) {
    MutexLock lock(&mu_);
    return error_ != nullptr;
  }

 private:
  void Run(size_t index) {
    try {
      work_(index);
    } catch (...) {
      Fail(std::current_exception());
    }
    bool last;
    {
      MutexLock lock(&mu_);
      last = --running_ == 0;
    }
    if (last && hooks_.on_last_exit) hooks_.on_last_exit();
  }

  void Fail(std::exception_ptr e) EXCLUDES(mu_) {
    {
      MutexLock lock(&mu_);
      if (error_) return;
      error_ = std::move(e);
    }
    if (hooks_.on_error) hooks_.on_error();
  }

  void JoinThreads() {
    for (std::thread& t : threads_)
      if (t.joinable()) t.join();
  }

  const std::function<void(size_t)> work_;
  const Hooks hooks_;
  mutable Mutex mu_;
  size_t running_ GUARDED_BY(mu_) = 0;  // workers not yet ended
  std::exception_ptr error_ GUARDED_BY(mu_);
  std::vector<std::thread> threads_;  // the owner's thread only
};

}  // namespace kehrbote
