/**
 * Checkpoints: one directory per save, `checkpoints/iter_000050/` holding
 * `tensors.safetensors` (weights, buffers, optimizer slots) and `state.json`
 * (iteration, RNG, loader position, optimizer scalars, schedules, hook
 * state). The directory is assembled under a temporary name, every file
 * fsynced, then renamed into place: a checkpoint either exists whole or not
 * at all, so a crash or a NaN stop leaves the last good one untouched.
 */
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, join } from 'node:path';
import { randomBytes } from 'node:crypto';
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
}

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
    writeSynced(join(tmp, 'tensors.safetensors'), (fd) => writeSafetensorsTo(fd, tensors, { format: CHECKPOINT_FORMAT }));
    writeSynced(join(tmp, 'state.json'), (fd) => writeSync(fd, `${JSON.stringify(state, null, 1)}\n`));
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

export function loadCheckpoint(dir: string): LoadedCheckpoint {
  const statePath = join(dir, 'state.json');
  if (!existsSync(statePath)) throw new Error(`${dir} is not a detlab checkpoint (no state.json)`);
  const state = JSON.parse(readFileSync(statePath, 'utf8')) as CheckpointState;
  if (state.format !== CHECKPOINT_FORMAT) throw new Error(`${statePath}: format '${String(state.format)}', expected '${CHECKPOINT_FORMAT}'`);
  return { dir, state, tensors: readSafetensors(join(dir, 'tensors.safetensors')).tensors };
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
