#!/usr/bin/env node
// fs-flock(1): util-linux flock(1) on every platform, built on the addon: the same usage, options, messages and
// exit codes (sysexits.h). Beyond flock(1): SIGINT, SIGTERM and SIGHUP reach the command, which keeps the lock
// until it ends; --verbose names the holders; on Windows commands run as cmd.exe would run them.
// It runs in loops, so it loads only what a run needs: node:child_process only when there is a command to run.
import type { ChildProcess, StdioOptions } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as util from 'node:util';
import { binding } from './binding';
import { LOCK_EX, LOCK_NB, LOCK_SH, LOCK_UN } from './constants';
import { openCreating } from './platform';

const NAME = 'fs-flock';
const isWindows = process.platform === 'win32';
// sysexits.h, as flock(1) uses them
const EX_USAGE = 64;
const EX_DATAERR = 65;
const EX_NOINPUT = 66;
const EX_UNAVAILABLE = 69;
const EX_OSERR = 71;
const EX_CANTCREAT = 73;

/** A line on stdout (--verbose). */
function say(line: string): void {
  try {
    fs.writeSync(1, `${NAME}: ${line}\n`);
  } catch {} // a closed stdout must not change the exit status
}

/** Ends the run: the message (and the --help hint) on stderr, as flock(1) words them. */
function exit(status: number, message?: string, tryHelp = false): never {
  const text = (message === undefined ? '' : `${NAME}: ${message}\n`) + (tryHelp ? `Try '${NAME} --help' for more information.\n` : '');
  try {
    if (text) fs.writeSync(2, text);
  } catch {}
  process.exit(status);
}

const usageError = (message?: string): never => exit(EX_USAGE, message, true);

// glibc's strerror() where libuv words it otherwise or not at all
const GLIBC: Record<string, string> = {
  EISDIR: 'Is a directory',
  ELOOP: 'Too many levels of symbolic links',
  ENAMETOOLONG: 'File name too long',
  ENOLCK: 'No locks available',
  ETXTBSY: 'Text file busy',
};

/** The name of a negative libuv-style error number (-errno on POSIX): 'ENOENT'. */
function errnoName(errno: number): string | undefined {
  if (isWindows) return util.getSystemErrorName(errno);
  const numbers = os.constants.errno;
  return Object.keys(numbers).find((n) => -numbers[n as keyof typeof numbers] === errno);
}

/** The strerror() text of a negative libuv-style error number. */
function strerror(errno: number): string {
  const name = errnoName(errno);
  if (name && GLIBC[name]) return GLIBC[name];
  const text = util.getSystemErrorMap().get(errno)?.[1];
  return text ? text[0].toUpperCase() + text.slice(1) : `Unknown error ${-errno}`;
}

interface Options {
  op: number;
  nonblock: boolean;
  timeout?: { sec: number; usec: number }; // as flock(1) parses -w; sec < 0 when its timer would refuse it
  conflictExitCode: number;
  close: boolean;
  noFork: boolean;
  verbose: boolean;
}

// getopt_long's table, in flock(1)'s order: a unique prefix of a name is that option, as glibc allows.
const LONG: [string, string][] = [
  ['shared', 's'], ['exclusive', 'x'], ['unlock', 'u'], ['nonblocking', 'n'], ['nb', 'n'], ['timeout', 'w'],
  ['wait', 'w'], ['conflict-exit-code', 'E'], ['close', 'o'], ['no-fork', 'F'], ['verbose', 'verbose'],
  ['help', 'h'], ['version', 'V'],
];
const SHORT = 'sexnoFuwEhV?';
const WITH_ARG = 'wE';

/** strtol(3)-style: leading white space, a sign, decimal digits and nothing after; flock(1)'s s32 range. */
function toInt32(text: string, what: string): number {
  const m = /^[ \t\n\v\f\r]*([+-]?\d+)$/.exec(text);
  if (!m) exit(EX_USAGE, `${what}: '${text}'`);
  const n = Number(m[1]);
  if (n < -(2 ** 31) || n >= 2 ** 31) exit(EX_USAGE, `${what}: '${text}': Numerical result out of range`);
  return n;
}

