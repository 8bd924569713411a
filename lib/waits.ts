// Asynchronous blocking waits. Waiters for one file (keyed by device and inode) queue here in FIFO order and
// only the head of each queue waits in the kernel, on a dedicated native thread: thousands of waiters on a file
// cost one thread, and consecutive shared waiters are granted together as soon as the head is.
import * as fs from 'node:fs';
import { binding } from './binding';
import { abortError, systemError } from './errors';
import { describeHolders, holders, LockHolder } from './holders';
import { LOCK_NB } from './validate';

export const LOCK_SYSCALL = process.platform === 'win32' ? 'LockFileEx' : 'flock';

interface Waiter {
  readonly fd: number;
  readonly op: number;
  readonly key: string;
  readonly resolve: () => void;
  readonly reject: (err: Error) => void;
  readonly signal: AbortSignal | undefined;
  id: number; // the native wait while this waiter is in the kernel, else 0
  cancelled: Error | null;
  settled: boolean;
  timer?: NodeJS.Timeout;
  onAbort?: () => void;
}

const queues = new Map<string, Waiter[]>();
const inKernel = new Map<number, Waiter>();

binding.setDispatch((id, result, osError) => {
  const w = inKernel.get(id);
  if (!w) return;
  inKernel.delete(id);
  w.id = 0;
  if (w.cancelled) {
    if (result === 0) binding.unlock(w.fd); // granted just before the cancel took effect
    settle(w, w.cancelled);
  } else {
    settle(w, result === 0 ? null : systemError(result, LOCK_SYSCALL, undefined, osError));
  }
  // Let the new holder's code run first: when it releases at once (common in-process), the next waiter is
  // granted by a non-blocking try instead of a trip through a kernel wait.
  setImmediate(advance, w.key);
});

/** The identity of an open file: its device and inode. */
export function fileKey(fd: number): string {
  const st = fs.fstatSync(fd, { bigint: true });
  return `${st.dev}:${st.ino}`;
}

/** Locks `fd` (op without LOCK_NB), waiting as long as it takes unless timed out or aborted. */
export function lockAsync(fd: number, op: number, timeout: number | undefined, signal: AbortSignal | undefined): Promise<void> {
  if (signal?.aborted) return Promise.reject(abortError(signal));
  let key = '';
  if (queues.size > 0) {
    key = fileKey(fd);
    const queue = queues.get(key);
    if (queue) return new Promise((resolve, reject) => enqueue(queue, fd, op, key, resolve, reject, timeout, signal));
  }
  const r = binding.lock(fd, op | LOCK_NB); // the uncontended case needs no thread at all
  if (r === 0) return Promise.resolve();
  if (r !== binding.codes.EAGAIN) return Promise.reject(systemError(r, LOCK_SYSCALL, undefined, binding.lastError()));
  if (timeout === 0) return Promise.reject(timeoutError(timeout, fd));
  key ||= fileKey(fd);
  const queue: Waiter[] = [];
  queues.set(key, queue);
  return new Promise((resolve, reject) => {
    enqueue(queue, fd, op, key, resolve, reject, timeout, signal);
    startHead(queue[0]);
  });
}

function enqueue(queue: Waiter[], fd: number, op: number, key: string, resolve: () => void,
  reject: (err: Error) => void, timeout: number | undefined, signal: AbortSignal | undefined): void {
  const w: Waiter = { fd, op, key, resolve, reject, signal, id: 0, cancelled: null, settled: false };
  if (timeout !== undefined) w.timer = setTimeout(() => cancel(w, timeoutError(timeout, fd)), timeout);
  if (signal) {
    w.onAbort = () => cancel(w, abortError(signal));
    signal.addEventListener('abort', w.onAbort, { once: true });
  }
  queue.push(w);
}

/** ETIMEDOUT, naming the processes that hold the lock where the platform can tell (Linux). */
export function timeoutError(ms: number, fd: number): Error {
  let who: LockHolder[] | null = null;
  try {
    who = holders(fd);
  } catch {} // the fd may be gone by now; the error is still a timeout
  const named = describeHolders(who);
  const err = systemError(binding.codes.ETIMEDOUT, LOCK_SYSCALL, `timed out after ${ms} ms${named ? `, ${named}` : ''}`);
  if (who) err.holders = who;
  return err;
}

function startHead(w: Waiter): void {
  const id = binding.wait(w.fd, w.op);
  if (id < 0) {
    settle(w, systemError(id, LOCK_SYSCALL));
    advance(w.key);
    return;
  }
  w.id = id;
  inKernel.set(id, w);
}

/** The head of `key`'s queue has settled: grant what can be granted at once, then park the next in the kernel. */
function advance(key: string): void {
  const queue = queues.get(key);
  if (!queue) return;
  while (queue.length > 0) {
    const head = queue[0];
    if (head.id !== 0) return; // already waiting in the kernel
    const r = binding.lock(head.fd, head.op | LOCK_NB);
    if (r === binding.codes.EAGAIN) return startHead(head);
    settle(head, r === 0 ? null : systemError(r, LOCK_SYSCALL, undefined, binding.lastError()));
  }
  queues.delete(key);
}

function cancel(w: Waiter, reason: Error): void {
  if (w.cancelled || w.settled) return;
  w.cancelled = reason;
  if (w.id !== 0) {
    binding.cancel(w.id); // the result, ECANCELED or a grant to undo, arrives through the dispatch function
    return;
  }
  settle(w, reason);
  if (!queues.get(w.key)?.length) queues.delete(w.key);
}

function settle(w: Waiter, err: Error | null): void {
  const queue = queues.get(w.key);
  const at = queue ? queue.indexOf(w) : -1;
  if (at === 0) queue!.shift();
  else if (at > 0) queue!.splice(at, 1);
  if (w.timer) clearTimeout(w.timer);
  if (w.onAbort) w.signal!.removeEventListener('abort', w.onAbort);
  w.settled = true;
  if (err) w.reject(err);
  else w.resolve();
}
