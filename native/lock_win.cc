// LockFileEx/UnlockFileEx over the whole file (offset 0, length 0xFFFFFFFF:0xFFFFFFFF, the same range in lock
// and unlock), and interruption of a waiting thread with CancelSynchronousIo.
// The fd becomes a HANDLE through node.exe's uv_get_osfhandle: the addon's own C runtime has another fd table.
// Wine (8.0) waits for a lock in a non-alertable wait that neither CancelSynchronousIo nor CancelIoEx ends, so
// there a blocking lock polls instead: a non-blocking try, then an alertable sleep that fsf_interrupt's APC ends.
// See: LockFileEx, UnlockFileEx, CancelSynchronousIo on learn.microsoft.com.
#include <windows.h>

#include "lock.h"

extern "C" __declspec(dllimport) HANDLE uv_get_osfhandle(int fd);

// libuv's Windows error numbers (uv/errno.h), which util.getSystemErrorName understands.
const int FSF_EAGAIN = -4088;
const int FSF_EINTR = -4082;
const int FSF_ETIMEDOUT = -4039;
const int FSF_ECANCELED = -4081;
const int FSF_ENOMEM = -4057;
static const int UV_EACCES = -4092, UV_EBADF = -4083, UV_EINVAL = -4071, UV_EIO = -4070, UV_ENOTSUP = -4049,
                 UV_UNKNOWN = -4094;

static thread_local DWORD last_error = 0;

static int fail() {
  last_error = GetLastError();
  switch (last_error) {
    case ERROR_LOCK_VIOLATION: return FSF_EAGAIN;
    case ERROR_OPERATION_ABORTED: return FSF_EINTR;
    case ERROR_INVALID_HANDLE: return UV_EBADF;
    case ERROR_ACCESS_DENIED: return UV_EACCES;
    case ERROR_INVALID_PARAMETER: return UV_EINVAL;
    case ERROR_NOT_SUPPORTED:
    case ERROR_INVALID_FUNCTION: return UV_ENOTSUP;
    case ERROR_NOT_ENOUGH_MEMORY: return FSF_ENOMEM;
    case ERROR_IO_DEVICE: return UV_EIO;
    default: return UV_UNKNOWN;
  }
}

static const bool under_wine = GetProcAddress(GetModuleHandleW(L"ntdll.dll"), "wine_get_version") != nullptr;

static void CALLBACK wake(ULONG_PTR) {}

static int poll_lock(HANDLE h, DWORD flags) {
  for (DWORD ms = 1;; ms = ms < 32 ? ms * 2 : ms) {
    OVERLAPPED ov = {};
    if (LockFileEx(h, flags | LOCKFILE_FAIL_IMMEDIATELY, 0, MAXDWORD, MAXDWORD, &ov)) return 0;
    if (GetLastError() != ERROR_LOCK_VIOLATION) return fail();
    if (SleepEx(ms, TRUE) == WAIT_IO_COMPLETION) return FSF_EINTR;  // an APC from fsf_interrupt
  }
}

fsf_file fsf_file_of(int fd) { return fsf_file(uv_get_osfhandle(fd)); }

static HANDLE handle_of(fsf_file file) {
  HANDLE h = HANDLE(file);
  if (h == INVALID_HANDLE_VALUE) SetLastError(ERROR_INVALID_HANDLE);
  return h;
}

// A second handle to the same file object: locks belong to the file object, so it holds the same lock.
int fsf_file_dup(int fd, fsf_file* out) {
  HANDLE h = handle_of(fsf_file_of(fd)), copy = nullptr;
  if (h == INVALID_HANDLE_VALUE) return fail();
  if (!DuplicateHandle(GetCurrentProcess(), h, GetCurrentProcess(), &copy, 0, FALSE, DUPLICATE_SAME_ACCESS)) {
    return fail();
  }
  *out = fsf_file(copy);
  return 0;
}

void fsf_file_close(fsf_file file) { CloseHandle(HANDLE(file)); }

int fsf_lock(fsf_file file, int op) {
  HANDLE h = handle_of(file);
  if (h == INVALID_HANDLE_VALUE) return fail();
  OVERLAPPED ov = {};
  DWORD flags = (op & FSF_EX ? LOCKFILE_EXCLUSIVE_LOCK : 0) | (op & FSF_NB ? LOCKFILE_FAIL_IMMEDIATELY : 0);
  if (under_wine && !(op & FSF_NB)) return poll_lock(h, flags);
  return LockFileEx(h, flags, 0, MAXDWORD, MAXDWORD, &ov) ? 0 : fail();
}

