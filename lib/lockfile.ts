// The lock-file protocol of the lock objects: opening a target, checking that an fd still names the file it
// was opened on, the removeOnRelease checks, and closing what fs-flock opened.
import * as fs from 'node:fs';
import * as nodePath from 'node:path';
import { fileURLToPath } from 'node:url';
import { isMainThread } from 'node:worker_threads';
import { binding } from './binding';
import { invalidArgValue, systemErrorNamed } from './errors';
import { fileKey, fileKeyOrNull, openCreating, removedElsewhere } from './platform';
import { isPathTarget, toFd } from './validate';

export interface LockFile {
  readonly fd: number;
  /** The absolute path when fs-flock opened the file (and so owns the fd), else null. */
  readonly path: string | Buffer | null;
  readonly key: string;
  readonly create: boolean;
  readonly mode: number;
  readonly removeOnRelease: boolean;
}

export interface OpenOptions {
  create: boolean;
  mode: number;
  removeOnRelease: boolean;
}

/** An absolute form of a path target. A Buffer stays raw bytes on POSIX, as Node's fs treats it. */
function absolute(target: string | URL | Buffer): string | Buffer {
  if (target instanceof URL) return fileURLToPath(target);
  if (!Buffer.isBuffer(target)) return nodePath.resolve(target);
  if (process.platform === 'win32') return nodePath.resolve(target.toString());
  return target[0] === 0x2f ? target : Buffer.concat([Buffer.from(`${process.cwd()}/`), target]);
}

/** Whether the addon keeps an fd of this lock file for the teardown of this worker (see openLockFile). */
const owned = (file: LockFile): boolean => file.path !== null && !isMainThread;

/**
 * Opens a path read-write (so exclusive locks work on NFS), never truncating; or takes an fd as it is. In a worker,
 * a path's fd is registered with the addon, which unlocks it if the worker ends before fs-flock closes it: Bun,
 * unlike Node and Deno, does not close a terminated worker's fds, and their locks would otherwise outlive the
 * worker. (The main thread ends with the process, which releases everything: no fstat on its every acquire.)
 */
export function openLockFile(target: string | URL | Buffer | number | { fd: number }, opts: OpenOptions): LockFile {
  const file = openTarget(target, opts);
  if (owned(file)) binding.own(file.fd);
  return file;
}

function openTarget(target: string | URL | Buffer | number | { fd: number }, opts: OpenOptions): LockFile {
  if (!isPathTarget(target)) {
    const fd = toFd(target, 'target');
    return { fd, path: null, key: fileKey(fd), create: false, mode: 0, removeOnRelease: false };
  }
  if (target.toString().length === 0) throw invalidArgValue('target', target, 'must be a non-empty path');
  const path = absolute(target);
  for (;;) {
    const fd = openCreating(path, fs.constants.O_RDWR | (opts.create ? fs.constants.O_CREAT : 0), opts.mode);
    let st: fs.BigIntStats;
    try {
      st = fs.fstatSync(fd, { bigint: true });
    } catch (err) {
      closeFd(fd);
      if (opts.removeOnRelease && removedElsewhere(err)) continue; // removed through another client as it was opened
      throw err;
    }
    try {
      const key = `${st.dev}:${st.ino}`;
      // Some platforms (Wine) open a directory read-write; refuse it the way Linux's open(2) does.
      if (st.isDirectory()) throw Object.assign(systemErrorNamed('EISDIR', 'open', 'illegal operation on a directory'), { path });
      if (!opts.removeOnRelease) return { fd, path, key, ...pick(opts) };
      if (st.nlink === 0n && fileKeyOfPath(path) === key) {
        // /proc/self/fd/N of a deleted file: the path can never name a linked file, so retrying would never end.
        throw Object.assign(systemErrorNamed('ENOENT', 'open', 'removeOnRelease: the path names a file with no links'), { path });
      }
      // Removal unlinks a name: the file's own, never that of a symlink leading to it.
      const real = realpath(path) ?? path;
      if (fileKeyOfPath(real) === key) return { fd, path: real, key, ...pick(opts) };
    } catch (err) {
      closeFd(fd);
      throw err;
    }
    closeFd(fd); // the file was removed or a link changed while it was opened: open again
  }
}

function realpath(path: string | Buffer): string | Buffer | null {
  try {
    return Buffer.isBuffer(path) ? fs.realpathSync.native(path, { encoding: 'buffer' }) : fs.realpathSync.native(path);
  } catch {
    return null;
  }
}

function pick(opts: OpenOptions): OpenOptions {
  return { create: opts.create, mode: opts.mode, removeOnRelease: opts.removeOnRelease };
}

/** The file a path names now (device:inode), or null when it names none. */
export function fileKeyOfPath(path: string | Buffer): string | null {
  try {
    const st = fs.statSync(path, { bigint: true });
    return `${st.dev}:${st.ino}`;
  } catch {
    return null;
  }
}

/** Whether the fd still names the file it was opened on (and was not closed, its number reused, behind our back). */
export function sameFile(file: LockFile): boolean {
  return fileKeyOrNull(file.fd) === file.key;
}

/** With removeOnRelease: is the locked file still the one the path names? (A releasing holder may have unlinked it.) */
export function stillLinked(file: LockFile): boolean {
  if (!file.removeOnRelease || file.path === null) return true;
  let mine: fs.BigIntStats;
  try {
    mine = fs.fstatSync(file.fd, { bigint: true });
  } catch (err) {
    if (removedElsewhere(err)) return false; // removed through another client
    throw err;
  }
  return mine.nlink > 0n && fileKeyOfPath(file.path) === `${mine.dev}:${mine.ino}`;
}

/** With removeOnRelease, deletes the file while it is still locked (a waiter then finds its inode unlinked). */
export function removeLockFile(file: LockFile): unknown {
  if (!file.removeOnRelease || file.path === null || !stillLinked(file)) return null;
  try {
    fs.unlinkSync(file.path);
    return null;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ENOENT' ? null : err;
  }
}

export function closeLockFile(file: LockFile): void {
  if (file.path === null) return;
  if (owned(file)) binding.disown(file.fd);
  closeFd(file.fd);
}

/**
 * close(2) of a lock file's fd. The fd is gone whatever close says (Linux, POSIX.1-2024), and a lock file has no
 * data to lose: a distributed filesystem's complaint (GlusterFS: ESTALE, ENOENT for a file another client removed)
 * is not the caller's failure. EBADF is: something closed the fd behind fs-flock's back.
 */
function closeFd(fd: number): void {
  try {
    fs.closeSync(fd);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EBADF') throw err;
  }
}

/** A lock object's fd was found closed behind its back: it is no longer fs-flock's to unlock. */
export function lostLockFile(file: LockFile): void {
  if (owned(file)) binding.disown(file.fd);
}
