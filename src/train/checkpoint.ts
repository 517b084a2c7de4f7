/**
 * Checkpoints: one directory per save, `checkpoints/iter_000050/` holding
 * `tensors.safetensors` (weights, buffers, optimizer slots) and `state.json`
 * (iteration, RNG, loader position, optimizer scalars, schedules, hook
 * state). The directory is assembled under a temporary name, every file
 * fsynced, then renamed into place: a checkpoint either exists whole or not
 * at all, so a crash or a NaN stop leaves the last good one untouched.
 * state.json records the sha256 of the tensors file, checked on load: a
 * damaged checkpoint is an error naming the file and the newest intact
 * checkpoint of the run, never weights loaded silently.
 */
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import { UserError } from '../config/errors.js';
import type { Tensor } from '../engine/tf.js';
import { readSafetensors, writeSafetensorsTo } from '../nn/safetensors.js';

export const CHECKPOINT_FORMAT = 'detlab-checkpoint/1';

export interface CheckpointState {
  format: typeof CHECKPOINT_FORMAT;
  /** Completed iterations: resuming continues with 0-based iteration `iter`. */
  iter: number;
  maxIters: number;
  rng: number[];
  loader: unknown;
  optimizers: Record<string, { type: string; state: Record<string, unknown> }>;
  schedules: Record<string, string>;
  hooks: Record<string, unknown>;
  savedAt: string;
  /** sha256 (hex) of each other file of the checkpoint; absent in checkpoints written before it was recorded. */
  files?: Record<string, { sha256: string; bytes: number }>;
}

const TENSORS_FILE = 'tensors.safetensors';

export function checkpointName(iter: number, tag?: string): string {
  return tag ?? `iter_${String(iter).padStart(6, '0')}`;
}

