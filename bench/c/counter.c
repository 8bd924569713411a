/* Kernel limit for a contended counter: PROCS processes each loop lock, pread, increment, pwrite, unlock on a
 * shared 4-byte counter for MS milliseconds, all starting when the parent closes a pipe.
 * Usage: counter LOCKFILE DATAFILE PROCS MS. Prints {"counts":[...],"final":N,"ms":MS}. See: man 2 flock */
#include <fcntl.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common.h"

int main(int argc, char **argv) {
  if (argc != 5) return fprintf(stderr, "usage: counter LOCKFILE DATAFILE PROCS MS\n"), 2;
  int procs = atoi(argv[3]);
  int64_t span = (int64_t)atoi(argv[4]) * 1000000;
  int64_t *counts = shared_alloc(sizeof(int64_t) * procs);
  int data = open(argv[2], O_RDWR | O_CREAT | O_TRUNC, 0644);
  uint32_t zero = 0;
  CHECK(data);
  CHECK(pwrite(data, &zero, 4, 0));
  int go[2];
  CHECK(pipe(go));
  for (int p = 0; p < procs; p++) {
    pid_t pid = fork();
    CHECK(pid);
    if (pid) continue;
    close(go[1]);
    int lk = open(argv[1], O_RDWR | O_CREAT, 0644);
    CHECK(lk);
    char byte;
    if (read(go[0], &byte, 1) != 0) exit(3); /* EOF is the start signal */
    int64_t end = now_ns() + span, n = 0;
    while (now_ns() < end) {
      uint32_t v;
      CHECK(flock(lk, LOCK_EX));
      if (pread(data, &v, 4, 0) != 4) exit(4);
      v++;
      if (pwrite(data, &v, 4, 0) != 4) exit(4);
      CHECK(flock(lk, LOCK_UN));
      n++;
    }
    counts[p] = n;
    exit(0);
  }
  close(go[0]);
  close(go[1]);
  int failed = 0, status;
  while (wait(&status) > 0) failed |= !WIFEXITED(status) || WEXITSTATUS(status) != 0;
  uint32_t final;
  if (failed || pread(data, &final, 4, 0) != 4) return fprintf(stderr, "a counter process failed\n"), 2;
  printf("{\"counts\":[");
  for (int p = 0; p < procs; p++) printf("%s%lld", p ? "," : "", (long long)counts[p]);
  printf("],\"final\":%u,\"ms\":%s}\n", final, argv[4]);
  return 0;
}
