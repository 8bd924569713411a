// Internal API between the Node-API glue (binding.cc, waiter.cc) and one file per OS (lock_posix.cc, lock_win.cc).
// Every function returns 0 or a negative error number in libuv's numbering (-errno on POSIX, UV_E* on Windows),
// so the JS layer can name it with util.getSystemErrorName. Contention is always FSF_EAGAIN.
// See: man 2 flock; LockFileEx, UnlockFileEx, CancelSynchronousIo on learn.microsoft.com.
#pragma once
#include <cstdint>

enum { FSF_SH = 1, FSF_EX = 2, FSF_NB = 4, FSF_UN = 8 };  // the <sys/file.h> values on every platform

extern const int FSF_EAGAIN;     // the lock is held elsewhere (EWOULDBLOCK, ERROR_LOCK_VIOLATION)
extern const int FSF_EINTR;      // a blocking wait was interrupted by fsf_interrupt
extern const int FSF_ETIMEDOUT;
extern const int FSF_ECANCELED;
extern const int FSF_ENOMEM;

// Lock (FSF_SH or FSF_EX, optionally | FSF_NB). Without FSF_NB it blocks until granted or interrupted.
int fsf_lock(int fd, int op);
// Release every lock this open file holds; releasing an unlocked file succeeds.
int fsf_unlock(int fd);
// Turn the exclusive lock this open file holds into a shared one, without a moment where another process could
// take it exclusively where the platform allows (Windows: SH is added before EX is dropped).
int fsf_downgrade(int fd);
// The platform's own error number of the calling thread's last failure (GetLastError on Windows, else 0).
int fsf_last_os_error();

// A token naming the calling thread, so that another thread can interrupt its blocking fsf_lock.
using fsf_thread = uintptr_t;
fsf_thread fsf_thread_begin();  // call on the waiting thread before it blocks
void fsf_thread_end(fsf_thread self);
void fsf_interrupt(fsf_thread target);  // makes a blocked fsf_lock on target return FSF_EINTR
