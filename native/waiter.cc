// See waiter.h. Cancellation: the waiting thread publishes in_call_ around each blocking call, and Cancel
// interrupts it until it has left the call, since an interrupt can land just before the call begins.
#include "waiter.h"

#include <chrono>
#include <cstdlib>
#include <system_error>

#include <deque>

namespace {
struct Pool {
  std::mutex mu;
  std::condition_variable cv;
  std::deque<Waiter*> jobs;
  int idle = 0;
};
// Never destroyed: idle threads may still be parked on it while the process exits.
Pool& pool = *new Pool();
}  // namespace

void PoolThread() {
  // The thread's first allocation sets up its malloc arena (glibc maps 64 MiB); do it now rather than when
  // a grant is being posted, where it would add to the wake-up latency.
  free(malloc(64));
  std::unique_lock<std::mutex> lock(pool.mu);
  for (;;) {
    pool.idle++;
    bool got = pool.cv.wait_for(lock, std::chrono::seconds(10), [] { return !pool.jobs.empty(); });
    pool.idle--;
    if (!got) return;
    Waiter* w = pool.jobs.front();
    pool.jobs.pop_front();
    lock.unlock();
    w->Run();
    lock.lock();
  }
}

int Waiter::Start() {
  std::lock_guard<std::mutex> lock(pool.mu);
  pool.jobs.push_back(this);
  if (pool.idle > int(pool.jobs.size()) - 1) {
    pool.cv.notify_one();
    return 0;
  }
  try {
    std::thread(PoolThread).detach();
    return 0;
  } catch (const std::system_error&) {
    pool.jobs.pop_back();
    return FSF_ENOMEM;
  }
}

void Waiter::Run() {
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
    return;
  }
  if (done_) done_(this);
  lock.lock();
  released_ = true;
  cv_.notify_all();
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
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [this] { return released_; });
}

void Waiter::Abandon() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!finished_) {
      abandoned_ = true;
      return;
    }
  }
  Join();
  delete this;
}
