/**
 * One writer per run or sweep directory: `<dir>/detlab.lock` names the
 * process that writes it (pid, host, start time, command). The lock's text is
 * written to a private file first, then hard-linked into place: link(2) fails
 * when the lock exists, as an O_EXCL create does, and the lock is never seen
 * half-written.
 *
 * A lock left by a process that is gone is stale and taken over with a note:
 * on this host, when its pid no longer runs (or runs a process started later,
 * a reused pid); from another host (a shared disk), when its holder has not
 * refreshed it for STALE_REMOTE_MS (holders touch it every HEARTBEAT_MS).
 * Any other lock refuses the second writer with the holder's identity.
 */
import { linkSync, readFileSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { UserError } from '../config/errors.js';

export const LOCK_FILE = 'detlab.lock';
const HEARTBEAT_MS = 30_000;
export const STALE_REMOTE_MS = 10 * 60_000;

export interface LockOwner {
  pid: number;
  host: string;
  startedAt: string;
  /** The process's start in clock ticks since boot (/proc/PID/stat), to tell a reused pid apart. */
  procStart?: string;
  command: string;
}

/** Field 22 of /proc/PID/stat: when the process started; undefined off Linux or when it does not run. */
function procStart(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readOwner(path: string): LockOwner | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as LockOwner;
  } catch {
    return undefined;
  }
}

/** Why the lock's holder is known to be gone, or undefined while it may still write. */
function staleBecause(path: string, holder: LockOwner): string | undefined {
  if (holder.host === hostname()) {
    if (!running(holder.pid)) return `pid ${holder.pid} no longer runs`;
    const now = procStart(holder.pid);
    if (holder.procStart !== undefined && now !== undefined && now !== holder.procStart) return `pid ${holder.pid} now belongs to a later process`;
    return undefined;
  }
  const idle = Date.now() - statSync(path).mtimeMs;
  return idle > STALE_REMOTE_MS ? `not refreshed for ${Math.round(idle / 60_000)} min` : undefined;
}

function describe(o: LockOwner): string {
  return `pid ${o.pid} on ${o.host}, started ${o.startedAt} (${o.command})`;
}

export class DirLock {
  private heartbeat?: NodeJS.Timeout;
  private readonly onExit = (): void => this.release();

  constructor(
    readonly path: string,
    readonly owner: LockOwner,
  ) {
    this.heartbeat = setInterval(() => {
      const now = new Date();
      try {
        utimesSync(this.path, now, now);
      } catch {
        // removed by hand: nothing to refresh
      }
    }, HEARTBEAT_MS);
    this.heartbeat.unref();
    process.once('exit', this.onExit);
  }

  /** Removes the lock if it is still this process's. Safe to call twice. */
  release(): void {
    if (this.heartbeat === undefined) return;
    clearInterval(this.heartbeat);
    this.heartbeat = undefined;
    process.removeListener('exit', this.onExit);
    const holder = readOwner(this.path);
    if (holder?.pid === this.owner.pid && holder.host === this.owner.host && holder.startedAt === this.owner.startedAt) rmSync(this.path, { force: true });
  }
}

/**
 * Makes this process the only writer of `dir` (a run or sweep directory);
 * `what` names the directory in messages. Throws a UserError naming the
 * holder when another live process writes it.
 */
export function lockDir(dir: string, what: string, log: (line: string) => void = () => undefined): DirLock {
  const path = join(dir, LOCK_FILE);
  const owner: LockOwner = { pid: process.pid, host: hostname(), startedAt: new Date().toISOString(), procStart: procStart(process.pid), command: process.argv.slice(1).join(' ') };
  const mine = `${path}.${process.pid}-${randomBytes(4).toString('hex')}`;
  writeFileSync(mine, `${JSON.stringify(owner)}\n`, { flag: 'wx' });
  try {
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        linkSync(mine, path);
        return new DirLock(path, owner);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      const holder = readOwner(path);
      if (holder === undefined) {
        // Unreadable: removed meanwhile (try again), or not a detlab lock (never touched).
        if (attempt < 4) continue;
        throw new UserError(`${path}: a lock file detlab cannot read; if no detlab process writes ${dir}, delete it and try again`);
      }
      const why = staleBecause(path, holder);
      if (why === undefined) {
        throw new UserError(
          `${dir}: this ${what} directory is being written by ${describe(holder)}; one process writes a ${what} at a time. ` +
            `Wait for it to end or stop it${holder.host === hostname() ? '' : `; if it is gone, delete ${path}`}`,
        );
      }
      // Moved aside under a unique name first, so that of two processes taking over the same stale lock only one removes it.
      const aside = `${path}.stale-${randomBytes(4).toString('hex')}`;
      try {
        renameSync(path, aside);
      } catch {
        continue;
      }
      const taken = readOwner(aside);
      if (taken?.pid !== holder.pid || taken.startedAt !== holder.startedAt) {
        // Another process took the stale lock over between our read and our rename: give its lock back.
        try {
          linkSync(aside, path);
        } catch {
          // a third process holds it now; the next attempt reads that one
        }
        rmSync(aside, { force: true });
        continue;
      }
      rmSync(aside, { force: true });
      log(`note: took over a stale lock of ${dir}: ${describe(holder)}; ${why}`);
    }
    throw new UserError(`${path}: could not take the lock after several attempts (other processes keep taking it)`);
  } finally {
    rmSync(mine, { force: true });
  }
}
