// The flock(2) operation bits, the <sys/file.h> values on every platform (native/lock.h agrees).
export const LOCK_SH = 1;
export const LOCK_EX = 2;
export const LOCK_NB = 4;
export const LOCK_UN = 8;