/** Seconds as strtold(3) reads them (decimal, hex, inf, nan), split into seconds and microseconds as flock(1) does. */
function toTimeval(text: string): { sec: number; usec: number } {
  const m = /^[ \t\n\v\f\r]*([+-]?)(?:(\d+\.?\d*(?:e[+-]?\d+)?|\.\d+(?:e[+-]?\d+)?)|0x([\da-f]*)\.?([\da-f]*)(?:p([+-]?\d+))?|(inf(?:inity)?|nan(?:\([\w]*\))?))$/i.exec(text);
  if (!m || (m[3] !== undefined && m[3] + m[4] === '')) exit(EX_USAGE, `invalid timeout value: '${text}'`);
  let value: number;
  if (m[2] !== undefined) value = Number(m[2]);
  else if (m[3] !== undefined) value = parseInt(m[3] + m[4] || '0', 16) * 2 ** (Number(m[5] ?? 0) - 4 * m[4].length);
  else value = /^inf/i.test(m[6]) ? Infinity : NaN;
  if (m[1] === '-') value = -value;
  const sec = Math.trunc(value);
  const usec = Math.trunc((value - sec) * 1e6);
  // timer_settime(2) refuses what is negative or not a number (EINVAL); so does a time_t overflow
  return Number.isFinite(value) && sec < 2 ** 63 && sec >= 0 && usec >= 0 ? { sec, usec } : { sec: -1, usec: 0 };
}

function help(): never {
  fs.writeSync(1, `
Usage:
 ${NAME} [options] <file>|<directory> <command> [<argument>...]
 ${NAME} [options] <file>|<directory> -c <command>
 ${NAME} [options] <file descriptor number>

Manage file locks from shell scripts: util-linux flock(1), on every platform.

Options:
 -s, --shared             get a shared lock
 -x, --exclusive          get an exclusive lock (default)
 -u, --unlock             remove a lock
 -n, --nonblock           fail rather than wait
 -w, --timeout <secs>     wait for a limited amount of time
 -E, --conflict-exit-code <number>  exit code after conflict or timeout
 -o, --close              close file descriptor before running command
 -c, --command <command>  run a single command string through the shell
 -F, --no-fork            execute command without forking (POSIX, Node 22.15+)
     --verbose            increase verbosity; on a conflict, name the holders

 -h, --help               display this help
 -V, --version            display version

SIGINT, SIGTERM and SIGHUP are passed on to the command, which keeps the lock until it ends.
On Windows, -c runs the command with cmd.exe, and a file descriptor number cannot be locked.
`);
  process.exit(0);
}

/** Applies one option, as flock(1)'s getopt loop does: later ones win, -h and -V act at once. */
function apply(o: Options, key: string, value: string): void {
  if (key === 's') o.op = LOCK_SH;
  else if (key === 'x' || key === 'e') o.op = LOCK_EX;
  else if (key === 'u') o.op = LOCK_UN;
  else if (key === 'n') o.nonblock = true;
  else if (key === 'o') o.close = true;
  else if (key === 'F') o.noFork = true;
  else if (key === 'verbose') o.verbose = true;
  else if (key === 'w') o.timeout = toTimeval(value);
  else if (key === 'E') {
    o.conflictExitCode = toInt32(value, 'invalid exit code');
    if (o.conflictExitCode < 0 || o.conflictExitCode > 255) exit(EX_USAGE, 'exit code out of range (expected 0 to 255)');
  } else if (key === 'h') help();
  else if (key === 'V') {
    const { version } = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8'));
    fs.writeSync(1, `${NAME} ${version} (util-linux flock(1) compatible)\n`);
    process.exit(0);
  } else usageError(); // -?
}

/** getopt_long(argc, argv, "+sexnoFuw:E:hV?", ...): options up to the first operand; returns the operands. */
function parse(argv: string[], o: Options): string[] {
  let i = 0;
  for (; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') return argv.slice(i + 1);
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const name = a.slice(2, eq < 0 ? undefined : eq);
      const matches = LONG.filter(([n]) => n.startsWith(name));
      const found = LONG.find(([n]) => n === name) ?? matches[0];
      if (!found) usageError(`unrecognized option '${a}'`);
      const others = found[0] === name ? [] : matches.filter(([, key]) => key !== found[1]);
      if (others.length > 0) usageError(`option '${a}' is ambiguous; possibilities:${[found, ...others].map(([n]) => ` '--${n}'`).join('')}`);
      const [long, key] = found;
      let value = '';
      if (eq >= 0) {
        if (!WITH_ARG.includes(key)) usageError(`option '--${long}' doesn't allow an argument`);
        value = a.slice(eq + 1);
      } else if (WITH_ARG.includes(key)) {
        if (i + 1 >= argv.length) usageError(`option '--${long}' requires an argument`);
        value = argv[++i];
      }
      apply(o, key, value);
      continue;
    }
    if (a.length < 2 || a[0] !== '-') break;
    for (let j = 1; j < a.length; j++) {
      const c = a[j];
      if (!SHORT.includes(c)) usageError(`invalid option -- '${c}'`);
      if (!WITH_ARG.includes(c)) {
        apply(o, c, '');
        continue;
      }
      let value = a.slice(j + 1);
      if (value === '') {
        if (i + 1 >= argv.length) usageError(`option requires an argument -- '${c}'`);
        value = argv[++i];
      }
      apply(o, c, value);
      break;
    }
  }
  return argv.slice(i);
}

