// `npm run demo`: several processes increment a counter in one JSON file (read, modify, write). Without a lock
// updates are lost; under an exclusive fs-flock lock on a lock file beside it, none are.
import { fork } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { flock, unlock } from './index';

const PROCESSES = 4;
const INCREMENTS = 500;

interface Data { count: number; byPid: Record<string, number> }

function update(file: string): void {
  const data = JSON.parse(fs.readFileSync(file, 'utf8')) as Data;
  data.count++;
  data.byPid[process.pid] = (data.byPid[process.pid] ?? 0) + 1;
  // Write-then-rename so readers never see a half-written file: atomic, yet it cannot prevent lost updates.
  fs.writeFileSync(`${file}.${process.pid}.tmp`, JSON.stringify(data));
  renameOver(`${file}.${process.pid}.tmp`, file);
}

// Windows refuses to replace a file that another process has open (EPERM or EACCES), as the readers do in the
// round without a lock: retry for a while there.
function renameOver(from: string, to: string): void {
  for (let attempt = 1; ; attempt++) {
    try {
      return fs.renameSync(from, to);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (process.platform !== 'win32' || (code !== 'EPERM' && code !== 'EACCES') || attempt >= 200) throw err;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1); // sleep 1 ms
    }
  }
}

async function worker(file: string, locked: boolean): Promise<void> {
  const lockFd = fs.openSync(`${file}.lock`, 'a+'); // a dedicated lock file: the data file itself is replaced
  for (let i = 0; i < INCREMENTS; i++) {
    if (locked) await flock(lockFd, 'ex');
    try {
      update(file);
    } finally {
      if (locked) unlock(lockFd);
    }
  }
  fs.closeSync(lockFd);
}

async function round(dir: string, locked: boolean): Promise<void> {
  const file = path.join(dir, locked ? 'locked.json' : 'unlocked.json');
  fs.writeFileSync(file, JSON.stringify({ count: 0, byPid: {} }));
  const started = process.hrtime.bigint();
  const children = Array.from({ length: PROCESSES }, () => fork(__filename, ['--worker', file, String(locked)]));
  await Promise.all(children.map((child) => new Promise<void>((resolve, reject) => {
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`worker exited with ${code}`))));
  })));
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  const data = JSON.parse(fs.readFileSync(file, 'utf8')) as Data;
  const expected = PROCESSES * INCREMENTS;
  const lost = expected - data.count;
  console.log(`${locked ? 'with LOCK_EX   ' : 'without a lock '}  count ${String(data.count).padStart(5)} of ${expected}` +
    `  lost updates: ${String(lost).padStart(4)}  ${ms.toFixed(0).padStart(5)} ms` +
    `  per process: ${Object.values(data.byPid).join(' / ')}`);
  if (locked && lost !== 0) process.exitCode = 1;
}

async function main(): Promise<void> {
  if (process.argv[2] === '--worker') return worker(process.argv[3], process.argv[4] === 'true');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fs-flock-demo-'));
  console.log(`${PROCESSES} processes each add 1 to a counter in one JSON file ${INCREMENTS} times (read, modify, write).`);
  try {
    await round(dir, false);
    await round(dir, true);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
