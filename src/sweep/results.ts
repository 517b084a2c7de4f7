/**
 * Results of a sweep grouped the way papers print them: one row per variant
 * and swept value, the metric's mean ± sample std over seeds, Δ against the
 * baseline variant at the same swept values, the best row marked.
 */
import { canonicalJson } from './trial.js';
import type { SweepState, TrialRecord } from './state.js';

export interface ResultRow {
  variant: string | null;
  params: Record<string, unknown>;
  trials: TrialRecord[];
  /** Seeds that finished with the metric. */
  values: number[];
  mean?: number;
  std?: number;
  delta?: number;
  best: boolean;
}

/** The trials a report is about: those of the last stage (earlier stages only feed it). */
export function reportedTrials(state: SweepState): TrialRecord[] {
  const last = state.trials.at(-1)?.stage ?? '';
  return state.trials.filter((t) => t.stage === last);
}

export function paramKeys(state: SweepState): string[] {
  const keys = new Set<string>();
  for (const t of reportedTrials(state)) for (const k of Object.keys(t.params)) keys.add(k);
  return [...keys];
}

export function mean(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

/** Sample standard deviation (n − 1), 0 for a single value. */
export function std(xs: number[]): number {
  if (xs.length < 2) return 0;
  const m = mean(xs);
  return Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / (xs.length - 1));
}

export function resultRows(state: SweepState): ResultRow[] {
  const rows = new Map<string, ResultRow>();
  for (const t of reportedTrials(state)) {
    const key = canonicalJson([t.variant, t.params]);
    let row = rows.get(key);
    if (row === undefined) rows.set(key, (row = { variant: t.variant, params: t.params, trials: [], values: [], best: false }));
    row.trials.push(t);
    const v = t.status === 'finished' ? t.metrics?.[state.metric] : undefined;
    if (v !== undefined && Number.isFinite(v)) row.values.push(v);
  }
  const list = [...rows.values()];
  for (const row of list) {
    if (row.values.length === 0) continue;
    row.mean = mean(row.values);
    row.std = std(row.values);
  }
  if (state.baseline !== '') {
    for (const row of list) {
      const base = list.find((r) => r.variant === state.baseline && canonicalJson(r.params) === canonicalJson(row.params));
      if (base?.mean !== undefined && row.mean !== undefined) row.delta = row.mean - base.mean;
    }
  }
  const scored = list.filter((r) => r.mean !== undefined);
  if (scored.length > 0) {
    const sign = state.mode === 'max' ? 1 : -1;
    const top = Math.max(...scored.map((r) => sign * r.mean!));
    for (const r of scored) r.best = sign * r.mean! === top;
  }
  return list;
}
