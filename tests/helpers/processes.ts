/**
 * detlab processes for the tests that run the CLI as a user would: each in its
 * own process group (so cleanup also reaches its trial processes), its output
 * in a log file, every wait bounded.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '../../..');
export const DETLAB = join(ROOT, 'bin/detlab.js');

export interface Started {
  child: ChildProcess;
  log: string;
  exit: Promise<number | null>;
}

const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of live) killGroup(child, 'SIGKILL');
});

export function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    if (child.pid !== undefined) process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

export function startDetlab(args: string[], opts: { cwd: string; env: NodeJS.ProcessEnv; log: string }): Started {
  const fd = openSync(opts.log, 'a');
  const child = spawn(process.execPath, [DETLAB, ...args], { cwd: opts.cwd, env: { ...process.env, ...opts.env }, stdio: ['ignore', fd, fd], detached: true });
  closeSync(fd);
  live.add(child);
  const exit = new Promise<number | null>((r) => child.once('exit', (code) => {
    live.delete(child);
    r(code);
  }));
  return { child, log: opts.log, exit };
}

/** Kills every process group started here that is still alive (for `after` hooks). */
export async function killAll(): Promise<void> {
  const children = [...live];
  for (const child of children) killGroup(child, 'SIGKILL');
  await Promise.all(children.map((c) => (c.exitCode !== null || c.signalCode !== null ? undefined : new Promise((r) => c.once('exit', r)))));
}

export function readLog(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

/** Waits for the process to exit, failing with its log if it takes longer than `ms`. */
export async function exitWithin(p: Started, ms: number): Promise<number | null> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), ms)));
  const result = await Promise.race([p.exit, timeout]);
  clearTimeout(timer);
  if (result === 'timeout') {
    killGroup(p.child, 'SIGKILL');
    throw new Error(`${p.log}: still running after ${ms} ms:\n${readLog(p.log).slice(-3000)}`);
  }
  return result;
}

export async function waitFor<T>(what: string, ms: number, probe: () => T | undefined | false | Promise<T | undefined | false>): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Pids of live processes whose command line contains every one of `words`. */
export function processesWith(...words: string[]): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let cmd: string;
    try {
      cmd = readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0').join(' ');
    } catch {
      continue;
    }
    if (words.every((w) => cmd.includes(w))) out.push(Number(name));
  }
  return out;
}

/**
 * Sends `signal` to the process (or its whole group, as Ctrl-C does) while the
 * group is frozen with SIGSTOP, after reading `probe`: the probe sees exactly
 * the state the signal arrives in, whatever the machine's load.
 */
export function signalFrozen<T>(p: Started, signal: NodeJS.Signals, to: 'group' | 'process', probe: () => T): T {
  killGroup(p.child, 'SIGSTOP');
  try {
    const seen = probe();
    if (to === 'group') killGroup(p.child, signal);
    else p.child.kill(signal);
    return seen;
  } finally {
    killGroup(p.child, 'SIGCONT');
  }
}
