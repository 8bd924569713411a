/* Kernel limit for an uncontended round trip: flock(LOCK_EX) + flock(LOCK_UN) on one fd in a tight loop.
 * Usage: loop FILE SAMPLES SAMPLE_MS. Prints {"nsPerOp":[...]}, one figure per timed sample.
 * See: man 2 flock */
#include <fcntl.h>
#include <sys/file.h>

#include "common.h"

int main(int argc, char **argv) {
  if (argc != 4) return fprintf(stderr, "usage: loop FILE SAMPLES SAMPLE_MS\n"), 2;
  int fd = open(argv[1], O_RDWR | O_CREAT, 0644), samples = atoi(argv[2]);
  int64_t span = (int64_t)atoi(argv[3]) * 1000000;
  CHECK(fd);
  printf("{\"nsPerOp\":[");
  for (int s = -1; s < samples; s++) { /* sample -1 warms up and is not reported */
    int64_t start = now_ns(), n = 0, t;
    do {
      for (int i = 0; i < 64; i++) {
        CHECK(flock(fd, LOCK_EX));
        CHECK(flock(fd, LOCK_UN));
      }
      n += 64;
    } while ((t = now_ns()) - start < span);
    if (s >= 0) printf("%s%.2f", s ? "," : "", (double)(t - start) / n);
  }
  printf("]}\n");
  return 0;
}