int fsf_unlock(fsf_file file) {
  HANDLE h = handle_of(file);
  if (h == INVALID_HANDLE_VALUE) return fail();
  // Locks stack on one handle (EX + SH + SH needs three unlocks); undo them all, like flock(LOCK_UN).
  for (;;) {
    OVERLAPPED ov = {};
    if (UnlockFileEx(h, 0, MAXDWORD, MAXDWORD, &ov)) continue;
    DWORD err = GetLastError();
    // "Nothing (more) locked": ERROR_NOT_LOCKED on Windows, ERROR_LOCK_VIOLATION under Wine.
    if (err == ERROR_NOT_LOCKED || err == ERROR_LOCK_VIOLATION) return 0;
    return fail();
  }
}

// A handle may add SH over its own EX; the next unlock of the range then drops the EX, leaving the SH.
int fsf_downgrade(fsf_file file) {
  HANDLE h = handle_of(file);
  if (h == INVALID_HANDLE_VALUE) return fail();
  OVERLAPPED ov = {};
  if (!LockFileEx(h, LOCKFILE_FAIL_IMMEDIATELY, 0, MAXDWORD, MAXDWORD, &ov)) return fail();
  OVERLAPPED ov2 = {};
  return UnlockFileEx(h, 0, MAXDWORD, MAXDWORD, &ov2) ? 0 : fail();
}

int fsf_keep_on_exec(int) { return -4054; }  // UV_ENOSYS: Windows has no exec

int fsf_fs_info(int fd, char* name, int size, bool* local) {
  HANDLE h = handle_of(fsf_file_of(fd));
  wchar_t fs[MAX_PATH + 1];
  if (h == INVALID_HANDLE_VALUE ||
      !GetVolumeInformationByHandleW(h, nullptr, 0, nullptr, nullptr, nullptr, fs, MAX_PATH + 1))
    return fail();
  if (WideCharToMultiByte(CP_UTF8, 0, fs, -1, name, size, nullptr, nullptr) == 0) return fail();
  FILE_REMOTE_PROTOCOL_INFO remote;  // only a handle on a remote file (SMB, WebDAV, ...) has one
  *local = !GetFileInformationByHandleEx(h, FileRemoteProtocolInfo, &remote, sizeof remote);
  return 0;
}

int fsf_fd_identity(int fd, uint64_t* dev, uint64_t* ino) {
  HANDLE h = handle_of(fsf_file_of(fd));
  BY_HANDLE_FILE_INFORMATION info;
  if (h == INVALID_HANDLE_VALUE || !GetFileInformationByHandle(h, &info)) return fail();
  *dev = info.dwVolumeSerialNumber;  // the volume and the file index: what fs.stat reports as dev and ino
  *ino = (uint64_t(info.nFileIndexHigh) << 32) | info.nFileIndexLow;
  return 0;
}

int fsf_last_os_error() { return (int)last_error; }

int fsf_pin_module() {
  HMODULE self;
  const DWORD flags = GET_MODULE_HANDLE_EX_FLAG_FROM_ADDRESS | GET_MODULE_HANDLE_EX_FLAG_PIN;
  return GetModuleHandleExW(flags, reinterpret_cast<LPCWSTR>(&fsf_pin_module), &self) ? 0 : fail();
}

int fsf_thread_begin(fsf_thread* self) {
  HANDLE h = nullptr;
  // THREAD_TERMINATE and THREAD_SET_CONTEXT: what CancelSynchronousIo and QueueUserAPC need.
  if (!DuplicateHandle(GetCurrentProcess(), GetCurrentThread(), GetCurrentProcess(), &h,
                       THREAD_TERMINATE | THREAD_SET_CONTEXT, FALSE, 0)) {
    return fail();
  }
  *self = fsf_thread(h);
  return 0;
}

void fsf_thread_end(fsf_thread self) { CloseHandle((HANDLE)self); }

void fsf_interrupt(fsf_thread target) {
  if (under_wine)
    QueueUserAPC(wake, (HANDLE)target, 0);
  else
    CancelSynchronousIo((HANDLE)target);
}
