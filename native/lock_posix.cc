// flock(2) for Linux, macOS and the BSDs, and the interruption of a waiting thread with a private signal.
// No uv_* calls here: Bun and other Node-API hosts abort on them.
// See: man 2 flock, man 7 signal (a handler installed without SA_RESTART makes flock fail with EINTR).
#include "lock.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <sys/file.h>

#include <mutex>

const int FSF_EAGAIN = -EWOULDBLOCK;
const int FSF_EINTR = -EINTR;
const int FSF_ETIMEDOUT = -ETIMEDOUT;
const int FSF_ECANCELED = -ECANCELED;
const int FSF_ENOMEM = -ENOMEM;

#ifdef SIGRTMAX
#define FSF_SIGNAL (SIGRTMAX - 3)  // realtime signals are queued and never used by Node or libuv
#else
#define FSF_SIGNAL SIGURG  // default action is "ignore", so a stray one is harmless
#endif

int fsf_lock(int fd, int op) {
  int how = (op & FSF_EX ? LOCK_EX : LOCK_SH) | (op & FSF_NB ? LOCK_NB : 0);
  if (flock(fd, how) == 0) return 0;
  return errno == EWOULDBLOCK ? FSF_EAGAIN : -errno;
}

int fsf_unlock(int fd) {
  while (flock(fd, LOCK_UN) != 0) {
    if (errno != EINTR) return -errno;
  }
  return 0;
}

// flock(2) converts in place; a blocked conversion only waits for a process that slipped in as EX was dropped.
int fsf_downgrade(int fd) {
  int r;
  do r = fsf_lock(fd, FSF_SH);
  while (r == FSF_EINTR);
  return r;
}

int fsf_last_os_error() { return 0; }

static void on_signal(int) {}

fsf_thread fsf_thread_begin() {
  static std::once_flag installed;
  std::call_once(installed, [] {
    struct sigaction sa = {};
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0;  // no SA_RESTART: the interrupted flock must return EINTR
    sigaction(FSF_SIGNAL, &sa, nullptr);
  });
  // Only our signal may reach a waiting thread; process signals belong to Node's threads.
  sigset_t mask;
  sigfillset(&mask);
  sigdelset(&mask, FSF_SIGNAL);
  pthread_sigmask(SIG_SETMASK, &mask, nullptr);
  return (fsf_thread)pthread_self();
}

void fsf_thread_end(fsf_thread) {}

void fsf_interrupt(fsf_thread target) { pthread_kill((pthread_t)target, FSF_SIGNAL); }
