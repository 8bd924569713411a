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
  uint32_t next_id = 0;
};

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
  w->Join();
  int result = w->result(), os_error = w->os_error();
  delete w;
  dispatch.Call({Napi::Number::New(env, id), Napi::Number::New(env, result), Napi::Number::New(env, os_error)});
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
  for (Waiter* w : waits) w->Cancel();
  for (Waiter* w : waits) {
    w->Join();
    delete w;
  }
  delete inst;
}

bool Ints(const Napi::CallbackInfo& info, size_t n) {
  for (size_t i = 0; i < n; i++) {
    if (!info[i].IsNumber()) {
      Napi::TypeError::New(info.Env(), "fs-flock: internal binding called with a non-number").ThrowAsJavaScriptException();
      return false;
    }
  }
  return true;
}

int Int(const Napi::CallbackInfo& info, size_t i) { return info[i].As<Napi::Number>().Int32Value(); }

// lock(fd, op): a blocking op blocks the calling thread; EINTR from signals aimed at this thread is retried.
Napi::Value Lock(const Napi::CallbackInfo& info) {
  if (!Ints(info, 2)) return info.Env().Undefined();
  int fd = Int(info, 0), op = Int(info, 1), r;
  do r = fsf_lock(fd, op);
  while (r == FSF_EINTR && !(op & FSF_NB));
  return Napi::Number::New(info.Env(), r);
}

Napi::Value Unlock(const Napi::CallbackInfo& info) {
  if (!Ints(info, 1)) return info.Env().Undefined();
  return Napi::Number::New(info.Env(), fsf_unlock(Int(info, 0)));
}

Napi::Value Downgrade(const Napi::CallbackInfo& info) {
  if (!Ints(info, 1)) return info.Env().Undefined();
  return Napi::Number::New(info.Env(), fsf_downgrade(Int(info, 0)));
}

// lockTimed(fd, op, ms): the wait runs on a helper thread while this thread sleeps on a timed condition.
Napi::Value LockTimed(const Napi::CallbackInfo& info) {
  if (!Ints(info, 3)) return info.Env().Undefined();
  Waiter w(Int(info, 0), Int(info, 1), 0, nullptr, nullptr);
  int r = w.Start();
  if (r == 0) {
    bool finished = w.WaitFor(info[2].As<Napi::Number>().Int64Value());
    if (!finished) w.Cancel();
    w.Join();
    r = finished ? w.result() : FSF_ETIMEDOUT;
  }
  return Napi::Number::New(info.Env(), r);
}

// wait(fd, op) -> id > 0, or a negative error: starts a wait whose result reaches dispatch(id, result, osError).
Napi::Value Wait(const Napi::CallbackInfo& info) {
  if (!Ints(info, 2)) return info.Env().Undefined();
  auto* inst = info.Env().GetInstanceData<Instance>();
  if (!inst->tsfn) {
    Napi::Error::New(info.Env(), "fs-flock: setDispatch was not called").ThrowAsJavaScriptException();
    return info.Env().Undefined();
  }
  std::lock_guard<std::mutex> lock(inst->mu);
  uint32_t id = ++inst->next_id ? inst->next_id : ++inst->next_id;  // 0 is never an id
  auto* w = new Waiter(Int(info, 0), Int(info, 1), id, Posted, inst);
  int r = w->Start();
  if (r != 0) {
    delete w;
    return Napi::Number::New(info.Env(), r);
  }
  if (inst->waits.empty()) inst->tsfn.Ref(info.Env());  // a pending wait keeps the process alive, like I/O
  inst->waits[id] = w;
  return Napi::Number::New(info.Env(), id);
}

// cancel(id): the wait's result becomes ECANCELED (or stays what it was, if it finished first).
Napi::Value Cancel(const Napi::CallbackInfo& info) {
  if (!Ints(info, 1)) return info.Env().Undefined();
  auto* inst = info.Env().GetInstanceData<Instance>();
  std::lock_guard<std::mutex> lock(inst->mu);
  auto it = inst->waits.find(uint32_t(Int(info, 0)));
  if (it != inst->waits.end()) it->second->Cancel();
  return info.Env().Undefined();
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

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  env.SetInstanceData<Instance, FreedByTeardown>(new Instance());
  Napi::Object codes = Napi::Object::New(env);
  codes.Set("EAGAIN", FSF_EAGAIN);
  codes.Set("ECANCELED", FSF_ECANCELED);
  codes.Set("ETIMEDOUT", FSF_ETIMEDOUT);
  exports.Set("codes", codes);
  exports.Set("lock", Napi::Function::New(env, Lock));
  exports.Set("unlock", Napi::Function::New(env, Unlock));
  exports.Set("downgrade", Napi::Function::New(env, Downgrade));
  exports.Set("lockTimed", Napi::Function::New(env, LockTimed));
  exports.Set("wait", Napi::Function::New(env, Wait));
  exports.Set("cancel", Napi::Function::New(env, Cancel));
  exports.Set("lastError", Napi::Function::New(env, LastError));
  exports.Set("setDispatch", Napi::Function::New(env, SetDispatch));
  return exports;
}

}  // namespace

NODE_API_MODULE(fs_flock, Init)
