// The Web Locks API (navigator.locks) across processes: each lock name is a lock file in one directory, locked
// with the lock objects of lock.ts. request() and query() follow the specification (https://w3c.github.io/web-locks/)
// except `steal`, which no process can do to another's kernel lock.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { threadId } from 'node:worker_threads';
import { illegalConstructor } from './errors';
import { ExclusiveLock, SharedLock } from './lock';
import { fileKeyOfPath } from './lockfile';
import { lockTable } from './proclocks';

export type LockMode = 'exclusive' | 'shared';

export interface LockOptions {
  /** Default `'exclusive'`. */
  mode?: LockMode;
  /** Do not wait: call the callback with `null` if the lock is not available at once. */
  ifAvailable?: boolean;
  /** Refused with `NotSupportedError`: no process can take another's kernel lock. */
  steal?: boolean;
  /** Abort the wait: the request rejects with the signal's reason. */
  signal?: AbortSignal;
}

export interface LockInfo {
  name: string;
  mode: LockMode;
  /** `"<pid>:<threadId>"` for this thread's requests; `"<pid>"` for what the kernel reports of other ones. */
  clientId: string;
  /** The process, for holders the kernel reports (Linux). */
  pid?: number;
}

export interface LockManagerSnapshot {
  held: LockInfo[];
  pending: LockInfo[];
}

export type LockGrantedCallback<T> = (lock: Lock | null) => T | Promise<T>;

const MAKE = Symbol('fs-flock: make a Lock');

/** A granted lock, as the callback of `request()` sees it. */
export class Lock {
  readonly name: string;
  readonly mode: LockMode;

  /** Not for callers: `request()` makes them (this throws ERR_ILLEGAL_CONSTRUCTOR). */
  constructor(token: symbol, name: string, mode: LockMode) {
    if (token !== MAKE) throw illegalConstructor('Lock');
    this.name = name;
    this.mode = mode;
  }
}

const SAFE = /^[a-z0-9_-]$/;
const DEVICE = /^(con|prn|aux|nul|com\d|lpt\d)$/; // Windows device names, which no file may have
const LONGEST = 200;

/**
 * The lock file of a lock name: each UTF-16 code unit that is one of `a-z 0-9 _ -` as it is, any other below
 * U+0080 as `%xx`, the rest as `%uxxxx` (lowercase hex), then `.lock`. A Windows device name (`con`, `nul`,
 * `com1`, ...) has its first letter escaped. An encoding longer than 200 characters becomes its first 136, `~` and
 * the SHA-256 of the name (hex); the name itself is then written into the file. Distinct names, distinct files,
 * on case-insensitive filesystems too.
 */
export function lockFileName(name: string): string {
  let encoded = '';
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    const ch = name[i];
    if (SAFE.test(ch)) encoded += ch;
    else encoded += c < 0x80 ? `%${c.toString(16).padStart(2, '0')}` : `%u${c.toString(16).padStart(4, '0')}`;
  }
  if (DEVICE.test(encoded)) encoded = `%${encoded.charCodeAt(0).toString(16)}${encoded.slice(1)}`;
  if (encoded.length > LONGEST) encoded = `${encoded.slice(0, 136)}~${createHash('sha256').update(name, 'utf16le').digest('hex')}`;
  return `${encoded}.lock`;
}

/** The lock name of a file lockFileName() made, or null for a hashed one (its name is in the file). */
function nameOfFile(file: string): string | null {
  if (!file.endsWith('.lock') || file.includes('~')) return null;
  const body = file.slice(0, -'.lock'.length);
  const decoded = body.replace(/%u([0-9a-f]{4})|%([0-9a-f]{2})/g, (_, u, x) => String.fromCharCode(parseInt(u ?? x, 16)));
  return lockFileName(decoded) === file ? decoded : null; // not one of ours
}

function domError(name: string, message: string): DOMException {
  return new DOMException(message, name);
}

/** The per-user default directory: `fs-flock-<uid>` in the temporary directory (`fs-flock` there on Windows). */
function defaultDirectory(): string {
  return path.join(os.tmpdir(), process.getuid ? `fs-flock-${process.getuid()}` : 'fs-flock');
}

function unsafe(dir: string, why: string): Error {
  return Object.assign(new Error(`fs-flock: refusing the lock directory ${dir}: it ${why}`), { code: 'ERR_UNSAFE_LOCK_DIRECTORY', path: dir });
}

interface Request {
  readonly info: LockInfo;
  held: boolean;
}

/** This thread's requests, by directory, for query(). */
const requests = new Map<string, Set<Request>>();

/**
 * A Web Locks `LockManager` whose locks are lock files in one directory: every process (and thread) that uses
 * the same directory shares its names.
 */
export class LockManager {
  readonly #directory: string;
  readonly #checked: boolean; // the default directory: created owner-only, and refused if anyone else could use it
  #ready = false;

  /** `directory`: where the lock files go (created if missing). Default: a per-user directory (see README). */
  constructor(options?: { directory?: string }) {
    const directory = options?.directory;
    if (directory !== undefined && typeof directory !== 'string') throw new TypeError('LockManager: options.directory must be a string');
    this.#directory = path.resolve(directory ?? defaultDirectory());
    this.#checked = directory === undefined;
  }

  /** The directory that holds this manager's lock files. */
  get directory(): string {
    return this.#directory;
  }

