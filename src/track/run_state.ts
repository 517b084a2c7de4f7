/**
 * What a work directory remembers about its tracked run, so that a later
 * process (`detlab mlflow sync`, a re-run of the trial) can finish delivering it:
 *
 * - `mlflow_run.json`: where the run lives (tracking URI, experiment, run id once
 *   known) and how many spool entries the store has confirmed.
 * - `mlflow_spool.jsonl`: every non-metric event of the run in order (params,
 *   tags, artifacts, status). Each is idempotent, so replaying one twice is harmless.
 * - `metrics.jsonl` (metrics_log.ts): every metric point.
 */
import { appendFileSync, existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { redactSecrets } from '../config/secrets.js';
import type { RunStatus } from './store.js';

export const RUN_STATE_FILE = 'mlflow_run.json';
export const SPOOL_FILE = 'mlflow_spool.jsonl';
export const METRICS_FILE = 'metrics.jsonl';

export interface RunState {
  version: 1;
  /** The resolved tracking URI: an absolute FileStore root or an http(s) base URL. */
  trackingUri: string;
  experimentName: string;
  experimentId?: string;
  runId?: string;
  artifactUri?: string;
  /** Random id tagged as `detlab.client_run_id`, to find a run whose creation reply was lost. */
  clientRunId: string;
  runName: string;
  startTime: number;
  trialId?: string;
  parentRunId?: string;
  /** Work dir of a parent run not yet in the store when this run opened; its run id is read from there. */
  parentWorkDir?: string;
  /** Tags the run is created with (system tags, user tags, nesting tags). */
  createTags: Record<string, string>;
  /** Number of spool entries the store has confirmed. */
  spoolDone: number;
}

export type SpoolEvent =
  | { op: 'params'; params: Record<string, string> }
  | { op: 'tags'; tags: Record<string, string> }
  | { op: 'artifact'; path: string; artifactPath?: string }
  | { op: 'status'; status: RunStatus; endTime?: number };

export function readRunState(workDir: string): RunState | undefined {
  const file = join(workDir, RUN_STATE_FILE);
  if (!existsSync(file)) return undefined;
  let state: RunState;
  try {
    state = JSON.parse(readFileSync(file, 'utf8')) as RunState;
  } catch (err) {
    throw new Error(`${file}: not valid JSON (${(err as Error).message})`);
  }
  if (state.version !== 1 || typeof state.trackingUri !== 'string' || typeof state.clientRunId !== 'string') {
    throw new Error(`${file}: not a detlab run state (version 1)`);
  }
  return state;
}

export function writeRunState(workDir: string, state: RunState): void {
  const file = join(workDir, RUN_STATE_FILE);
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, `${JSON.stringify(state, null, 2)}\n`);
  renameSync(tmp, file);
}

export function appendSpool(workDir: string, event: SpoolEvent): void {
  appendFileSync(join(workDir, SPOOL_FILE), `${redactSecrets(JSON.stringify(event))}\n`, { flag: 'a' });
}

export function readSpool(workDir: string): SpoolEvent[] {
  const file = join(workDir, SPOOL_FILE);
  if (!existsSync(file)) return [];
  const lines = readFileSync(file, 'utf8').split('\n');
  const events: SpoolEvent[] = [];
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    try {
      events.push(JSON.parse(line) as SpoolEvent);
    } catch {
      if (i !== lines.length - 1) throw new Error(`${file}:${i + 1}: not a JSON line`);
    }
  });
  return events;
}
