/**
 * The sweep's results as metrics of its MLflow parent run, so the run table
 * can sort by them and the chart view can plot them: for each row of the
 * results table (variant and swept values) and each metric a paper's table
 * prints, `<row>/<metric>/<stat>` with stat one of mean, std, n and, against
 * the baseline, delta, ci_low, ci_high, p (Δ, interval and p as paired.csv has
 * them; no CI or p below two paired seeds). Values are in the metric's own
 * units (AP as a fraction). Logged at step 0 when the report is written.
 */
import { paramKeys, reportedMetrics, resultRows, rowLabel } from './results.js';
import type { SweepState } from './state.js';

/** A row label as an MLflow key part: characters MLflow refuses become `_` (`lambda=0.5` → `lambda_0.5`). */
export function metricKeyPart(label: string): string {
  return label.replace(/[^\p{L}\p{N}_\-. ]/gu, '_');
}

export function parentMetrics(state: SweepState): Record<string, number> {
  const out: Record<string, number> = {};
  const keys = paramKeys(state);
  for (const metric of reportedMetrics(state)) {
    for (const row of resultRows({ ...state, metric })) {
      if (row.mean === undefined) continue;
      const at = `${metricKeyPart(rowLabel(row, keys))}/${metric}`;
      out[`${at}/mean`] = row.mean;
      out[`${at}/std`] = row.std!;
      out[`${at}/n`] = row.values.length;
      const paired = row.paired;
      if (paired?.mean === undefined) continue;
      out[`${at}/delta`] = paired.mean;
      if (paired.test === undefined) continue;
      out[`${at}/ci_low`] = paired.test.low;
      out[`${at}/ci_high`] = paired.test.high;
      out[`${at}/p`] = paired.test.p;
    }
  }
  return out;
}
