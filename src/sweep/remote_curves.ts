/**
 * Training curves of trials whose metrics.jsonl this machine does not see:
 * with distributed workers and no shared sweep directory, each trial's run
 * directory is on its worker's disk, but its metrics are in its MLflow run, a
 * child of the sweep's parent run. The store is the one the parent run was
 * recorded in (`<sweep dir>/mlflow/mlflow_run.json`), so the report reads
 * where the sweep wrote, whatever this shell's MLFLOW_TRACKING_URI says.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { MetricPoint } from '../track/metrics_log.js';
import { readRunState } from '../track/run_state.js';
import { PARENT_TAG, TRIAL_TAG, storeFor } from '../track/sync.js';
import type { SweepState } from './state.js';
import { drawnMetric, type Curves, type Points } from './curve_panels.js';


export interface RemoteCurves {
  curves: Curves;
  /** Why some trials have no curve (no parent run, the store unreachable), for one line of output. */
  problem?: string;
}

/** Trials whose curve must come from elsewhere: they logged something, but not into a file here. */
function missingHere(state: SweepState): string[] {
  const logged = (t: SweepState['trials'][number]): boolean => Object.keys(t.metrics ?? {}).length > 0;
  return state.trials.filter((t) => logged(t) && (t.runDir === undefined || !existsSync(join(t.runDir, 'metrics.jsonl')))).map((t) => t.id);
}

/** The newest point of each step (a resumed trial may log a step again). */
function byStep(points: MetricPoint[]): Array<{ step: number; value: number }> {
  const last = new Map<number, MetricPoint>();
  for (const p of points) if ((last.get(p.step)?.timestamp ?? -Infinity) <= p.timestamp) last.set(p.step, p);
  return [...last.values()].sort((a, b) => a.step - b.step).map((p) => ({ step: p.step, value: p.value }));
}

const trials = (n: number): string => `${n} trial${n === 1 ? '' : 's'}`;

export async function remoteCurves(sweepDir: string, state: SweepState): Promise<RemoteCurves> {
  const curves: Curves = new Map();
  const ids = missingHere(state);
  if (ids.length === 0) return { curves };
  const parent = readRunState(join(sweepDir, 'mlflow'));
  const parentRunId = state.parentRunId ?? parent?.runId;
  if (parent === undefined || parentRunId === undefined) {
    return { curves, problem: `training curves of ${trials(ids.length)} not drawn: their metrics.jsonl is not on this machine and the sweep was not tracked in MLflow` };
  }
  try {
    const store = storeFor(parent.trackingUri, { maxRetries: 1, backoffMs: 500, timeoutMs: 10_000 });
    const experiment = parent.experimentId ?? (await store.getOrCreateExperiment(parent.experimentName));
    for (const id of ids) {
      const run = (await store.findRunsByTag(experiment, TRIAL_TAG, id)).find((r) => r.tags[PARENT_TAG] === parentRunId);
      if (run === undefined) continue;
      const points: Points = new Map();
      for (const key of run.metricKeys.filter(drawnMetric).sort()) points.set(key, byStep(await store.getMetricHistory(run.runId, key)));
      curves.set(id, points);
    }
  } catch (err) {
    return { curves, problem: `training curves of ${trials(ids.length - curves.size)} not drawn: MLflow at ${parent.trackingUri}: ${String((err as Error).message).split('\n')[0]}` };
  }
  const lacking = ids.filter((id) => !curves.has(id));
  return lacking.length === 0 ? { curves } : { curves, problem: `training curves of ${trials(lacking.length)} not drawn: no run of theirs under the sweep's parent run ${parentRunId} in ${parent.trackingUri}` };
}
