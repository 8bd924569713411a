// Node-API glue: argument unpacking, the per-environment table of pending waits, and delivery of their results
// to JavaScript. Validation and error objects live in lib/ (TypeScript); here every call returns 0 or a negative
// error number, and only a cheap type guard remains.
#include <napi.h>

#include <unordered_map>
#include <vector>

#include "lock.h"
#include "waiter.h"

namespace {

void Deliver(Napi::Env env, Napi::Function dispatch, std::nullptr_t*, void* data);
using Tsfn = Napi::TypedThreadSafeFunction<std::nullptr_t, void, Deliver>;

// One per environment (main thread or worker): its pending waits and the channel their results come back on.
struct Instance {
  Tsfn tsfn;
  std::mutex mu;
  std::unordered_map<uint32_t, Waiter*> waits;
  std::vector<Waiter*> finished;  // delivered; their threads are joined later, off the wake-up path
  uint32_t next_id = 0;
};

void Reap(Instance* inst) {
  for (Waiter* w : inst->finished) {
    w->Join();
    delete w;
  }
  inst->finished.clear();
}

void Posted(Waiter* w) {
  // Runs on the waiter's thread. The id, not the pointer, travels: teardown may free the waiter first.
  static_cast<Instance*>(w->ctx)->tsfn.NonBlockingCall(reinterpret_cast<void*>(uintptr_t(w->id)));
}

void Deliver(Napi::Env env, Napi::Function dispatch, std::nullptr_t*, void* data) {
  if (env == nullptr) return;  // environment teardown: Teardown() owns every waiter
  auto* inst = env.GetInstanceData<Instance>();
  uint32_t id = uint32_t(uintptr_t(data));
  Waiter* w;
  {
    std::lock_guard<std::mutex> lock(inst->mu);
    auto it = inst->waits.find(id);
    if (it == inst->waits.end()) return;
    w = it->second;
    inst->waits.erase(it);
    if (inst->waits.empty()) inst->tsfn.Unref(env);
  }
  inst->finished.push_back(w);
  dispatch.Call({Napi::Number::New(env, id), Napi::Number::New(env, w->result()), Napi::Number::New(env, w->os_error())});
}

// Environment cleanup (process or worker teardown): interrupt every pending wait so the thread that owns the
// environment never hangs on a kernel wait, and no lock is granted to a waiter that nobody will ever release.
void Teardown(Instance* inst) {
  std::vector<Waiter*> waits;
  {
    std::lock_guard<std::mutex> lock(inst->mu);
    for (auto& entry : inst->waits) waits.push_back(entry.second);
    inst->waits.clear();
  }
  for (Waiter* w : waits) {
    if (w->Cancel()) {
      w->Join();
      delete w;
    } else {
      w->Abandon();
    }
  }
  Reap(inst);
  delete inst;
}

// The hot path reads int32 arguments with plain Node-API: a non-number fails napi_get_value_int32, the only
// guard needed once lib/ has validated everything.
template <size_t N>
bool Args(napi_env env, napi_callback_info info, int32_t (&out)[N]) {
  napi_value argv[N];
  size_t argc = N;
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  for (size_t i = 0; i < N; i++) {
    if (i >= argc || napi_get_value_int32(env, argv[i], &out[i]) != napi_ok) {
      napi_throw_type_error(env, nullptr, "fs-flock: internal binding called with a non-number");
      return false;
    }
  }
  return true;
}

napi_value Int(napi_env env, int32_t value) {
  napi_value result;
  napi_create_int32(env, value, &result);
  return result;
}

// lock(fd, op): a blocking op blocks the calling thread; EINTR from signals aimed at this thread is retried.
napi_value Lock(napi_env env, napi_callback_info info) {
  int32_t a[2];
  if (!Args(env, info, a)) return nullptr;
  int r;
  do r = fsf_lock(a[0], a[1]);
  while (r == FSF_EINTR && !(a[1] & FSF_NB));
  return Int(env, r);
}

napi_value Unlock(napi_env env, napi_callback_info info) {
  int32_t a[1];
  return Args(env, info, a) ? Int(env, fsf_unlock(a[0])) : nullptr;
}

napi_value Downgrade(napi_env env, napi_callback_info info) {
  int32_t a[1];
  return Args(env, info, a) ? Int(env, fsf_downgrade(a[0])) : nullptr;
}

// lockTimed(fd, op, ms): the wait runs on a helper thread while this thread sleeps on a timed condition.
napi_value LockTimed(napi_env env, napi_callback_info info) {
  int32_t a[3];
  if (!Args(env, info, a)) return nullptr;
  auto* w = new Waiter(a[0], a[1], 0, nullptr, nullptr);
  int r = w->Start();
  if (r != 0) {
    delete w;
    return Int(env, r);
  }
  if (w->WaitFor(a[2])) {
    r = w->result();
  } else {
    r = FSF_ETIMEDOUT;
    if (!w->Cancel()) {
      w->Abandon();
      return Int(env, r);
    }
  }
  w->Join();
  delete w;
  return Int(env, r);
}

// wait(fd, op) -> id > 0, or a negative error: starts a wait whose result reaches dispatch(id, result, osError).
napi_value Wait(napi_env env, napi_callback_info info) {
  int32_t a[2];
  if (!Args(env, info, a)) return nullptr;
  auto* inst = Napi::Env(env).GetInstanceData<Instance>();
  if (!inst->tsfn) {
    napi_throw_error(env, nullptr, "fs-flock: setDispatch was not called");
    return nullptr;
  }
  Reap(inst);
  std::lock_guard<std::mutex> lock(inst->mu);
  uint32_t id = ++inst->next_id ? inst->next_id : ++inst->next_id;  // 0 is never an id
  auto* w = new Waiter(a[0], a[1], id, Posted, inst);
  int r = w->Start();
  if (r != 0) {
    delete w;
    return Int(env, r);
  }
  if (inst->waits.empty()) inst->tsfn.Ref(env);  // a pending wait keeps the process alive, like I/O
  inst->waits[id] = w;
  return Int(env, int32_t(id));
}

// cancel(id): the wait's result becomes ECANCELED (or stays what it was, if it finished first).
napi_value Cancel(napi_env env, napi_callback_info info) {
  int32_t a[1];
  if (!Args(env, info, a)) return nullptr;
  auto* inst = Napi::Env(env).GetInstanceData<Instance>();
  std::lock_guard<std::mutex> lock(inst->mu);
  auto it = inst->waits.find(uint32_t(a[0]));
  if (it != inst->waits.end()) it->second->Cancel();  // if it cannot interrupt, the result comes on the grant
  return nullptr;
}

Napi::Value LastError(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), fsf_last_os_error()); }

