/**
 * Results of a sweep grouped the way papers print them: one row per variant
 * and swept value, the metric's mean ± sample std over seeds, the seed-paired
 * Δ against the baseline variant at the same swept values (with its t-test),
 * the best row marked.
 */
import { canonicalJson } from './trial.js';
import type { SweepState, TrialRecord } from './state.js';
import { ALPHA, mean, std, tTest, type TTest } from './stats.js';

/** A row against the baseline row at the same swept values, seed by seed. */
export interface PairedDelta {
  /** The seeds finished with the metric in both rows, ascending; a seed missing on either side is left out. */
  seeds: number[];
  /** metric(row, s) − metric(baseline, s) for each of `seeds`. */
  diffs: number[];
  /** Mean of `diffs`; undefined when no seed is paired. */
  mean?: number;
  /** The paired t-test and 95 % interval; undefined for fewer than two pairs. */
  test?: TTest;
}

export interface ResultRow {
  variant: string | null;
  params: Record<string, unknown>;
  trials: TrialRecord[];
  /** The metric of the seeds that finished with it. */
  values: number[];
  /** The same values by seed. */
  bySeed: Map<number, number>;
  mean?: number;
  std?: number;
  /** Set on the rows of a variant other than the baseline that has a baseline row at the same swept values. */
  paired?: PairedDelta;
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

/** Whether the paired t-test rejects Δ = 0 at ALPHA (equivalently, the 95 % interval excludes 0). */
export function significant(p: PairedDelta): boolean {
  return p.test !== undefined && p.test.p < ALPHA;
}

function pairedDelta(row: ResultRow, base: ResultRow): PairedDelta {
  const seeds = [...row.bySeed.keys()].filter((s) => base.bySeed.has(s)).sort((a, b) => a - b);
  const diffs = seeds.map((s) => row.bySeed.get(s)! - base.bySeed.get(s)!);
  return { seeds, diffs, mean: diffs.length === 0 ? undefined : mean(diffs), test: tTest(diffs) };
}

export function resultRows(state: SweepState): ResultRow[] {
  const rows = new Map<string, ResultRow>();
  for (const t of reportedTrials(state)) {
    const key = canonicalJson([t.variant, t.params]);
    let row = rows.get(key);
    if (row === undefined) rows.set(key, (row = { variant: t.variant, params: t.params, trials: [], values: [], bySeed: new Map(), best: false }));
    row.trials.push(t);
    const v = t.status === 'finished' ? t.metrics?.[state.metric] : undefined;
    if (v !== undefined && Number.isFinite(v)) {
      row.values.push(v);
      row.bySeed.set(t.seed, v);
    }
  }
  const list = [...rows.values()];
  for (const row of list) {
    if (row.values.length === 0) continue;
    row.mean = mean(row.values);
    row.std = std(row.values);
  }
  if (state.baseline !== '') {
    for (const row of list) {
      if (row.variant === state.baseline) continue;
      const base = list.find((r) => r.variant === state.baseline && canonicalJson(r.params) === canonicalJson(row.params));
      if (base !== undefined) row.paired = pairedDelta(row, base);
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
