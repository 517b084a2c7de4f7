import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { UserError } from '../../src/cli/command.js';
import { LOCK_FILE, STALE_REMOTE_MS, lockDir, type LockOwner } from '../../src/train/dir_lock.js';

function fresh(): string {
  return mkdtempSync(join(tmpdir(), 'detlab-lock-'));
}

/** The pid of a process that has exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
  return Number(child.stdout.toString());
}

function writeLock(dir: string, owner: Partial<LockOwner>): void {
  const full: LockOwner = { pid: process.pid, host: hostname(), startedAt: '2026-01-01T00:00:00.000Z', command: 'detlab train x.yaml', ...owner };
  writeFileSync(join(dir, LOCK_FILE), `${JSON.stringify(full)}\n`);
}

test('a second writer of a locked directory is refused with the holder named; release lets the next one in', () => {
  const dir = fresh();
  try {
    const first = lockDir(dir, 'run');
    const holder = JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8')) as LockOwner;
    assert.equal(holder.pid, process.pid);
    assert.equal(holder.host, hostname());
    assert.throws(() => lockDir(dir, 'run'), (err: Error) => {
      assert.ok(err instanceof UserError);
      assert.match(err.message, new RegExp(`this run directory is being written by pid ${process.pid} on ${hostname()}, started ${holder.startedAt}`));
      return true;
    });
    first.release();
    assert.ok(!existsSync(join(dir, LOCK_FILE)));
    lockDir(dir, 'run').release();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a stale lock (its pid gone, or reused by a later process) is taken over and named', () => {
  const dir = fresh();
  try {
    const pid = deadPid();
    writeLock(dir, { pid });
    const notes: string[] = [];
    const lock = lockDir(dir, 'run', (l) => notes.push(l));
    assert.deepEqual(notes, [`note: took over a stale lock of ${dir}: pid ${pid} on ${hostname()}, started 2026-01-01T00:00:00.000Z (detlab train x.yaml); pid ${pid} no longer runs`]);
    assert.equal((JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8')) as LockOwner).pid, process.pid);
    lock.release();

    writeLock(dir, { procStart: '1' });
    const reused: string[] = [];
    lockDir(dir, 'run', (l) => reused.push(l)).release();
    assert.match(reused[0], new RegExp(`pid ${process.pid} now belongs to a later process$`));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a lock from another host holds while it is refreshed and is stale after STALE_REMOTE_MS', () => {
  const dir = fresh();
  try {
    writeLock(dir, { host: 'elsewhere', pid: 4242 });
    assert.throws(() => lockDir(dir, 'sweep'), /being written by pid 4242 on elsewhere.*one process writes a sweep at a time.*if it is gone, delete .*detlab\.lock/);
    const old = new Date(Date.now() - STALE_REMOTE_MS - 60_000);
    utimesSync(join(dir, LOCK_FILE), old, old);
    const notes: string[] = [];
    lockDir(dir, 'sweep', (l) => notes.push(l)).release();
    assert.match(notes[0], /pid 4242 on elsewhere.*not refreshed for 11 min$/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('releasing a lock another process has taken over leaves theirs in place', () => {
  const dir = fresh();
  try {
    const lock = lockDir(dir, 'run');
    writeLock(dir, { pid: process.pid, startedAt: '2030-01-01T00:00:00.000Z' });
    lock.release();
    assert.ok(existsSync(join(dir, LOCK_FILE)));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
