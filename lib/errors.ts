// The one place where fs-flock's errors are made: Node-shaped argument errors and system errors.
import * as os from 'node:os';
import * as util from 'node:util';
import { LOCK_SYSCALL } from './platform';
import type { LockHolder } from './proclocks';

/** A system error as Node makes them: `code`, `errno`, `syscall`, and on Windows the original error number. */
export interface FlockError extends Error {
  code: string;
  errno: number;
  syscall: string;
  /** Windows only: the error number from GetLastError, before it was mapped to `code`. */
  win32Error?: number;
  /** ETIMEDOUT after a wait (timeout > 0) on Linux: the processes holding the lock when it gave up. */
  holders?: LockHolder[];
}

const extraMessages: Record<string, string> = {
  ENOLCK: 'no locks available',
  EDEADLK: 'resource deadlock avoided',
};

function errnoName(errno: number): string {
  const name = util.getSystemErrorName(errno);
  if (!name.startsWith('Unknown')) return name;
  // libuv knows only part of errno; the rest (ENOLCK, EDEADLK) by the host's own table.
  const found = Object.entries(os.constants.errno).find(([, value]) => value === -errno);
  return found ? found[0] : name;
}

/** A system error for a negative libuv-style `errno` (the binding's numbering). */
export function systemError(errno: number, syscall: string, detail?: string, win32Error?: number): FlockError {
  const code = errnoName(errno);
  const text = detail ?? util.getSystemErrorMap().get(errno)?.[1] ?? extraMessages[code] ?? 'unknown error';
  const err = new Error(`${code}: ${text}, ${syscall}`) as FlockError;
  err.errno = errno;
  err.code = code;
  err.syscall = syscall;
  if (win32Error) err.win32Error = win32Error;
  return err;
}

/** A system error from an errno name rather than a number, e.g. `EDEADLK` found by fs-flock itself. */
export function systemErrorNamed(code: string, syscall: string, detail: string): FlockError {
  // libuv's number where it has one (as Node's own errors on Windows), else the host's.
  const uv = [...util.getSystemErrorMap()].find(([, [name]]) => name === code)?.[0];
  const errno = uv ?? -((os.constants.errno as Record<string, number>)[code] ?? 1);
  const err = systemError(errno, syscall, detail);
  err.code = code;
  err.message = `${code}: ${detail}, ${syscall}`;
  return err;
}

function nodeError<E extends Error>(error: E, code: string): E & { code: string } {
  return Object.assign(error, { code });
}

function describe(value: unknown): string {
  if (value === null || value === undefined) return `Received ${value}`;
  if (typeof value === 'function') return `Received function ${value.name || '<anonymous>'}`;
  if (typeof value === 'object') {
    const name = value.constructor?.name;
    return name ? `Received an instance of ${name}` : `Received ${util.inspect(value, { depth: -1 })}`;
  }
  let shown = util.inspect(value, { colors: false });
  if (shown.length > 28) shown = `${shown.slice(0, 25)}...`;
  return `Received type ${typeof value} (${shown})`;
}

export function invalidArgType(name: string, expected: string, actual: unknown): TypeError {
  return nodeError(new TypeError(`The "${name}" argument must be ${expected}. ${describe(actual)}`), 'ERR_INVALID_ARG_TYPE');
}

export function outOfRange(name: string, range: string, actual: unknown): RangeError {
  const shown = util.inspect(actual);
  return nodeError(new RangeError(`The value of "${name}" is out of range. It must be ${range}. Received ${shown}`), 'ERR_OUT_OF_RANGE');
}

export function invalidArgValue(name: string, value: unknown, reason: string): TypeError {
  const shown = util.inspect(value);
  return nodeError(new TypeError(`The argument '${name}' ${reason}. Received ${shown}`), 'ERR_INVALID_ARG_VALUE');
}

/** Like Node's own AbortError: name `AbortError`, code `ABORT_ERR`, the signal's reason as `cause`. */
export function abortError(signal: AbortSignal): Error {
  const err = new Error('The operation was aborted', { cause: signal.reason });
  err.name = 'AbortError';
  return nodeError(err, 'ABORT_ERR');
}

/**
 * ETIMEDOUT: the lock was not granted in `ms` milliseconds, and nothing is held. After a real wait (`ms > 0`)
 * it names the holders where the platform can tell; a try-once (`ms === 0`) skips that lookup, which would cost
 * far more than the try itself.
 */
export function timeoutError(ms: number, holders?: () => LockHolder[] | null): FlockError {
  const who = ms > 0 && holders ? holders() : null;
  const named = who?.length ? `, lock held by ${who.map((h) => `pid ${h.pid} (${h.mode})`).join(', ')}` : '';
  const detail = ms > 0 ? `timed out after ${ms} ms${named}` : 'the lock is held elsewhere (timeout 0 tries once)';
  const err = systemErrorNamed('ETIMEDOUT', LOCK_SYSCALL, detail);
  if (who) err.holders = who;
  return err;
}

/** EDEADLK: a wait that could never end, because this thread holds what it waits for. */
export function deadlockError(detail: string): FlockError {
  return systemErrorNamed('EDEADLK', LOCK_SYSCALL, detail);
}

/** EBADF for a `FileHandle` that is already closed, as the kernel reports a closed fd. */
export function closedHandleError(): FlockError {
  return systemErrorNamed('EBADF', LOCK_SYSCALL, 'bad file descriptor (the FileHandle is closed)');
}

/** ERR_INVALID_STATE, as Node's own: an operation on a lock object that no longer holds its lock. */
export function invalidState(message: string): Error & { code: string } {
  return nodeError(new Error(message), 'ERR_INVALID_STATE');
}

/** ERR_ILLEGAL_CONSTRUCTOR, as Node's own: lock objects come only from acquire() and its kin. */
export function illegalConstructor(name: string): TypeError {
  return nodeError(new TypeError(`Illegal constructor: ${name} objects come from ${name}.acquire(), acquireSync(), tryAcquire() or tryAcquireSync()`), 'ERR_ILLEGAL_CONSTRUCTOR');
}
