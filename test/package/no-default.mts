// ESM has no default export: importing one must not type-check (module: nodenext only).
// @ts-expect-error: fs-flock has named exports only
import fsFlock from 'fs-flock';

export const unused = fsFlock;
