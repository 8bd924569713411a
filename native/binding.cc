// Node-API glue: argument unpacking, the per-environment table of pending waits, and delivery of their results.
// Validation and error objects live in lib/ (TypeScript); every call returns 0 or a negative error number, and
// only a cheap type guard remains. Plain Node-API everywhere but Init: node-addon-api's error paths throw, and a
// throw into an environment that is shutting down aborts the process unless NODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS
// is defined (binding.gyp), which covers Init in a worker terminated while the addon loads.
// Threads: every function here runs on the JavaScript thread of its environment (the main thread or a worker),
// except Posted, which runs on a pool thread.
#include <napi.h>

#include <cstdlib>
#include <unordered_map>
#include <vector>

#include "lock.h"
#include "waiter.h"

namespace {

struct Pending {
  Waiter* waiter;
  napi_ref callback;  // callback(result, osError) -> true when it took the result
};

// An fd that a lock object of this environment opened on a path, and the file it names (device, inode).
struct Owned {
  uint64_t dev, ino;
};

// One per environment and loaded copy of the addon: its pending waits and the channel their results come on.
// A copy of the package's JavaScript evaluated again (Jest, hot reload) uses the same instance, with callbacks of
// its own: there is nothing to install once.
struct Instance {
  explicit Instance(napi_env env) : env(env) {}
  const napi_env env;
  napi_threadsafe_function tsfn = nullptr;
  std::unordered_map<uintptr_t, Pending> waits;
  std::unordered_map<int32_t, Owned> owned;
  uintptr_t next_id = 1;
};

// Pool thread, under the waiter's lock: only the id travels, so a result that arrives after a cancel or a
// teardown finds nothing to act on.
void Posted(Waiter* w) {
  napi_call_threadsafe_function(static_cast<Instance*>(w->ctx)->tsfn, reinterpret_cast<void*>(w->id),
                                napi_tsfn_nonblocking);
}

Pending Take(napi_env env, Instance* inst, std::unordered_map<uintptr_t, Pending>::iterator it) {
  Pending p = it->second;
  inst->waits.erase(it);
  if (inst->waits.empty()) napi_unref_threadsafe_function(env, inst->tsfn);
  return p;
}

// Delivers a result to its callback. A grant that the callback did not take (it threw, or JavaScript can no
// longer run because the environment is ending) is undone, so nobody holds a lock that nobody will release.
void Deliver(napi_env env, napi_value, void* context, void* data) {
  if (env == nullptr) return;  // the environment is gone: Teardown already ended every wait
  auto* inst = static_cast<Instance*>(context);
  auto it = inst->waits.find(reinterpret_cast<uintptr_t>(data));
  if (it == inst->waits.end()) return;  // cancelled after it was posted
  Pending p = Take(env, inst, it);
  int os_error = 0;
  int r = p.waiter->result(&os_error);
  napi_value fn, global, argv[2], out;
  bool taken = false;
  if (napi_get_reference_value(env, p.callback, &fn) == napi_ok && napi_get_global(env, &global) == napi_ok &&
      napi_create_int32(env, r, &argv[0]) == napi_ok && napi_create_int32(env, os_error, &argv[1]) == napi_ok &&
      napi_call_function(env, global, fn, 2, argv, &out) == napi_ok) {
    napi_get_value_bool(env, out, &taken);
  }
  napi_delete_reference(env, p.callback);
  p.waiter->End(taken);
}

// Environment cleanup (process or worker teardown): end every wait, granted and undelivered ones included, so the
// thread that owns the environment never hangs on a kernel wait and no lock is left to nobody. Then unlock the
// files that this environment's lock objects opened and still hold, as nothing can release them any more: Node and
// Deno close a worker's fds after its cleanup hooks, which releases them anyway, but Bun leaves them open, so
// without this a lock object held by a terminated worker would stay locked until the process ends. Only an fd that
// still names the file it was opened on is touched; it is never closed here (Node closes it once more after us).
void Teardown(void* data) {
  auto* inst = static_cast<Instance*>(data);
  for (auto& entry : inst->waits) {
    entry.second.waiter->Cancel();
    napi_delete_reference(inst->env, entry.second.callback);  // an addon's references are its own to free
  }
  inst->waits.clear();
  for (auto& entry : inst->owned) {
    uint64_t dev, ino;
    if (fsf_fd_identity(entry.first, &dev, &ino) == 0 && dev == entry.second.dev && ino == entry.second.ino)
      fsf_unlock(fsf_file_of(entry.first));
  }
  inst->owned.clear();
}

template <size_t N>
bool Args(napi_env env, napi_callback_info info, int32_t (&out)[N], napi_value* extra = nullptr) {
  napi_value argv[N + 1];
  size_t argc = N + 1;
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  for (size_t i = 0; i < N; i++) {
    if (i >= argc || napi_get_value_int32(env, argv[i], &out[i]) != napi_ok) {
      napi_throw_type_error(env, nullptr, "fs-flock: internal binding called with a non-number");
      return false;
    }
  }
  if (extra != nullptr) *extra = argc > N ? argv[N] : nullptr;
  return true;
}

napi_value Int(napi_env env, int32_t value) {
  napi_value result;
  napi_create_int32(env, value, &result);
  return result;
}

// lock(fd, op): a blocking op blocks this thread; EINTR from signals aimed at it is retried.
napi_value Lock(napi_env env, napi_callback_info info) {
  int32_t a[2];
  if (!Args(env, info, a)) return nullptr;
  int r;
  do r = fsf_lock(fsf_file_of(a[0]), a[1]);
  while (r == FSF_EINTR && !(a[1] & FSF_NB));
  return Int(env, r);
}

napi_value Unlock(napi_env env, napi_callback_info info) {
  int32_t a[1];
  return Args(env, info, a) ? Int(env, fsf_unlock(fsf_file_of(a[0]))) : nullptr;
}

// downgrade(fd): never waits; EAGAIN means another process took the file during the conversion (POSIX).
napi_value Downgrade(napi_env env, napi_callback_info info) {
  int32_t a[1];
  return Args(env, info, a) ? Int(env, fsf_downgrade(fsf_file_of(a[0]))) : nullptr;
}

// lockTimed(fd, op, ms): the wait runs on a pool thread while this thread sleeps on a timed condition. After a
// timeout the wait is cancelled, which undoes a grant that raced it: ETIMEDOUT always means nothing is held.
napi_value LockTimed(napi_env env, napi_callback_info info) {
  int32_t a[3];
  if (!Args(env, info, a)) return nullptr;
  Waiter* w;
  int r = Waiter::Start(a[0], a[1], 0, nullptr, nullptr, &w);
  if (r != 0) return Int(env, r);
  if (!w->WaitFor(a[2])) {
    w->Cancel();
    return Int(env, FSF_ETIMEDOUT);
  }
  int os_error;
  r = w->result(&os_error);
  w->End(true);
  return Int(env, r);
}

// lockAny(fds, op, ms) -> the index of the fd now locked, or a negative error (ETIMEDOUT after ms; ms < 0: no
// limit): every fd waited for at once on pool threads while this thread sleeps; only the first grant is kept.
napi_value LockAny(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  size_t argc = 3;
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  uint32_t n = 0;
  int32_t op, ms;
  if (argc < 3 || napi_get_array_length(env, argv[0], &n) != napi_ok || n == 0 || n > 1024 ||
      napi_get_value_int32(env, argv[1], &op) != napi_ok || napi_get_value_int32(env, argv[2], &ms) != napi_ok) {
    napi_throw_type_error(env, nullptr, "fs-flock: internal binding called with bad arguments");
    return nullptr;
  }
  std::vector<int> fds(n);
  for (uint32_t i = 0; i < n; i++) {
    napi_value fd;
    if (napi_get_element(env, argv[0], i, &fd) != napi_ok || napi_get_value_int32(env, fd, &fds[i]) != napi_ok) {
      napi_throw_type_error(env, nullptr, "fs-flock: internal binding called with a non-number");
      return nullptr;
    }
  }
  return Int(env, wait_any(fds.data(), int(n), op, ms));
}

// wait(fd, op, callback) -> id > 0, or a negative error: starts a wait whose result reaches callback(result,
// osError), which returns true to take it. Ids are integers below 2^53, never reused while pending.
napi_value Wait(napi_env env, napi_callback_info info) {
  int32_t a[2];
  napi_value callback;
  if (!Args(env, info, a, &callback)) return nullptr;
  napi_valuetype type = napi_undefined;
  if (callback == nullptr || napi_typeof(env, callback, &type) != napi_ok || type != napi_function) {
    napi_throw_type_error(env, nullptr, "fs-flock: internal binding called without a callback");
    return nullptr;
  }
  Instance* inst;
  napi_get_instance_data(env, reinterpret_cast<void**>(&inst));
  uintptr_t id = inst->next_id;
  while (id == 0 || inst->waits.count(id)) id++;  // only a 32-bit host can wrap
  inst->next_id = id + 1;
  napi_ref ref;
  if (napi_create_reference(env, callback, 1, &ref) != napi_ok) return nullptr;
  Waiter* w;
  int r = Waiter::Start(a[0], a[1], id, Posted, inst, &w);
  if (r != 0) {
    napi_delete_reference(env, ref);
    return Int(env, r);
  }
  if (inst->waits.empty()) napi_ref_threadsafe_function(env, inst->tsfn);  // a pending wait keeps the loop alive
  inst->waits[id] = Pending{w, ref};
  napi_value out;
  napi_create_double(env, double(id), &out);
  return out;
}

// cancel(id) -> true if the wait was pending: it is now over, holds nothing, and its callback is never called.
napi_value Cancel(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  size_t argc = 1;
  double id = 0;
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  Instance* inst;
  napi_get_instance_data(env, reinterpret_cast<void**>(&inst));
  napi_value out;
  auto it = argc >= 1 && napi_get_value_double(env, argv[0], &id) == napi_ok && id >= 1 && id < 9007199254740992.0
                ? inst->waits.find(uintptr_t(id))
                : inst->waits.end();
  bool found = it != inst->waits.end();
  if (found) {
    Pending p = Take(env, inst, it);
    napi_delete_reference(env, p.callback);
    p.waiter->Cancel();
  }
  napi_get_boolean(env, found, &out);
  return out;
}

// own(fd) -> 0 or a negative error: fd was opened by a lock object on a path; unlock it at this environment's
// teardown if it is still open on the same file (see Teardown). disown(fd): it is being closed by fs-flock.
napi_value Own(napi_env env, napi_callback_info info) {
  int32_t a[1];
  if (!Args(env, info, a)) return nullptr;
  Instance* inst;
  napi_get_instance_data(env, reinterpret_cast<void**>(&inst));
  uint64_t dev, ino;
  int r = fsf_fd_identity(a[0], &dev, &ino);
  if (r == 0) inst->owned[a[0]] = Owned{dev, ino};
  return Int(env, r);
}

napi_value Disown(napi_env env, napi_callback_info info) {
  int32_t a[1];
  if (!Args(env, info, a)) return nullptr;
  Instance* inst;
  napi_get_instance_data(env, reinterpret_cast<void**>(&inst));
  inst->owned.erase(a[0]);
  return Int(env, 0);
}

// keepOnExec(fd) -> 0 or a negative error: fd stays open across exec (the CLI's --no-fork).
napi_value KeepOnExec(napi_env env, napi_callback_info info) {
  int32_t a[1];
  return Args(env, info, a) ? Int(env, fsf_keep_on_exec(a[0])) : nullptr;
}

// fsInfo(fd) -> [filesystem name, 1 if local else 0], or a negative error (ENOSYS on Linux).
napi_value FsInfo(napi_env env, napi_callback_info info) {
  int32_t a[1];
  if (!Args(env, info, a)) return nullptr;
  char name[256] = "";
  bool local = false;
  int r = fsf_fs_info(a[0], name, int(sizeof name), &local);
  if (r != 0) return Int(env, r);
  napi_value out, s;
  napi_create_array_with_length(env, 2, &out);
  napi_create_string_utf8(env, name, NAPI_AUTO_LENGTH, &s);
  napi_set_element(env, out, 0, s);
  napi_set_element(env, out, 1, Int(env, local ? 1 : 0));
  return out;
}

napi_value LastError(napi_env env, napi_callback_info) { return Int(env, fsf_last_os_error()); }

Napi::Value Function(Napi::Env env, const char* name, napi_callback cb) {
  napi_value fn;
  napi_create_function(env, name, NAPI_AUTO_LENGTH, cb, nullptr, &fn);
  return Napi::Value(env, fn);
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  static const int pinned = fsf_pin_module();  // once per process; see lock.h
  if (pinned != 0) {
    napi_throw_error(env, nullptr, "fs-flock: cannot keep the addon loaded for the life of the process");
    return exports;
  }
  auto* inst = new Instance(env);
  // Test-only: start the ids elsewhere, to prove that large ones work.
  if (const char* first = getenv("FS_FLOCK_TEST_FIRST_WAIT_ID"))
    inst->next_id = uintptr_t(strtoull(first, nullptr, 10));
  napi_value name;
  napi_create_string_utf8(env, "fs-flock", NAPI_AUTO_LENGTH, &name);
  napi_create_threadsafe_function(env, nullptr, nullptr, name, 0, 1, nullptr, nullptr, inst, Deliver, &inst->tsfn);
  napi_unref_threadsafe_function(env, inst->tsfn);
  // Added after the thread-safe function, so it runs before the function's own cleanup (hooks run in reverse).
  napi_add_env_cleanup_hook(env, Teardown, inst);
  napi_set_instance_data(
      env, inst, [](napi_env, void* data, void*) { delete static_cast<Instance*>(data); }, nullptr);
  Napi::Object codes = Napi::Object::New(env);
  codes.Set("EAGAIN", FSF_EAGAIN);
  codes.Set("ECANCELED", FSF_ECANCELED);
  codes.Set("ETIMEDOUT", FSF_ETIMEDOUT);
  exports.Set("codes", codes);
  exports.Set("lock", Function(env, "lock", Lock));
  exports.Set("unlock", Function(env, "unlock", Unlock));
  exports.Set("downgrade", Function(env, "downgrade", Downgrade));
  exports.Set("lockTimed", Function(env, "lockTimed", LockTimed));
  exports.Set("lockAny", Function(env, "lockAny", LockAny));
  exports.Set("wait", Function(env, "wait", Wait));
  exports.Set("cancel", Function(env, "cancel", Cancel));
  exports.Set("own", Function(env, "own", Own));
  exports.Set("disown", Function(env, "disown", Disown));
  exports.Set("keepOnExec", Function(env, "keepOnExec", KeepOnExec));
  exports.Set("fsInfo", Function(env, "fsInfo", FsInfo));
  exports.Set("lastError", Function(env, "lastError", LastError));
  return exports;
}

}  // namespace

NODE_API_MODULE(fs_flock, Init)
