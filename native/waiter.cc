// See waiter.h. The pool thread publishes kBlocking around each blocking call, and Cancel interrupts it until it
// has left the call, since an interrupt can land just before the call begins. Whoever sees a grant after a
// cancel, under mu_, undoes it: Cancel if the thread finished first, else the thread itself.
#include "waiter.h"

#include <chrono>
#include <new>
#include <vector>

#include "pool.h"

int Waiter::Start(int fd, int op, uintptr_t id, Posted posted, void* ctx, Waiter** out) {
  fsf_file file;
  int r = fsf_file_dup(fd, &file);
  if (r != 0) return r;
  auto* w = new (std::nothrow) Waiter(file, op & ~FSF_NB, id, posted, ctx);
  r = w == nullptr ? FSF_ENOMEM : pool_run(Run, w);
  if (r != 0) {
    fsf_file_close(file);
    delete w;
    return r;
  }
  *out = w;
  return 0;
}

void Waiter::Run(void* self) {
  auto* w = static_cast<Waiter*>(self);
  fsf_thread thread = 0;
  int r = fsf_thread_begin(&thread), os_error = fsf_last_os_error();
  std::unique_lock<std::mutex> lock(w->mu_);
  if (r == 0) {
    w->self_ = thread;
    r = FSF_ECANCELED;  // unless the loop runs
    while (!w->cancelled_) {
      w->state_ = kBlocking;
      lock.unlock();
      r = fsf_lock(w->file_, w->op_);
      os_error = fsf_last_os_error();
      lock.lock();
      if (r != FSF_EINTR) break;  // EINTR without a cancel is somebody else's signal: wait again
    }
  }
  w->state_ = kDone;
  if (thread != 0) fsf_thread_end(thread);
  w->result_ = r;
  w->os_error_ = os_error;
  if (w->cancelled_) {
    if (r == 0) fsf_unlock(w->file_);  // cancelled first: undone here, as Cancel may have stopped waiting
    w->result_ = FSF_ECANCELED;
    w->CloseFile();
  } else if (w->posted_) {
    w->posted_(w);
  }
  w->cv_.notify_all();
  lock.unlock();
  w->Unref();
}

bool Waiter::WaitFor(int64_t ms) {
  std::unique_lock<std::mutex> lock(mu_);
  return cv_.wait_for(lock, std::chrono::milliseconds(ms), [this] { return state_ == kDone; });
}

int Waiter::result(int* os_error) {
  std::lock_guard<std::mutex> lock(mu_);
  *os_error = os_error_;
  return result_;
}

void Waiter::End(bool keep) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!keep && result_ == 0) fsf_unlock(file_);
    CloseFile();
  }
  Unref();
}

void Waiter::Cancel() {
  {
    std::unique_lock<std::mutex> lock(mu_);
    cancelled_ = true;
    // Still queued: take the job back, so a dead job never holds up (or starts) a pool thread.
    if (state_ == kQueued && pool_take_back(Run, this)) refs_--;
    for (int tries = 0; state_ == kBlocking && tries < 200; tries++) {
      fsf_interrupt(self_);
      cv_.wait_for(lock, std::chrono::milliseconds(1));
    }
    if (state_ != kBlocking) {  // queued (the thread will not lock) or done (a grant to undo)
      if (state_ == kDone && result_ == 0) fsf_unlock(file_);
      result_ = FSF_ECANCELED;
      CloseFile();
    }
  }
  Unref();
}

void Waiter::CloseFile() {
  if (file_ == -1) return;
  fsf_file_close(file_);
  file_ = -1;
}

void Waiter::Unref() {
  if (--refs_ == 0) delete this;
}

namespace {

// What the waiters of one wait_any share: how many have finished. It outlives them, since every waiter is ended
// or cancelled (after which Posted is never called) before wait_any returns.
struct AnyOf {
  std::mutex mu;
  std::condition_variable cv;
  int finished = 0;
};

void PostedAny(Waiter* w) {  // pool thread, under the waiter's lock
  auto* any = static_cast<AnyOf*>(w->ctx);
  std::lock_guard<std::mutex> lock(any->mu);
  any->finished++;
  any->cv.notify_all();
}

}  // namespace

int wait_any(const int* fds, int n, int op, int64_t ms) {
  AnyOf any;
  std::vector<Waiter*> waiters;
  int r = 0;
  for (int i = 0; i < n && r == 0; i++) {
    Waiter* w;
    r = Waiter::Start(fds[i], op, uintptr_t(i), PostedAny, &any, &w);
    if (r == 0) waiters.push_back(w);
  }
  if (r == 0) {
    std::unique_lock<std::mutex> lock(any.mu);
    auto finished = [&any] { return any.finished > 0; };
    if (ms < 0)
      any.cv.wait(lock, finished);
    else if (!any.cv.wait_for(lock, std::chrono::milliseconds(ms), finished))
      r = FSF_ETIMEDOUT;
  }
  // The first finished wait in index order decides: its grant is kept, or its failure is the result.
  int winner = -1;
  for (int i = 0; i < int(waiters.size()) && r == 0 && winner < 0; i++) {
    int os_error;
    if (!waiters[i]->WaitFor(0)) continue;
    r = waiters[i]->result(&os_error);
    if (r == 0) winner = i;
  }
  for (int i = 0; i < int(waiters.size()); i++) {
    if (i == winner)
      waiters[i]->End(true);
    else
      waiters[i]->Cancel();
  }
  return winner >= 0 ? winner : r;
}
