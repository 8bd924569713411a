// Platform facts in one place: syscall names, opening a lock file, the identity of an open file, and what the
// kernel says an open file description holds.
import * as fs from 'node:fs';
import * as nodePath from 'node:path';
import * as os from 'node:os';

const isWindows = process.platform === 'win32';
export const LOCK_SYSCALL = isWindows ? 'LockFileEx' : 'flock';
export const UNLOCK_SYSCALL = isWindows ? 'UnlockFileEx' : 'flock';

/**
 * open(2), surviving what a distributed filesystem reports for a lost race of an O_CREAT open (without O_EXCL):
 * EEXIST when another client created the file first (MooseFS: 3-10 times in 800 fresh files created from two
 * clients at once), ENOENT when another client removed it between lookup and open (GlusterFS, with
 * removeOnRelease) while its directory is there. Either way the next open settles it; after 100 tries, or for a
 * missing directory, the error is thrown.
 */
export function openCreating(path: string | Buffer, flags: number, mode?: number): number {
  for (let tries = 1; ; tries++) {
    try {
      return fs.openSync(path, flags, mode);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      const raced = code === 'EEXIST' || (code === 'ENOENT' && fs.existsSync(nodePath.dirname(path.toString())));
      if (!raced || !(flags & fs.constants.O_CREAT) || tries >= 100) throw err;
    }
  }
}

/**
 * Whether an error from locking (or fstat of) an open file says that another client of a distributed filesystem
 * removed the file: GlusterFS answers ESTALE or ENOENT there, where a local filesystem goes on with the unlinked
 * inode. Only removeOnRelease, whose holders remove the file, takes it as "open the path again".
 */
export function removedElsewhere(err: unknown): boolean {
  const errno = (err as { errno?: number }).errno;
  return process.platform !== 'win32' && (errno === -os.constants.errno.ESTALE || errno === -os.constants.errno.ENOENT);
}

/** The identity of an open file, `device:inode`: what an fd must still name before fs-flock acts on it again. */
export function fileKey(fd: number): string {
  const st = fs.fstatSync(fd, { bigint: true });
  return `${st.dev}:${st.ino}`;
}

/** `fileKey(fd)`, or `null` when `fd` is no longer open. */
export function fileKeyOrNull(fd: number): string | null {
  try {
    return fileKey(fd);
  } catch {
    return null;
  }
}

/**
 * Whether this open file description itself holds a flock lock: Linux lists a file's own locks in
 * /proc/self/fdinfo. `null` where the platform cannot tell.
 */
export function holdsLock(fd: number): boolean | null {
  if (process.platform !== 'linux') return null;
  let info = -1;
  try {
    info = fs.openSync(`/proc/self/fdinfo/${fd}`, 'r');
    const n = fs.readSync(info, fdinfo, 0, fdinfo.length, null);
    return /^lock:\s.*\bFLOCK\b/m.test(fdinfo.toString('latin1', 0, n));
  } catch {
    return null;
  } finally {
    if (info >= 0) fs.closeSync(info);
  }
}

const fdinfo = Buffer.alloc(4096); // pos, flags, mnt_id, ino, then one line per lock
