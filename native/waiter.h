// A blocking lock wait on a dedicated thread, never the libuv pool (four waits there would stall every fs call
// in the process). Threads are kept in a small process-wide pool and reused, so a wait starts without creating
// one; a thread idle for 10 s exits. Any thread may cancel a wait; the kernel wait is interrupted, not polled.
#pragma once
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>

#include "lock.h"

class Waiter {
 public:
  using Done = void (*)(Waiter*);
  Waiter(int fd, int op, uint32_t id, Done done, void* ctx) : id(id), ctx(ctx), fd_(fd), op_(op), done_(done) {}
  int Start();  // 0, or FSF_ENOMEM when no thread can be created
  // Interrupts the wait. The result becomes FSF_ECANCELED unless the wait had already finished; a lock the
  // kernel grants while the cancel is in flight is released first, so a cancelled wait never holds anything.
  // Returns false if the thread did not leave its blocking call within a bound (an interrupt that the platform
  // ignores): the wait then ends, and releases what it gets, only when the lock is granted.
  bool Cancel();
  bool WaitFor(int64_t ms);  // true once finished; for synchronous callers
  void Join();  // waits until the thread has let go of this waiter (after Done), so that it can be freed
  // The owner lets go: a finished waiter is freed at once, an unfinished one by its thread when the wait ends,
  // without calling Done. Never blocks on the kernel wait.
  void Abandon();
  int result() const { return result_; }
  int os_error() const { return os_error_; }

  const uint32_t id;
  void* const ctx;

 private:
  void Run();
  friend void PoolThread();

  const int fd_, op_;
  const Done done_;
  std::mutex mu_;
  std::condition_variable cv_;
  fsf_thread self_ = 0;
  bool in_call_ = false, cancelled_ = false, finished_ = false, abandoned_ = false, released_ = false;
  int result_ = 0, os_error_ = 0;
};
