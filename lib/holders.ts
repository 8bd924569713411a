// The public holders() diagnostic.
import * as fs from 'node:fs';
import { holdersOf } from './proclocks';
import type { LockHolder } from './proclocks';
import { invalidArgValue } from './errors';
import { FdLike, isPathTarget, toFd } from './validate';

export type { LockHolder };

/**
 * The processes holding flock locks on a file (a path, fd or FileHandle), from /proc/locks: `[{ pid, mode }]`,
 * empty when nobody holds one. `null` where the platform cannot tell (everywhere but Linux).
 * @throws `ENOENT` and other errors from stat; argument errors as the other functions.
 */
export function holders(target: string | URL | Buffer | FdLike): LockHolder[] | null {
  if (isPathTarget(target) && target.toString().length === 0) throw invalidArgValue('target', target, 'must be a non-empty path');
  const st = isPathTarget(target)
    ? fs.statSync(target, { bigint: true })
    : fs.fstatSync(toFd(target, 'target'), { bigint: true });
  return holdersOf(`${st.dev}:${st.ino}`);
}
