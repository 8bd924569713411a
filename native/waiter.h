// One blocking lock wait, run on a pool thread (pool.h) and interrupted, never polled, when it is cancelled.
// The waiter locks through a reference of its own to the open file (fsf_file_dup), so nothing it does, early or
// late, can reach another file that has since been given the caller's fd number.
// Its owner (the thread that started it) ends it exactly once, with End() after the result is ready or with
// Cancel() at any time. Either way, unless the owner keeps a grant, the open file is left holding nothing.
#pragma once
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>

#include "lock.h"

class Waiter {
 public:
  // Runs on the pool thread once the result is ready, under the waiter's lock, unless the wait was cancelled.
  using Posted = void (*)(Waiter*);
  // Owner thread: starts waiting for `op` (without FSF_NB) on fd's open file. 0 or a negative error.
  static int Start(int fd, int op, uintptr_t id, Posted posted, void* ctx, Waiter** out);
  // Owner thread: true once the result is ready (or false after `ms`).
  bool WaitFor(int64_t ms);
  // Owner thread, once the result is ready: the result (0 when granted) and the platform's error number.
  int result(int* os_error);
  // Owner thread, once the result is ready: keeps the grant or undoes it, and frees the waiter.
  void End(bool keep);
  // Owner thread, at any time: interrupts the wait and undoes a grant that already happened, then frees the
  // waiter; Posted is not called after this returns. If the platform ignores the interrupt for 200 ms, Cancel
  // returns anyway and the pool thread undoes the grant itself when the kernel gives it.
  void Cancel();

  const uintptr_t id;  // the owner's name for the wait
  void* const ctx;

 private:
  enum State { kQueued, kBlocking, kDone };
  Waiter(fsf_file file, int op, uintptr_t id, Posted posted, void* ctx)
      : id(id), ctx(ctx), file_(file), op_(op), posted_(posted) {}
  static void Run(void* self);  // pool thread
  void CloseFile();             // under mu_
  void Unref();

  fsf_file file_;  // fs-flock's own reference; -1 once closed (an invalid fd and INVALID_HANDLE_VALUE alike)
  const int op_;
  const Posted posted_;
  std::mutex mu_;
  std::condition_variable cv_;
  fsf_thread self_ = 0;
  State state_ = kQueued;
  bool cancelled_ = false;
  int result_ = FSF_ECANCELED, os_error_ = 0;
  std::atomic<int> refs_{2};  // the owner's and the pool thread's
};

// Waits for `op` (without FSF_NB) on every one of the n fds at once, one pool thread each, while the calling thread
// sleeps; keeps the first grant and cancels every other wait (a grant it raced undone). Returns the index of the fd
// now locked, or a negative error: FSF_ETIMEDOUT after `ms` (< 0: no limit), or the first wait's failure. Either
// way, only the returned fd holds a lock afterwards.
int wait_any(const int* fds, int n, int op, int64_t ms);
