/** What a run directory holds, read while its process may still be writing it. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { readState } from '../../src/sweep/state.js';
import { latestRun, trialDir } from '../../src/sweep/trial_runner.js';
import { latestCheckpoint } from '../../src/train/checkpoint.js';
import { readMetricsLines } from '../../src/train/metrics_log.js';

/** The steps metrics.jsonl holds a loss for, in file order (none while the file does not exist). */
export function lossSteps(runDir: string | undefined): number[] {
  if (runDir === undefined) return [];
  try {
    return readMetricsLines(join(runDir, 'metrics.jsonl')).filter((l) => l.metrics.loss !== undefined).map((l) => l.step);
  } catch {
    return [];
  }
}

/** The MLflow run id the run's tracker recorded in mlflow_run.json. */
export function mlflowRunId(runDir: string): string {
  return (JSON.parse(readFileSync(join(runDir, 'mlflow_run.json'), 'utf8')) as { runId: string }).runId;
}

/** The run directory of a sweep's first trial once it has logged `steps` losses, else undefined. */
export function firstTrialRun(sweepDir: string, name: string, steps: number): { id: string; runDir: string } | undefined {
  let id: string;
  try {
    id = readState(sweepDir).trials[0].id;
  } catch {
    return undefined;
  }
  const runDir = latestRun(trialDir(sweepDir, id), name);
  return runDir !== undefined && lossSteps(runDir).length >= steps ? { id, runDir } : undefined;
}

/**
 * A run signalled after step `seen` stopped within one iteration: at that
 * step or the next, before its last, with a checkpoint there. Returns the step.
 */
export function assertStoppedAfter(runDir: string, seen: number, maxIters: number, signal: string): number {
  const last = lossSteps(runDir).at(-1)!;
  assert.ok(last === seen || last === seen + 1, `${signal} after step ${seen}: the run went on to step ${last}`);
  assert.ok(last < maxIters, `${signal} after step ${seen}: the run reached its end`);
  assert.equal(basename(latestCheckpoint(join(runDir, 'checkpoints')) ?? 'none'), `iter_${String(last).padStart(6, '0')}`, 'a checkpoint at the last step');
  return last;
}
