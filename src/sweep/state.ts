/**
 * The sweep state file, `<sweep dir>/sweep.json`: every trial with its status
 * and results. It is rewritten whole through a temporary file, fsync and
 * rename, so a kill at any moment leaves the previous or the new state, never
 * a torn one.
 */
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../config/errors.js';
import { redactSecrets } from '../config/secrets.js';
import type { Trial } from './trial.js';

export type TrialStatus = 'pending' | 'running' | 'finished' | 'failed' | 'interrupted' | 'skipped';

export interface TrialRecord {
  id: string;
  stage: string;
  variant: string | null;
  params: Record<string, unknown>;
  seed: number;
  needs: Record<string, string>;
  status: TrialStatus;
  /** How many times the trial was started (a resume counts). */
  attempts: number;
  runDir?: string;
  checkpoint?: string;
  /** Last value of every metric in the run's metrics.jsonl. */
  metrics?: Record<string, number>;
  error?: string;
  seconds?: number;
}

export interface SweepState {
  format: 'detlab-sweep/1';
  name: string;
  /** The spec file the sweep was started from. */
  spec: string;
  metric: string;
  mode: 'max' | 'min';
  baseline: string;
  /** Swept keys plotted on a log axis. */
  logKeys: string[];
  parentRunId?: string;
  trials: TrialRecord[];
}

export const STATE_FILE = 'sweep.json';

export function trialRecord(t: Trial): TrialRecord {
  return { id: t.id, stage: t.stage, variant: t.variant, params: t.params, seed: t.seed, needs: t.needs, status: 'pending', attempts: 0 };
}

export function writeState(sweepDir: string, state: SweepState): void {
  const path = join(sweepDir, STATE_FILE);
  const tmp = `${path}.${process.pid}.tmp`;
  const fd = openSync(tmp, 'w');
  try {
    writeSync(fd, `${redactSecrets(JSON.stringify(state, null, 1))}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}

export function readState(sweepDir: string): SweepState {
  const path = join(sweepDir, STATE_FILE);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new UserError(`${sweepDir}: not a sweep directory (no ${STATE_FILE})`);
  }
  const state = JSON.parse(text) as SweepState;
  if (state.format !== 'detlab-sweep/1') throw new UserError(`${path}: unknown format '${String(state.format)}'`);
  return state;
}
