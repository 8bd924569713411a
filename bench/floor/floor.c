/* The floor fs-flock is measured against: the cheapest Node-API addon that does the same work. flock(fd, op)
 * returns 0 or -errno; wait(fd, op) returns a promise settled from a new thread blocked in flock(2), through a
 * thread-safe function. No validation, no cancellation. Built at bench time by bench/lib/floor.js.
 * See: man 2 flock */
#define NAPI_VERSION 8
#include <errno.h>
#include <node_api.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>

/* Bad arguments leave fd at -1, so flock fails with EBADF instead of using garbage. */
static void args(napi_env env, napi_callback_info info, int32_t *fd, int32_t *op) {
  size_t argc = 2;
  napi_value argv[2];
  *fd = -1;
  *op = 0;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  napi_get_value_int32(env, argv[0], fd);
  napi_get_value_int32(env, argv[1], op);
}

static napi_value Flock(napi_env env, napi_callback_info info) {
  int32_t fd, op;
  napi_value out;
  args(env, info, &fd, &op);
  napi_create_int32(env, flock(fd, op) == 0 ? 0 : -errno, &out);
  return out;
}

struct wait {
  napi_deferred deferred;
  napi_threadsafe_function tsfn;
  int fd, op, result;
};

static void reject(napi_env env, napi_deferred deferred, int err) {
  napi_value message, error;
  napi_create_string_utf8(env, strerror(err), NAPI_AUTO_LENGTH, &message);
  napi_create_error(env, NULL, message, &error);
  napi_reject_deferred(env, deferred, error);
}

/* Main thread. env is NULL when the environment is torn down with the wait pending. */
static void settle(napi_env env, napi_value js_cb, void *context, void *data) {
  struct wait *w = data;
  if (env && w->result == 0) {
    napi_value undefined;
    napi_get_undefined(env, &undefined);
    napi_resolve_deferred(env, w->deferred, undefined);
  } else if (env) {
    reject(env, w->deferred, -w->result);
  }
  free(w);
}

/* Waiting thread. Once called, settle may free w at any moment, so tsfn is copied out first. */
static void *waiter(void *arg) {
  struct wait *w = arg;
  napi_threadsafe_function tsfn = w->tsfn;
  do w->result = flock(w->fd, w->op) == 0 ? 0 : -errno;
  while (w->result == -EINTR);
  napi_call_threadsafe_function(tsfn, w, napi_tsfn_nonblocking);
  napi_release_threadsafe_function(tsfn, napi_tsfn_release);
  return NULL;
}

static napi_value Wait(napi_env env, napi_callback_info info) {
  struct wait *w = malloc(sizeof *w);
  napi_value promise, name;
  pthread_t thread;
  pthread_attr_t attr;
  int err;
  args(env, info, &w->fd, &w->op);
  napi_create_promise(env, &w->deferred, &promise);
  napi_create_string_utf8(env, "floor.wait", NAPI_AUTO_LENGTH, &name);
  napi_create_threadsafe_function(env, NULL, NULL, name, 0, 1, NULL, NULL, NULL, settle, &w->tsfn);
  pthread_attr_init(&attr);
  pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  err = pthread_create(&thread, &attr, waiter, w);
  pthread_attr_destroy(&attr);
  if (err != 0) {
    napi_release_threadsafe_function(w->tsfn, napi_tsfn_abort);
    reject(env, w->deferred, err);
    free(w);
  }
  return promise;
}

NAPI_MODULE_INIT() {
  napi_value fn;
  napi_create_function(env, "flock", NAPI_AUTO_LENGTH, Flock, NULL, &fn);
  napi_set_named_property(env, exports, "flock", fn);
  napi_create_function(env, "wait", NAPI_AUTO_LENGTH, Wait, NULL, &fn);
  napi_set_named_property(env, exports, "wait", fn);
  return exports;
}
