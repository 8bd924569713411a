// A small process-wide pool of dedicated threads for blocking lock waits, never the libuv pool (four waits there
// would stall every fs call in the process). A thread is reused for the next job; one idle for 10 s exits.
#pragma once

// Runs job(arg) on a pool thread. Any thread may call it. Returns 0, or FSF_ENOMEM when no thread can be created.
int pool_run(void (*job)(void*), void* arg);
// Takes a job that no thread has begun back out of the queue. True if it was there: it will never run.
bool pool_take_back(void (*job)(void*), void* arg);
