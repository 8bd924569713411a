/* Shared helpers for the kernel-limit programs: a monotonic clock in ns (the same CLOCK_MONOTONIC that
 * Node's process.hrtime.bigint() reads), fatal errors, and an anonymous shared page for results. */
#pragma once
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

static inline int64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

#define CHECK(x)                                                   \
  do {                                                             \
    if ((x) < 0) {                                                 \
      perror(#x);                                                  \
      exit(2);                                                     \
    }                                                              \
  } while (0)

static inline void *shared_alloc(size_t bytes) {
  void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) {
    perror("mmap");
    exit(2);
  }
  memset(p, 0, bytes);
  return p;
}
