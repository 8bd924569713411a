// flock(2) for Linux, macOS and the BSDs, and the interruption of a waiting thread with a private signal.
// No uv_* calls here: Bun and other Node-API hosts abort on them.
// See: man 2 flock, man 7 signal (a handler installed without SA_RESTART makes flock fail with EINTR).
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#ifdef __APPLE__
#include <sys/mount.h>
#include <sys/param.h>
#endif
#include <unistd.h>

#include <cstdio>
#include <mutex>

#include "lock.h"

const int FSF_EAGAIN = -EWOULDBLOCK;
const int FSF_EINTR = -EINTR;
const int FSF_ETIMEDOUT = -ETIMEDOUT;
const int FSF_ECANCELED = -ECANCELED;
const int FSF_ENOMEM = -ENOMEM;

fsf_file fsf_file_of(int fd) { return fd; }

int fsf_file_dup(int fd, fsf_file* out) {
  int copy = fcntl(fd, F_DUPFD_CLOEXEC, 0);
  if (copy < 0) return -errno;
  *out = copy;
  return 0;
}

void fsf_file_close(fsf_file file) { close(int(file)); }

int fsf_lock(fsf_file file, int op) {
  int how = (op & FSF_EX ? LOCK_EX : LOCK_SH) | (op & FSF_NB ? LOCK_NB : 0);
  if (flock(int(file), how) == 0) return 0;
  return errno == EWOULDBLOCK ? FSF_EAGAIN : -errno;
}

int fsf_unlock(fsf_file file) {
  while (flock(int(file), LOCK_UN) != 0) {
    if (errno != EINTR) return -errno;
  }
  return 0;
}

int fsf_downgrade(fsf_file file) {
  int r;
  do r = fsf_lock(file, FSF_SH | FSF_NB);
  while (r == FSF_EINTR);
  return r;
}

int fsf_fd_identity(int fd, uint64_t* dev, uint64_t* ino) {
  struct stat st;
  if (fstat(fd, &st) != 0) return -errno;
  *dev = uint64_t(st.st_dev);
  *ino = uint64_t(st.st_ino);
  return 0;
}

int fsf_keep_on_exec(int fd) {
  int flags = fcntl(fd, F_GETFD);
  if (flags < 0 || fcntl(fd, F_SETFD, flags & ~FD_CLOEXEC) < 0) return -errno;
  return 0;
}

int fsf_fs_info(int fd, char* name, int size, bool* local) {
#ifdef __APPLE__
  struct statfs st;
  if (fstatfs(fd, &st) != 0) return -errno;
  snprintf(name, size_t(size), "%s", st.f_fstypename);
  *local = (st.f_flags & MNT_LOCAL) != 0;
  return 0;
#else
  (void)fd, (void)name, (void)size, (void)local;
  return -ENOSYS;
#endif
}

int fsf_last_os_error() { return 0; }

static void on_signal(int) {}

// The interrupt signal: the highest realtime signal (from SIGRTMAX-3 down) that nobody has a handler for, so
// fs-flock never replaces another library's handler. Realtime signals are queued and unused by Node and libuv.
static int pick_signal() {
#ifdef SIGRTMAX
  int first = SIGRTMAX - 3, last = SIGRTMIN + 2;
#else
  int first = SIGURG, last = SIGURG;  // default action "ignore", so a stray one is harmless
#endif
  for (int sig = first; sig >= last; sig--) {
    struct sigaction old = {};
    if (sigaction(sig, nullptr, &old) != 0) continue;
    if ((old.sa_flags & SA_SIGINFO) || old.sa_handler != SIG_DFL) continue;
    struct sigaction sa = {};
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0;  // no SA_RESTART: the interrupted flock must return EINTR
    if (sigaction(sig, &sa, nullptr) == 0) return sig;
  }
  return 0;
}

static int interrupt_signal = 0;  // set once, before any thread can be interrupted

int fsf_pin_module() {
  Dl_info self;
  if (dladdr(reinterpret_cast<void*>(&fsf_pin_module), &self) == 0 || self.dli_fname == nullptr) return -ENOENT;
  // A reference that is never dropped, and RTLD_NODELETE besides: no dlclose can unmap the module any more.
  return dlopen(self.dli_fname, RTLD_LAZY | RTLD_NOLOAD | RTLD_NODELETE) != nullptr ? 0 : -ENOENT;
}

int fsf_thread_begin(fsf_thread* self) {
  static std::once_flag picked;
  std::call_once(picked, [] { interrupt_signal = pick_signal(); });
  int sig = interrupt_signal;
  if (sig == 0) return -EBUSY;  // every candidate signal already has a handler
  // Only our signal may reach a waiting thread; process signals belong to Node's threads.
  sigset_t mask;
  sigfillset(&mask);
  sigdelset(&mask, sig);
  pthread_sigmask(SIG_SETMASK, &mask, nullptr);
  *self = fsf_thread(pthread_self());
  return 0;
}

void fsf_thread_end(fsf_thread) {}

void fsf_interrupt(fsf_thread target) { pthread_kill(pthread_t(target), interrupt_signal); }