/** Opens the lock file as flock(1) does: created if missing, read-only, and a directory opened as one. */
function openLockFile(file: string): number {
  const { O_RDONLY, O_CREAT, O_NOCTTY = 0 } = fs.constants;
  try {
    try {
      return openCreating(file, O_RDONLY | O_NOCTTY | O_CREAT, 0o666); // EEXIST: a lost creation race (MooseFS)
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EISDIR') throw err;
      return fs.openSync(file, O_RDONLY | O_NOCTTY);
    }
  } catch (err) {
    const { code = '', errno = 0 } = err as NodeJS.ErrnoException;
    const status = ['ENOMEM', 'EMFILE', 'ENFILE'].includes(code) ? EX_OSERR : ['EROFS', 'ENOSPC'].includes(code) ? EX_CANTCREAT : EX_NOINPUT;
    exit(status, `cannot open lock file ${file}: ${strerror(errno)}`);
  }
}

/**
 * Refuses, as not open (EBADF), an fd number that the caller cannot have passed. Node holds fds of its own (epoll,
 * eventfd, pipes, which flock(2) would lock just as well) where the caller's shell had none, so above stdio only a
 * file or a directory is taken as the caller's.
 */
function checkInherited(fd: number): void {
  try {
    const st = fs.fstatSync(fd);
    if (fd <= 2 || st.isFile() || st.isDirectory()) return;
  } catch {} // not open, or negative
  exit(EX_DATAERR, `${fd}: ${strerror(-os.constants.errno.EBADF)}`);
}

/** Takes the lock: 0, or a negative error (EAGAIN: held elsewhere; ETIMEDOUT: the timeout ran out). */
function lock(fd: number, o: Options): number {
  if (o.op === LOCK_UN) return binding.unlock(fd);
  const ms = o.timeout ? o.timeout.sec * 1000 + Math.ceil(o.timeout.usec / 1000) : Infinity;
  if (o.nonblock || ms > 2 ** 31 - 1) return binding.lock(fd, o.op | (o.nonblock ? LOCK_NB : 0));
  const r = binding.lock(fd, o.op | LOCK_NB); // a free lock needs no waiting thread
  return r === binding.codes.EAGAIN ? binding.lockTimed(fd, o.op, ms) : r;
}

/** The processes holding the file, for --verbose: "pid 1234 (exclusive), ..." or null where nobody can tell. */
function holdersText(fd: number): string | null {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { holdersOf }: typeof import('./proclocks') = require('./proclocks');
  const st = fs.fstatSync(fd, { bigint: true });
  const list = holdersOf(`${st.dev}:${st.ino}`);
  return list && list.length > 0 ? list.map((h) => `pid ${h.pid} (${h.mode})`).join(', ') : null;
}

/** For --verbose: how far the lock reaches, from lockReach(). */
function reachText(fd: number, operands: string[]): string {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { lockReach }: typeof import('./reach') = require('./reach');
  const { reach, filesystem } = lockReach(fd);
  const how = { machine: 'this machine only', network: 'every machine that mounts it', unknown: 'as far as the filesystem takes them (fs-flock cannot tell)' }[reach];
  return `${operands.length > 1 ? operands[0] : `fd ${fd}`} is on ${filesystem}: its locks reach ${how}`;
}

/** How cmd.exe finds a command: the current directory, then PATH, trying each PATHEXT extension. */
function findOnWindowsPath(name: string): string | undefined {
  const exts = (process.env.PATHEXT || '.COM;.EXE;.BAT;.CMD').split(';').filter(Boolean);
  const names = exts.some((e) => name.toUpperCase().endsWith(e.toUpperCase())) ? [name] : exts.map((e) => name + e);
  const dirs = /[\\/:]/.test(name) ? [''] : ['', ...(process.env.PATH || '').split(';').filter(Boolean)];
  for (const dir of dirs) {
    for (const n of names) {
      const candidate = path.join(dir, n);
      if (fs.statSync(candidate, { throwIfNoEntry: false })?.isFile()) return candidate;
    }
  }
  return undefined;
}