// setDispatch(fn): the single function that receives every asynchronous result of this environment.
Napi::Value SetDispatch(const Napi::CallbackInfo& info) {
  auto* inst = info.Env().GetInstanceData<Instance>();
  if (!info[0].IsFunction() || inst->tsfn) {
    Napi::TypeError::New(info.Env(), "fs-flock: setDispatch takes one function, once").ThrowAsJavaScriptException();
    return info.Env().Undefined();
  }
  inst->tsfn = Tsfn::New(info.Env(), info[0].As<Napi::Function>(), "fs-flock", 0, 1);
  inst->tsfn.Unref(info.Env());
  // Added after the thread-safe function, so it runs before the function's own cleanup (hooks run in reverse).
  napi_add_env_cleanup_hook(info.Env(), [](void* arg) { Teardown(static_cast<Instance*>(arg)); }, inst);
  return info.Env().Undefined();
}

void FreedByTeardown(Napi::Env, Instance*) {}

Napi::Value Function(Napi::Env env, const char* name, napi_callback cb) {
  napi_value fn;
  napi_create_function(env, name, NAPI_AUTO_LENGTH, cb, nullptr, &fn);
  return Napi::Value(env, fn);
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  env.SetInstanceData<Instance, FreedByTeardown>(new Instance());
  Napi::Object codes = Napi::Object::New(env);
  codes.Set("EAGAIN", FSF_EAGAIN);
  codes.Set("ECANCELED", FSF_ECANCELED);
  codes.Set("ETIMEDOUT", FSF_ETIMEDOUT);
  exports.Set("codes", codes);
  exports.Set("lock", Function(env, "lock", Lock));
  exports.Set("unlock", Function(env, "unlock", Unlock));
  exports.Set("downgrade", Function(env, "downgrade", Downgrade));
  exports.Set("lockTimed", Function(env, "lockTimed", LockTimed));
  exports.Set("wait", Function(env, "wait", Wait));
  exports.Set("cancel", Function(env, "cancel", Cancel));
  exports.Set("lastError", Napi::Function::New(env, LastError));
  exports.Set("setDispatch", Napi::Function::New(env, SetDispatch));
  return exports;
}

}  // namespace

NODE_API_MODULE(fs_flock, Init)
