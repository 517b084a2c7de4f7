/**
 * Results of a sweep grouped the way papers print them: one row per variant
 * and swept value, the metric's mean ± sample std over seeds, the seed-paired
 * Δ against the baseline variant at the same swept values (with its t-test),
 * the best row marked (none on a tie, none with a single row).
 */
import { canonicalJson, formatValue } from './trial.js';
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

/** The columns of a detection paper's table (AP, AP50, AP75, APs, APm, APl, AR100), by detlab metric name. */
export const TABLE_METRICS: Readonly<Record<string, string>> = {
  bbox_mAP: 'AP',
  bbox_mAP_50: 'AP50',
  bbox_mAP_75: 'AP75',
  bbox_mAP_s: 'APs',
  bbox_mAP_m: 'APm',
  bbox_mAP_l: 'APl',
  bbox_AR_100: 'AR100',
};

/** The metrics a report tabulates: the spec's metric, then the paper's columns some trial reported (the spec's metric in its paper place when it is one). */
export function reportedMetrics(state: SweepState): string[] {
  const logged = new Set(reportedTrials(state).flatMap((t) => Object.keys(t.metrics ?? {})));
  const table = Object.keys(TABLE_METRICS).filter((m) => m === state.metric || logged.has(m));
  return table.includes(state.metric) ? table : [state.metric, ...table];
}

/** The trials a report is about: those of the last stage (earlier stages only feed it). */
export function reportedTrials(state: SweepState): TrialRecord[] {
  const last = state.trials.at(-1)?.stage ?? '';
  return state.trials.filter((t) => t.stage === last);
}

/** A row's name: its variant and swept values, e.g. `shared loss_weight=0.5`. */
export function rowLabel(row: Pick<ResultRow, 'variant' | 'params'>, keys: string[]): string {
  const parts = [...(row.variant === null ? [] : [row.variant]), ...keys.map((k) => `${k.split('.').at(-1)}=${formatValue(row.params[k])}`)];
  return parts.join(' ') || 'base';
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
    // pycocotools' −1 means "no such object in the val set"; runs before detlab stopped logging it still hold it.
    const noData = v === -1 && state.metric.startsWith('bbox_');
    if (v !== undefined && Number.isFinite(v) && !noData) {
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
  if (scored.length > 1) {
    const sign = state.mode === 'max' ? 1 : -1;
    const top = Math.max(...scored.map((r) => sign * r.mean!));
    const winners = scored.filter((r) => sign * r.mean! === top);
    // A tie has no best row.
    if (winners.length === 1) winners[0].best = true;
  }
  return list;
}
