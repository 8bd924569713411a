// Internal API between the Node-API glue (binding.cc, waiter.cc) and one file per OS (lock_posix.cc, lock_win.cc).
// Every function returns 0 or a negative error number in libuv's numbering (-errno on POSIX, UV_E* on Windows),
// so the JS layer can name it with util.getSystemErrorName. Contention is always FSF_EAGAIN.
// Every function runs on the thread that calls it; none keeps state between calls except fsf_thread_begin's
// one-time signal set-up. See: man 2 flock; LockFileEx, UnlockFileEx, CancelSynchronousIo on learn.microsoft.com.
#pragma once
#include <cstdint>

enum { FSF_SH = 1, FSF_EX = 2, FSF_NB = 4, FSF_UN = 8 };  // the <sys/file.h> values on every platform

extern const int FSF_EAGAIN;  // the lock is held elsewhere (EWOULDBLOCK, ERROR_LOCK_VIOLATION)
extern const int FSF_EINTR;   // a blocking wait was interrupted by fsf_interrupt
extern const int FSF_ETIMEDOUT;
extern const int FSF_ECANCELED;
extern const int FSF_ENOMEM;

// An open file as the OS names it: the fd on POSIX, the HANDLE on Windows.
using fsf_file = intptr_t;
fsf_file fsf_file_of(int fd);  // the caller's fd, borrowed for the duration of one call
// A reference of fs-flock's own to the open file behind fd (dup, DuplicateHandle): the same lock, but a number
// nobody else can close or reuse, so a later unlock through it can never reach another file.
int fsf_file_dup(int fd, fsf_file* out);
void fsf_file_close(fsf_file file);

// Lock (FSF_SH or FSF_EX, optionally | FSF_NB). Without FSF_NB it blocks until granted or interrupted.
int fsf_lock(fsf_file file, int op);
// Release every lock this open file holds; releasing an unlocked file succeeds.
int fsf_unlock(fsf_file file);
// Turn the exclusive lock this open file holds into a shared one without waiting. Windows adds SH before it drops
// EX, so nobody can slip in; on POSIX flock(2) converts in place, and if another process took the file during the
// conversion the result is FSF_EAGAIN and nothing is held.
int fsf_downgrade(fsf_file file);
// The file an fd names, as device and inode, so that a number can be checked before it is acted on again.
int fsf_fd_identity(int fd, uint64_t* dev, uint64_t* ino);
// Lets fd survive exec (clears FD_CLOEXEC): the CLI's --no-fork keeps its lock through exec. ENOSYS on Windows.
int fsf_keep_on_exec(int fd);
// The filesystem of fd's file, for lockReach on macOS and Windows: its type name (statfs's f_fstypename, the
// volume's filesystem name) and whether it is local (MNT_LOCAL; not a remote handle). ENOSYS on Linux, which reads
// /proc/self/mountinfo instead. 0 or a negative error.
int fsf_fs_info(int fd, char* name, int size, bool* local);
// The platform's own error number of the calling thread's last failure (GetLastError on Windows, else 0).
int fsf_last_os_error();

// Keeps this module loaded until the process ends, whatever unloads it (Node does when the last environment that
// loaded it ends): pool threads and a signal handler live in its code. Any thread; 0 or an error.
int fsf_pin_module();

// A token naming the calling thread, so that another thread can interrupt its blocking fsf_lock.
using fsf_thread = uintptr_t;
int fsf_thread_begin(fsf_thread* self);  // on the waiting thread before it blocks; 0 or an error
void fsf_thread_end(fsf_thread self);
void fsf_interrupt(fsf_thread target);  // makes a blocked fsf_lock on target return FSF_EINTR
