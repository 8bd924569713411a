// The one place where fs-flock's errors are made: Node-shaped argument errors and system errors.
import * as os from 'node:os';
import * as util from 'node:util';
import type { LockHolder } from './holders';

/** A system error as Node makes them: `code`, `errno`, `syscall`, and on Windows the original error number. */
export interface FlockError extends Error {
  code: string;
  errno: number;
  syscall: string;
  /** Windows only: the error number from GetLastError, before it was mapped to `code`. */
  win32Error?: number;
  /** ETIMEDOUT on Linux: the processes holding the lock when the wait gave up, from /proc/locks. */
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
  const errno = (os.constants.errno as Record<string, number>)[code];
  const err = systemError(errno ? -errno : -1, syscall, detail);
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
