// Waiting for a lock, synchronously and asynchronously: the internal functions behind flock(), flockSync() and
// the lock objects. Asynchronous waiters for one file (keyed by device and inode) queue here in FIFO order and
// only the head of each queue waits in the kernel, on a native thread: thousands of waiters on a file cost one
// thread, and consecutive shared waiters are granted together as soon as the head is.
// Cancelling is the native wait's job: binding.cancel() returns once the wait holds nothing, so nothing here
// ever acts on an fd number after its caller may consider the operation over.
import { binding } from './binding';
import { abortError, systemError, systemErrorNamed, timeoutError } from './errors';
import { fileKey, fileKeyOrNull, holdsLock, LOCK_SYSCALL } from './platform';
import { holdersOf } from './proclocks';
import { LOCK_NB } from './constants';

interface Waiter {
  readonly fd: number;
  readonly op: number;
  readonly key: string;
  readonly resolve: () => void;
  readonly reject: (err: Error) => void;
  readonly signal: AbortSignal | undefined;
  timer: NodeJS.Timeout | undefined;
  onAbort: (() => void) | undefined;
  id: number; // the native wait while this waiter is in the kernel, else 0
  settled: boolean;
}

const queues = new Map<string, Waiter[]>();

function lockError(r: number): Error {
  return systemError(r, LOCK_SYSCALL, undefined, binding.lastError());
}

/** Locks `fd` (op without LOCK_NB) on this thread, waiting at most `timeout` ms (undefined: as long as it takes). */
export function lockSync(fd: number, op: number, timeout: number | undefined): void {
  const r = binding.lock(fd, timeout === undefined ? op : op | LOCK_NB);
  if (r === 0) return;
  if (r !== binding.codes.EAGAIN || timeout === undefined) throw lockError(r);
  if (timeout === 0) throw timeoutError(0);
  const waited = binding.lockTimed(fd, op, timeout);
  if (waited === binding.codes.ETIMEDOUT) {
    const key = fileKeyOrNull(fd);
    throw timeoutError(timeout, () => (key ? holdersOf(key) : null));
  }
  if (waited !== 0) throw lockError(waited);
}

/**
 * Locks `fd` (op without LOCK_NB) without blocking the event loop, unless timed out or aborted: `null` when it
 * was granted at once (no promise to settle), else a promise of the grant.
 */
export function lockAsync(fd: number, op: number, timeout: number | undefined, signal: AbortSignal | undefined): Promise<void> | null {
  if (signal?.aborted) return Promise.reject(abortError(signal));
  let key: string | null = null;
  if (queues.size > 0) {
    key = fileKeyOrNull(fd);
    const queue = key === null ? undefined : queues.get(key);
    // A file that already holds a lock converts or re-locks at once (flock(2) semantics), rather than queueing
    // behind waiters that wait for that very lock. A failed conversion has dropped the old lock: queue then.
    if (queue) {
      if (holdsLock(fd) && binding.lock(fd, op | LOCK_NB) === 0) return null;
      return new Promise((resolve, reject) => queue.push(waiter(fd, op, key!, resolve, reject, timeout, signal)));
    }
  }
  const r = binding.lock(fd, op | LOCK_NB); // the uncontended case needs no thread at all
  if (r === 0) return null;
  if (r !== binding.codes.EAGAIN) return Promise.reject(lockError(r));
  if (timeout === 0) return Promise.reject(timeoutError(0));
  key ??= fileKey(fd);
  return new Promise((resolve, reject) => {
    const w = waiter(fd, op, key!, resolve, reject, timeout, signal);
    queues.set(w.key, [w]);
    if (!startHead(w)) advance(w.key);
  });
}

/** A new waiter, built completely before anything shared sees it: if a step throws, nothing is left behind. */
function waiter(fd: number, op: number, key: string, resolve: () => void, reject: (err: Error) => void,
  timeout: number | undefined, signal: AbortSignal | undefined): Waiter {
  const w: Waiter = { fd, op, key, resolve, reject, signal, timer: undefined, onAbort: undefined, id: 0, settled: false };
  if (signal) {
    const onAbort = () => cancel(w, abortError(signal));
    signal.addEventListener('abort', onAbort, { once: true });
    w.onAbort = onAbort;
  }
  if (timeout !== undefined) w.timer = setTimeout(() => cancel(w, timeoutError(timeout, () => holdersOf(key))), timeout);
  return w;
}

/** Parks `w` in the kernel: true, or false when the wait could not start (`w` is then settled with the error). */
function startHead(w: Waiter): boolean {
  const id = binding.wait(w.fd, w.op, (result, osError) => {
    w.id = 0;
    settle(w, result === 0 ? null : systemError(result, LOCK_SYSCALL, undefined, osError));
    // Let the new holder's code run first: when it releases at once (common in-process), the next waiter is
    // granted by a non-blocking try instead of a trip through a kernel wait.
    setImmediate(advance, w.key);
    return true;
  });
  if (id < 0) {
    settle(w, systemError(id, LOCK_SYSCALL));
    return false;
  }
  w.id = id;
  return true;
}

/**
 * The head of `key`'s queue has settled: grant what can be granted at once, then park the next in the kernel.
 * A waiter whose fd no longer names its file (closed while queued, the number perhaps reused) is EBADF: nothing
 * is ever done to the file that has the number now.
 */
function advance(key: string): void {
  const queue = queues.get(key);
  if (!queue) return;
  while (queue.length > 0) {
    const head = queue[0];
    if (head.id !== 0) return; // already waiting in the kernel
    if (fileKeyOrNull(head.fd) !== key) {
      settle(head, systemErrorNamed('EBADF', LOCK_SYSCALL, `fd ${head.fd} was closed while its wait was queued`));
      continue;
    }
    const r = binding.lock(head.fd, head.op | LOCK_NB);
    if (r === binding.codes.EAGAIN && startHead(head)) return;
    if (r !== binding.codes.EAGAIN) settle(head, r === 0 ? null : lockError(r));
  }
  queues.delete(key);
}

function cancel(w: Waiter, reason: Error): void {
  if (w.settled) return;
  const wasHead = w.id !== 0;
  if (wasHead) binding.cancel(w.id); // returns once the wait holds nothing, a grant it raced undone
  w.id = 0;
  settle(w, reason);
  if (wasHead) advance(w.key);
  else if (queues.get(w.key)?.length === 0) queues.delete(w.key);
}

/** Takes `w` out of its queue and settles its promise; clean-up that throws (a spoofed signal) cannot undo that. */
function settle(w: Waiter, err: Error | null): void {
  w.settled = true;
  const queue = queues.get(w.key);
  const at = queue ? queue.indexOf(w) : -1;
  if (at === 0) queue!.shift(); // O(1) for V8's arrays, where splice(0, 1) moves every waiter behind
  else if (at > 0) queue!.splice(at, 1);
  if (err) w.reject(err);
  else w.resolve();
  clearTimeout(w.timer);
  try {
    if (w.onAbort) w.signal!.removeEventListener('abort', w.onAbort);
  } catch {} // a signal whose removeEventListener throws keeps a listener that finds the waiter settled
}
