// See pool.h. Jobs are taken in FIFO order; a new thread is started only when no idle one can take the job.
#include "pool.h"

#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <deque>
#include <mutex>
#include <system_error>
#include <thread>
#include <utility>

#include "lock.h"

namespace {
// How long an idle thread waits for a job before it exits. Test-only: FS_FLOCK_TEST_POOL_IDLE_MS.
std::chrono::milliseconds IdleTime() {
  const char* ms = getenv("FS_FLOCK_TEST_POOL_IDLE_MS");
  return std::chrono::milliseconds(ms != nullptr ? strtol(ms, nullptr, 10) : 10000);
}

struct Pool {
  std::mutex mu;
  std::condition_variable cv;
  std::deque<std::pair<void (*)(void*), void*>> jobs;
  int idle = 0;
  const std::chrono::milliseconds idle_time = IdleTime();
};
// Never destroyed: idle threads may still be parked on it while the process exits.
Pool& pool = *new Pool();

// Runs on a pool thread, for as long as jobs keep coming.
void Worker() {
  // The thread's first allocation sets up its malloc arena (glibc maps 64 MiB); do it now rather than when
  // a grant is being posted, where it would add to the wake-up latency.
  free(malloc(64));
  std::unique_lock<std::mutex> lock(pool.mu);
  for (;;) {  // counted idle from here (pool_run counts a thread it starts) until it takes a job
    bool got = pool.cv.wait_for(lock, pool.idle_time, [] { return !pool.jobs.empty(); });
    pool.idle--;
    if (!got) return;
    auto job = pool.jobs.front();
    pool.jobs.pop_front();
    lock.unlock();
    job.first(job.second);
    lock.lock();
    pool.idle++;
  }
}
}  // namespace

int pool_run(void (*job)(void*), void* arg) {
  std::lock_guard<std::mutex> lock(pool.mu);
  pool.jobs.emplace_back(job, arg);
  if (pool.idle >= int(pool.jobs.size())) {
    pool.cv.notify_one();
    return 0;
  }
  try {
    std::thread(Worker).detach();
    pool.idle++;  // until it takes a job: a thread still starting is not started again for the next one
    return 0;
  } catch (const std::system_error&) {
    pool.jobs.pop_back();
    return FSF_ENOMEM;
  }
}

bool pool_take_back(void (*job)(void*), void* arg) {
  std::lock_guard<std::mutex> lock(pool.mu);
  for (auto it = pool.jobs.begin(); it != pool.jobs.end(); ++it) {
    if (it->first == job && it->second == arg) {
      pool.jobs.erase(it);
      return true;
    }
  }
  return false;
}
