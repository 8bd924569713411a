// Argument validation for every public function, before any syscall, with Node's error codes.
import { closedHandleError, invalidArgType, invalidArgValue, outOfRange } from './errors';

import { LOCK_EX, LOCK_NB, LOCK_SH, LOCK_UN } from './constants';

/** An open file: a file descriptor, or anything with one such as a `FileHandle` from `fs.promises.open`. */
export type FdLike = number | { readonly fd: number };

/** A flock(2) operation: a bitmask of the `LOCK_*` constants, or one of fs-ext's names. */
export type FlockOp = number | 'sh' | 'ex' | 'shnb' | 'exnb' | 'un';

const opNames: Record<string, number> = Object.assign(Object.create(null), {
  sh: LOCK_SH,
  ex: LOCK_EX,
  shnb: LOCK_SH | LOCK_NB,
  exnb: LOCK_EX | LOCK_NB,
  un: LOCK_UN,
});

const INT32_MAX = 2 ** 31 - 1;

/** Whether a lock target names a path (string, URL or Buffer) rather than an open file. */
export function isPathTarget(target: unknown): target is string | URL | Buffer {
  return typeof target === 'string' || target instanceof URL || Buffer.isBuffer(target);
}

/** The numeric fd of `fd`. A closed FileHandle (its fd is -1) is EBADF, as a closed fd is. */
export function toFd(target: unknown, name = 'fd'): number {
  if (typeof target === 'number' && (target | 0) === target && target >= 0) return target; // the common case
  let fd = target;
  if (typeof target === 'object' && target !== null) {
    fd = (target as { fd?: unknown }).fd; // read once: a getter may answer differently the next time
    if (fd === -1) throw closedHandleError();
  }
  if (typeof fd !== 'number' || !Number.isInteger(fd)) {
    throw invalidArgType(name, 'an integer file descriptor or a FileHandle', target);
  }
  if (fd < 0 || fd > INT32_MAX) throw outOfRange(name, `>= 0 && <= ${INT32_MAX}`, fd);
  return fd;
}

/**
 * A valid flock op as a bitmask: exactly one of SH, EX, UN, optionally | NB (ignored with UN, as flock(2) does).
 */
export function toOp(op: unknown): number {
  if (validOps.has(op as number)) return op as number;
  if (typeof op === 'string') {
    const bits = opNames[op];
    if (bits === undefined) throw invalidArgValue('op', op, "must be one of 'sh', 'ex', 'shnb', 'exnb', 'un'");
    return bits;
  }
  if (typeof op !== 'number') throw invalidArgType('op', 'a number or a string', op);
  throw invalidArgValue('op', op, 'must be LOCK_SH, LOCK_EX or LOCK_UN, optionally | LOCK_NB');
}

/** Exactly one of SH, EX, UN, optionally | NB. */
const validOps = new Set([LOCK_SH, LOCK_EX, LOCK_UN].flatMap((kind) => [kind, kind | LOCK_NB]));

/** The options object, or `{}`; an unknown key is an error rather than silently ignored. */
export function toOptions<T extends object>(options: unknown, allowed: readonly (keyof T & string)[]): Partial<T> {
  if (options === undefined) return {};
  if (typeof options !== 'object' || options === null) throw invalidArgType('options', 'of type object', options);
  for (const key of Object.keys(options)) {
    if (!allowed.includes(key as keyof T & string)) {
      throw invalidArgValue('options', key, `has an unknown option; known options are ${allowed.join(', ')}`);
    }
  }
  return options as Partial<T>;
}

/** Milliseconds from 0 to 2**31-1, or Infinity; `undefined` means no timeout. */
export function toTimeout(timeout: unknown): number | undefined {
  if (timeout === undefined || timeout === Infinity) return undefined;
  if (typeof timeout !== 'number') throw invalidArgType('options.timeout', 'of type number', timeout);
  if (!(timeout >= 0 && timeout <= INT32_MAX)) throw outOfRange('options.timeout', `>= 0 && <= ${INT32_MAX}, or Infinity`, timeout);
  return Math.ceil(timeout);
}

export function toSignal(signal: unknown): AbortSignal | undefined {
  if (signal === undefined) return signal;
  try {
    if (signal instanceof AbortSignal && typeof signal.aborted === 'boolean') return signal;
  } catch {} // an object that only borrows AbortSignal's prototype
  throw invalidArgType('options.signal', 'an instance of AbortSignal', signal);
}

export function toBoolean(value: unknown, name: string): boolean | undefined {
  if (value === undefined || typeof value === 'boolean') return value;
  throw invalidArgType(name, 'of type boolean', value);
}