  /**
   * Requests the lock `name`, calls `callback` once it is granted (with `null` if `ifAvailable` and it is not),
   * releases it when the callback's promise settles, and resolves with what the callback returned.
   * @throws (rejects) `TypeError` for a missing callback or a bad mode; `NotSupportedError` (DOMException) for a
   *   name starting with `-`, `steal`, and the option combinations the specification forbids; the signal's
   *   reason when it aborts the wait; `ERR_UNSAFE_LOCK_DIRECTORY`; errors from opening the lock file.
   */
  request<T>(name: string, callback: LockGrantedCallback<T>): Promise<T>;
  request<T>(name: string, options: LockOptions, callback: LockGrantedCallback<T>): Promise<T>;
  async request<T>(name: string, ...args: [LockGrantedCallback<T>] | [LockOptions, LockGrantedCallback<T>]): Promise<T> {
    const [options, callback] = args.length === 1 ? [{}, args[0]] : [args[0] ?? {}, args[1]];
    if (typeof options !== 'object') throw new TypeError("LockManager.request: 'options' must be an object");
    if (typeof callback !== 'function') throw new TypeError("LockManager.request: 'callback' must be a function");
    const lockName = String(name);
    const mode = options.mode ?? 'exclusive';
    if (mode !== 'exclusive' && mode !== 'shared') throw new TypeError(`LockManager.request: '${String(mode)}' is not a valid LockMode`);
    const { ifAvailable = false, steal = false, signal } = options;
    if (signal !== undefined && !(signal instanceof AbortSignal)) throw new TypeError("LockManager.request: 'signal' must be an AbortSignal");
    if (lockName.startsWith('-')) throw domError('NotSupportedError', 'Lock names starting with "-" are reserved');
    if (steal && ifAvailable) throw domError('NotSupportedError', "'steal' and 'ifAvailable' cannot be used together");
    if (steal && mode !== 'exclusive') throw domError('NotSupportedError', "'steal' needs mode 'exclusive'");
    if (signal && (steal || ifAvailable)) throw domError('NotSupportedError', "'signal' cannot be used with 'steal' or 'ifAvailable'");
    if (signal?.aborted) throw signal.reason;
    if (steal) throw domError('NotSupportedError', "'steal' cannot be honoured: no process can take a kernel lock another process holds");

    const file = this.#file(lockName);
    const request: Request = { info: { name: lockName, mode, clientId: `${process.pid}:${threadId}` }, held: false };
    const mine = requests.get(this.#directory) ?? new Set();
    requests.set(this.#directory, mine.add(request));
    try {
      const shared = mode === 'shared';
      const acquire = () => (shared ? SharedLock.acquire(file, { signal }) : ExclusiveLock.acquire(file, { signal }));
      const tryAcquire = () => (shared ? SharedLock.tryAcquire(file) : ExclusiveLock.tryAcquire(file));
      const lock = ifAvailable ? await tryAcquire() : await acquire().catch((err) => {
        throw signal?.aborted ? signal.reason : err;
      });
      if (lock === null) {
        mine.delete(request);
        return await callback(null);
      }
      request.held = true;
      try {
        return await callback(new Lock(MAKE, lockName, mode));
      } finally {
        lock.release();
      }
    } finally {
      mine.delete(request);
      if (mine.size === 0) requests.delete(this.#directory);
    }
  }

  /**
   * This thread's held and pending requests on this manager's directory and, on Linux, every other holder the
   * kernel lists for its lock files (other threads and processes; `clientId` is then the pid).
   */
  async query(): Promise<LockManagerSnapshot> {
    const held: LockInfo[] = [];
    const pending: LockInfo[] = [];
    for (const r of requests.get(this.#directory) ?? []) (r.held ? held : pending).push({ ...r.info });
    const table = lockTable();
    if (table === null) return { held, pending };
    let files: string[];
    try {
      files = fs.readdirSync(this.#directory);
    } catch {
      return { held, pending };
    }
    const own = held.slice(); // this thread's grants, each also in the kernel's table once
    for (const file of files) {
      const full = path.join(this.#directory, file);
      const holders = table.get(fileKeyOfPath(full) ?? '');
      const name = holders ? (nameOfFile(file) ?? nameInFile(full)) : null;
      if (!holders || name === null) continue;
      for (const { pid, mode } of holders) {
        const mine = pid === process.pid ? own.findIndex((x) => x.name === name && x.mode === mode) : -1;
        if (mine >= 0) own.splice(mine, 1);
        else held.push({ name, mode, clientId: `${pid}`, pid });
      }
    }
    return { held, pending };
  }

  /** The lock file of `name`, in a directory made ready (and checked) on first use. */
  #file(name: string): string {
    if (!this.#ready) {
      this.#prepare();
      this.#ready = true;
    }
    const file = path.join(this.#directory, lockFileName(name));
    if (file.includes('~')) {
      try {
        fs.writeFileSync(file, name, { flag: 'wx' }); // a hashed name keeps the name itself, for query()
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
    }
    return file;
  }

  #prepare(): void {
    const dir = this.#directory;
    if (!this.#checked) {
      fs.mkdirSync(dir, { recursive: true });
      return;
    }
    try {
      fs.mkdirSync(dir, { mode: 0o700 });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    // A shared temporary directory: another user must not have made it, or be able to add files to it.
    const st = fs.lstatSync(dir);
    if (st.isSymbolicLink()) throw unsafe(dir, 'is a symbolic link');
    if (!st.isDirectory()) throw unsafe(dir, 'is not a directory');
    if (process.getuid && st.uid !== process.getuid()) throw unsafe(dir, `is owned by uid ${st.uid}, not by this user (uid ${process.getuid()})`);
    if (process.platform !== 'win32' && (st.mode & 0o077) !== 0) throw unsafe(dir, `has group or other permissions (mode ${(st.mode & 0o777).toString(8)})`);
  }
}

function nameInFile(file: string): string | null {
  try {
    return fs.readFileSync(file, 'utf8') || null;
  } catch {
    return null;
  }
}

/** The default manager: lock files in a per-user directory (see `LockManager`). */
export const locks = new LockManager();