/** Writes a checkpoint atomically; an existing one of the same name is replaced. Returns its directory. */
export function saveCheckpoint(checkpointsDir: string, name: string, tensors: ReadonlyMap<string, Tensor>, state: CheckpointState): string {
  mkdirSync(checkpointsDir, { recursive: true });
  const final = join(checkpointsDir, name);
  const tmp = join(checkpointsDir, `.${name}.tmp-${process.pid}-${randomBytes(3).toString('hex')}`);
  mkdirSync(tmp);
  try {
    writeSynced(join(tmp, TENSORS_FILE), (fd) => writeSafetensorsTo(fd, tensors, { format: CHECKPOINT_FORMAT }));
    const files = { [TENSORS_FILE]: fileDigest(join(tmp, TENSORS_FILE)) };
    writeSynced(join(tmp, 'state.json'), (fd) => writeSync(fd, `${JSON.stringify({ ...state, files }, null, 1)}\n`));
    fsyncDir(tmp);
    if (existsSync(final)) {
      const old = `${tmp}.old`;
      renameSync(final, old);
      renameSync(tmp, final);
      rmSync(old, { recursive: true, force: true });
    } else {
      renameSync(tmp, final);
    }
    fsyncDir(checkpointsDir);
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
  return final;
}

export interface LoadedCheckpoint {
  dir: string;
  state: CheckpointState;
  /** The caller disposes these. */
  tensors: Map<string, Tensor>;
}

/** A checkpoint's state.json, or a UserError naming the file and the run's newest intact checkpoint. */
export function readCheckpointState(dir: string): CheckpointState {
  const statePath = join(dir, 'state.json');
  if (!existsSync(statePath)) throw new UserError(`${dir} is not a detlab checkpoint (no state.json)`);
  let state: CheckpointState;
  try {
    state = JSON.parse(readFileSync(statePath, 'utf8')) as CheckpointState;
  } catch (err) {
    throw new UserError(`${statePath}: damaged (${(err as Error).message})${intactHint(dir)}`);
  }
  if (state.format !== CHECKPOINT_FORMAT) throw new UserError(`${statePath}: format '${String(state.format)}', expected '${CHECKPOINT_FORMAT}'`);
  return state;
}

/** Why the checkpoint is damaged (a file whose digest differs from its record), or undefined when it is intact. */
export function checkpointDamage(dir: string, state: CheckpointState): string | undefined {
  for (const [name, want] of Object.entries(state.files ?? {})) {
    const path = join(dir, name);
    if (!existsSync(path)) return `${path}: missing`;
    const got = fileDigest(path);
    if (got.sha256 !== want.sha256) return `${path}: damaged (${got.bytes} bytes with sha256 ${got.sha256.slice(0, 12)}…, state.json records ${want.bytes} bytes with ${want.sha256.slice(0, 12)}…)`;
  }
  return undefined;
}

/** The newest checkpoint of the run holding `dir`, other than `dir`, whose files match their digests. */
export function newestIntactCheckpoint(dir: string): string | undefined {
  for (const other of listCheckpoints(dirname(dir)).reverse()) {
    if (basename(other) === basename(dir)) continue;
    try {
      if (checkpointDamage(other, JSON.parse(readFileSync(join(other, 'state.json'), 'utf8')) as CheckpointState) === undefined) return other;
    } catch {
      // a damaged state.json: not intact
    }
  }
  return undefined;
}

function intactHint(dir: string): string {
  const intact = newestIntactCheckpoint(dir);
  return intact === undefined
    ? '; the run has no other intact checkpoint'
    : `; the newest intact checkpoint of the run is ${intact}: move ${dir} aside and resume the run, which then continues from it`;
}

/** The checkpoint's state once every file has been checked against its digest; a UserError otherwise. */
export function verifyCheckpoint(dir: string): CheckpointState {
  const state = readCheckpointState(dir);
  const damage = checkpointDamage(dir, state);
  if (damage !== undefined) throw new UserError(`${damage}${intactHint(dir)}`);
  return state;
}

export function loadCheckpoint(dir: string): LoadedCheckpoint {
  const state = verifyCheckpoint(dir);
  const file = join(dir, TENSORS_FILE);
  try {
    return { dir, state, tensors: readSafetensors(file).tensors };
  } catch (err) {
    throw new UserError(`${file}: cannot be read (${(err as Error).message})${intactHint(dir)}`);
  }
}

/**
 * Removes what a killed save left in `checkpointsDir` (a checkpoint's worth
 * of disk each); a replaced checkpoint moved aside but not yet replaced is put
 * back. Call only while holding the run's lock.
 */
export function removeUnfinishedSaves(checkpointsDir: string): string[] {
  if (!existsSync(checkpointsDir)) return [];
  const removed: string[] = [];
  for (const entry of readdirSync(checkpointsDir)) {
    const m = /^\.(.+)\.tmp-\d+-[0-9a-f]+(\.old)?$/.exec(entry);
    if (m === null) continue;
    const path = join(checkpointsDir, entry);
    if (m[2] !== undefined && !existsSync(join(checkpointsDir, m[1]))) {
      renameSync(path, join(checkpointsDir, m[1]));
      continue;
    }
    rmSync(path, { recursive: true, force: true });
    removed.push(entry);
  }
  return removed;
}

/** Complete iteration checkpoints in `checkpointsDir`, oldest first. */
export function listCheckpoints(checkpointsDir: string): string[] {
  if (!existsSync(checkpointsDir)) return [];
  return readdirSync(checkpointsDir)
    .filter((n) => /^iter_\d+$/.test(n) && existsSync(join(checkpointsDir, n, 'state.json')))
    .sort()
    .map((n) => join(checkpointsDir, n));
}

export function latestCheckpoint(checkpointsDir: string): string | undefined {
  return listCheckpoints(checkpointsDir).at(-1);
}

/** Deletes the oldest iteration checkpoints beyond the newest `keep` (0 keeps all). */
export function pruneCheckpoints(checkpointsDir: string, keep: number): string[] {
  if (keep <= 0) return [];
  const all = listCheckpoints(checkpointsDir);
  const doomed = all.slice(0, Math.max(0, all.length - keep));
  for (const d of doomed) rmSync(d, { recursive: true, force: true });
  return doomed.map((d) => basename(d));
}

function fileDigest(path: string): { sha256: string; bytes: number } {
  const hash = createHash('sha256');
  const fd = openSync(path, 'r');
  const chunk = Buffer.allocUnsafe(4 << 20);
  let bytes = 0;
  try {
    for (let n; (n = readSync(fd, chunk, 0, chunk.length, null)) > 0; bytes += n) hash.update(chunk.subarray(0, n));
  } finally {
    closeSync(fd);
  }
  return { sha256: hash.digest('hex'), bytes };
}

function writeSynced(path: string, write: (fd: number) => void): void {
  const fd = openSync(path, 'w');
  try {
    write(fd);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function fsyncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
