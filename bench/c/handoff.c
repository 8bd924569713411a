/* Kernel limit for wake-up latency: two processes, each with its own open file, hand an exclusive flock back
 * and forth. The holder announces it holds, the waiter announces it is about to block and blocks; the holder keeps the lock HOLD_US..2*HOLD_US
 * more, stamps the clock and unlocks; the waiter stamps the clock when flock returns.
 * Usage: handoff FILE ROUNDS HOLD_US. Prints {"latencyNs":[...]}. See: man 2 flock */
#include <fcntl.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common.h"

struct shared {
  volatile int64_t released; /* written by the holder just before LOCK_UN */
  int64_t latency[];
};

int main(int argc, char **argv) {
  if (argc != 4) return fprintf(stderr, "usage: handoff FILE ROUNDS HOLD_US\n"), 2;
  int rounds = atoi(argv[2]), hold_us = atoi(argv[3]);
  struct shared *sh = shared_alloc(sizeof *sh + sizeof(int64_t) * rounds);
  int to_child[2], to_parent[2];
  CHECK(pipe(to_child));
  CHECK(pipe(to_parent));
  int fd = open(argv[1], O_RDWR | O_CREAT, 0644);
  CHECK(fd);
  CHECK(flock(fd, LOCK_EX)); /* the parent holds first, before the child opens its own file */
  pid_t pid = fork();
  CHECK(pid);
  int me = pid == 0; /* 0: parent, 1: child; the parent holds in even rounds */
  if (me) {
    close(fd);
    fd = open(argv[1], O_RDWR);
    CHECK(fd);
  }
  int rd = me ? to_child[0] : to_parent[0], wr = me ? to_parent[1] : to_child[1];
  srand(1234 + me);
  char byte = 0;
  for (int r = 0; r < rounds; r++) {
    if (r % 2 == me) { /* holder: says it holds, hears the other is about to block, then releases */
      if (write(wr, &byte, 1) != 1 || read(rd, &byte, 1) != 1) exit(3);
      struct timespec hold = {0, (hold_us + rand() % (hold_us + 1)) * 1000L};
      nanosleep(&hold, NULL);
      sh->released = now_ns();
      CHECK(flock(fd, LOCK_UN));
    } else { /* waiter: only after the holder has the lock, else an unlock-relock could overtake */
      if (read(rd, &byte, 1) != 1 || write(wr, &byte, 1) != 1) exit(3);
      CHECK(flock(fd, LOCK_EX));
      sh->latency[r] = now_ns() - sh->released;
    }
  }
  if (me) return 0;
  int status;
  waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) return fprintf(stderr, "child failed\n"), 2;
  printf("{\"latencyNs\":[");
  for (int r = 0; r < rounds; r++) printf("%s%lld", r ? "," : "", (long long)sh->latency[r]);
  printf("]}\n");
  return 0;
}