const CMD_META = /[()\][%!^"`<>&|;, *?]/g;
const caret = (s: string): string => s.replace(CMD_META, '^$&');
/** An argument quoted for the C runtime's parser (CommandLineToArgvW rules). */
const quote = (s: string): string => `"${s.replace(/(\\*)"/g, '$1$1\\"').replace(/(\\*)$/, '$1$1')}"`;
const comspec = (): string => process.env.ComSpec || 'cmd.exe';

/**
 * A command as Windows runs it: an .exe directly; a .cmd or .bat (npm, npx, ...) through cmd.exe, which reads the
 * line twice (once itself, once when the script expands %*), so each argument is escaped for both.
 */
function windowsCommand(argv: string[]): [string, string[], boolean] | undefined {
  const file = findOnWindowsPath(argv[0]);
  if (file === undefined) return undefined;
  if (!/\.(bat|cmd)$/i.test(file)) return [file, argv.slice(1), false];
  const line = [`"${file}"`, ...argv.slice(1).map((a) => caret(caret(quote(a))))].join(' ');
  return [comspec(), ['/d', '/s', '/c', `"${line}"`], true];
}

/** execvp(3)'s search: a name with a slash as it is, else the first executable file of that name on PATH. */
function findOnPath(name: string): { file?: string; error?: 'EACCES' | 'ENOENT' } {
  let error: 'EACCES' | 'ENOENT' = 'ENOENT';
  for (const dir of name.includes('/') ? [''] : (process.env.PATH ?? '/bin:/usr/bin').split(':')) {
    const file = name.includes('/') ? name : path.join(dir || '.', name); // an empty entry is the cwd
    try {
      fs.accessSync(file, fs.constants.X_OK);
      if (fs.statSync(file).isFile()) return { file };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EACCES') error = 'EACCES'; // found, but not executable
    }
  }
  return { error };
}

/** -F: the command replaces this process (process.execve) and inherits the locked fd. */
function execCommand(argv: string[], fd: number): never {
  const { file, error } = findOnPath(argv[0]);
  if (file === undefined) exit(EX_UNAVAILABLE, `failed to execute ${argv[0]}: ${strerror(-os.constants.errno[error!])}`);
  const r = binding.keepOnExec(fd);
  if (r !== 0) exit(EX_OSERR, `${fd}: ${strerror(r)}`);
  // execve(2) fails on a script without "#!" (execvp runs it with /bin/sh), and Node aborts when execve fails
  const execve = (process as unknown as { execve(file: string, args: string[], env: NodeJS.ProcessEnv): never }).execve;
  return isScript(file) ? execve('/bin/sh', ['sh', file, ...argv.slice(1)], process.env) : execve(file, argv, process.env);
}

/** Whether execve(2) would refuse the file as ENOEXEC: neither "#!" nor an ELF or Mach-O header. */
function isScript(file: string): boolean {
  const head = Buffer.alloc(4);
  try {
    const fd = fs.openSync(file, 'r');
    try {
      fs.readSync(fd, head, 0, 4, 0);
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return false; // executable but not readable: only a binary can run so
  }
  const magic = head.toString('latin1');
  return !magic.startsWith('#!') && !/^(\x7fELF|\xca\xfe\xba\xbe|\xce\xfa\xed\xfe|\xcf\xfa\xed\xfe|\xfe\xed\xfa[\xce\xcf])$/.test(magic);
}

/** Runs the command with the lock held; exits with its status, or 128 + the signal that ended it. */
function runCommand(argv: string[], verbatim: boolean, fd: number, o: Options): void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { spawn }: typeof import('node:child_process') = require('node:child_process');
  const resolved = !isWindows || verbatim ? ([argv[0], argv.slice(1), verbatim] as const) : windowsCommand(argv);
  if (resolved === undefined) exit(EX_UNAVAILABLE, `failed to execute ${argv[0]}: No such file or directory`);
  function failed(err: NodeJS.ErrnoException): never {
    const why = typeof err.errno === 'number' ? strerror(err.errno) : err.message;
    exit(err.code === 'ENOMEM' ? EX_OSERR : EX_UNAVAILABLE, `failed to execute ${argv[0]}: ${why}`);
  }
  // The command inherits the locked open file (as fd 3), as it does from flock(1), unless -o. On Windows a lock
  // belongs to this process alone, so there is nothing to inherit.
  const stdio: StdioOptions = o.close || isWindows ? 'inherit' : ['inherit', 'inherit', 'inherit', fd];
  let child: ChildProcess;
  try {
    child = spawn(resolved[0], resolved[1], { stdio, windowsVerbatimArguments: resolved[2] });
  } catch (err) {
    failed(err as NodeJS.ErrnoException);
  }
  child.on('error', failed);
  child.on('exit', (code, signal) => process.exit(code ?? 128 + (signal ? os.constants.signals[signal] : 0)));
  // Pass the signals on and keep the lock until the command ends. A Windows console sends Ctrl+C to the command
  // itself, and kill() there would terminate it: only stay alive.
  for (const signal of isWindows ? ['SIGINT', 'SIGBREAK', 'SIGHUP'] : ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(signal, () => {
      if (!isWindows) child.kill(signal as NodeJS.Signals);
    });
  }
}

function main(argv: string[]): void {
  if (argv.length < 1) usageError('not enough arguments');
  const o: Options = { op: LOCK_EX, nonblock: false, conflictExitCode: 1, close: false, noFork: false, verbose: false };
  const operands = parse(argv, o);
  if (o.noFork && o.close) exit(EX_USAGE, 'the --no-fork and --close options are incompatible');

  let command: string[] | undefined;
  let verbatim = false; // a Windows -c line, passed to cmd.exe as it is
  let fd: number;
  if (operands.length > 1) {
    const [file, first] = operands;
    if (first === '-c' || first === '--command') {
      if (operands.length !== 3) exit(EX_USAGE, `${first} requires exactly one command argument`);
      command = isWindows ? [comspec(), '/d', '/s', '/c', `"${operands[2]}"`] : [process.env.SHELL || '/bin/sh', '-c', operands[2]];
      verbatim = isWindows;
    } else {
      command = operands.slice(1);
    }
    if (o.noFork && isWindows) exit(EX_USAGE, '--no-fork needs exec(), which Windows does not have');
    if (o.noFork && typeof (process as { execve?: unknown }).execve !== 'function') {
      exit(EX_USAGE, `--no-fork needs process.execve (Node 22.15, 23.11 or later); this is Node ${process.versions.node}`);
    }
    fd = openLockFile(file);
    if (isWindows && fs.fstatSync(fd).isDirectory()) exit(EX_DATAERR, `${file}: a directory cannot be locked on Windows, where LockFileEx locks files only`);
  } else if (operands.length === 1) {
    fd = toInt32(operands[0], 'bad file descriptor');
    // A Windows lock belongs to the handle and the process that took it, and ends with this process.
    if (isWindows) exit(EX_USAGE, 'a file descriptor number cannot be locked on Windows, where a lock ends with the process that took it; name a file');
    checkInherited(fd);
  } else {
    exit(EX_USAGE, 'requires file descriptor, file or directory');
  }

  if (o.timeout && o.timeout.sec < 0) exit(EX_OSERR, 'cannot set up timer: Invalid argument');
  if (o.timeout && o.timeout.sec === 0 && o.timeout.usec === 0) o.nonblock = true; // -w 0 is -n
  const started = process.hrtime.bigint();
  const r = lock(fd, o);
  if (r === binding.codes.EAGAIN || r === binding.codes.ETIMEDOUT) {
    if (!o.verbose) exit(o.conflictExitCode);
    const held = holdersText(fd);
    const why = r === binding.codes.EAGAIN ? 'failed to get lock' : 'timeout while waiting to get lock';
    exit(o.conflictExitCode, [why, ...(held ? [`held by ${held}`] : []), reachText(fd, operands)].join(`\n${NAME}: `));
  }
  if (r !== 0) {
    const name = errnoName(r);
    exit(name === 'ENOLCK' || name === 'ENOMEM' ? EX_OSERR : EX_DATAERR, `${operands.length > 1 ? operands[0] : fd}: ${strerror(r)}`);
  }
  if (o.verbose) {
    const us = (process.hrtime.bigint() - started) / 1000n;
    say(`getting lock took ${us / 1000000n}.${String(us % 1000000n).padStart(6, '0')} seconds`);
    say(reachText(fd, operands));
  }
  if (command === undefined) return;
  if (o.verbose) say(`executing ${command[0]}`);
  if (o.noFork) execCommand(command, fd);
  runCommand(command, verbatim, fd, o);
}

main(process.argv.slice(2));
