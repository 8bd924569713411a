// See waiter.h. Cancellation: the waiting thread publishes in_call_ around each blocking call, and Cancel
// interrupts it until it has left the call, since an interrupt can land just before the call begins.
#include "waiter.h"

#include <chrono>
#include <cstdlib>
#include <system_error>

int Waiter::Start() {
  try {
    thread_ = std::thread(&Waiter::Run, this);
    return 0;
  } catch (const std::system_error&) {
    return FSF_ENOMEM;
  }
}

void Waiter::Run() {
  // The thread's first allocation sets up its malloc arena (glibc maps 64 MiB); do it now rather than when
  // the grant is being posted, where it would add to the wake-up latency.
  free(malloc(64));
  fsf_thread self = fsf_thread_begin();
  std::unique_lock<std::mutex> lock(mu_);
  self_ = self;
  int r = FSF_ECANCELED, os_error = 0;
  while (!cancelled_) {
    in_call_ = true;
    lock.unlock();
    r = fsf_lock(fd_, op_ & ~FSF_NB);
    os_error = fsf_last_os_error();
    lock.lock();
    in_call_ = false;
    cv_.notify_all();
    if (r != FSF_EINTR) break;  // EINTR without a cancel is somebody else's signal: wait again
  }
  if (cancelled_) {
    if (r == 0) fsf_unlock(fd_);
    r = FSF_ECANCELED;
  }
  result_ = r;
  os_error_ = os_error;
  finished_ = true;
  bool abandoned = abandoned_;
  cv_.notify_all();
  lock.unlock();
  fsf_thread_end(self);
  if (abandoned) {
    delete this;
  } else if (done_) {
    done_(this);
  }
}

bool Waiter::Cancel() {
  std::unique_lock<std::mutex> lock(mu_);
  if (finished_) return true;
  cancelled_ = true;
  for (int tries = 0; in_call_ && tries < 200; tries++) {
    fsf_interrupt(self_);
    cv_.wait_for(lock, std::chrono::milliseconds(1));
  }
  return !in_call_;
}

bool Waiter::WaitFor(int64_t ms) {
  std::unique_lock<std::mutex> lock(mu_);
  return cv_.wait_for(lock, std::chrono::milliseconds(ms), [this] { return finished_; });
}

void Waiter::Join() {
  if (thread_.joinable()) thread_.join();
}

void Waiter::Abandon() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!finished_) {
      abandoned_ = true;
      thread_.detach();
      return;
    }
  }
  Join();
  delete this;
}
