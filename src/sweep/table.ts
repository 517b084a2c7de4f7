/**
 * results.csv (one line per trial, every final metric), paired.csv (the seed-paired
 * Δ of each row against the baseline, with its t-test) and results.md (the paper-style table).
 */
import { formatValue } from './trial.js';
import { paramKeys, reportedMetrics, reportedTrials, resultRows, significant, TABLE_METRICS, type ResultRow } from './results.js';
import type { SweepState } from './state.js';
import { ALPHA } from './stats.js';

function csvCell(v: unknown): string {
  let text = v === undefined || v === null ? '' : typeof v === 'string' ? v : typeof v === 'number' ? String(v) : JSON.stringify(v);
  // A text cell a spreadsheet would run as a formula is kept as text.
  if (typeof v === 'string' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** Text shown as itself in a markdown table cell: no column breaks, emphasis, code, links or HTML. */
function mdCell(text: string): string {
  return text.replace(/[\r\n]+/g, ' ').replace(/[\\|*_`[\]<>#]/g, (c) => (c === '<' ? '&lt;' : c === '>' ? '&gt;' : `\\${c}`));
}

function csv(header: string[], lines: unknown[][]): string {
  return `${[header, ...lines].map((cells) => cells.map(csvCell).join(',')).join('\n')}\n`;
}

export function resultsCsv(state: SweepState): string {
  const trials = reportedTrials(state);
  const keys = paramKeys(state);
  const metrics = [...new Set(trials.flatMap((t) => Object.keys(t.metrics ?? {})))].sort();
  const header = ['trial_id', 'stage', 'variant', ...keys, 'seed', 'status', 'seconds', ...metrics];
  return csv(header, trials.map((t) => [t.id, t.stage, t.variant ?? '', ...keys.map((k) => t.params[k]), t.seed, t.status, t.seconds?.toFixed(1), ...metrics.map((m) => t.metrics?.[m])]));
}

/**
 * One line per row compared with the baseline, in the metric's own units (AP as a fraction, like results.csv);
 * the t-test columns are empty for fewer than two paired seeds.
 */
export function pairedCsv(state: SweepState): string {
  const keys = paramKeys(state);
  const header = ['variant', ...keys, 'baseline', 'metric', 'n', 'seeds', 'delta_mean', 'delta_sd', 'se', 't', 'df', 'ci95_low', 'ci95_high', 'p', 'significant'];
  const lines = resultRows(state).flatMap((r) => {
    if (r.paired === undefined) return [];
    const { seeds, mean, test } = r.paired;
    const stats = test === undefined ? Array(8).fill(undefined) : [test.sd, test.se, test.t, test.df, test.low, test.high, test.p, significant(r.paired)];
    return [[r.variant ?? '', ...keys.map((k) => r.params[k]), state.baseline, state.metric, seeds.length, seeds.join(' '), mean, ...stats]];
  });
  return csv(header, lines);
}

/** A metric in percent points as detection papers print AP (values in [0, 1] are scaled). */
export function scale(state: SweepState): number {
  return /AP|AR|mAP/.test(state.metric) ? 100 : 1;
}

/** The metric's column or axis title, with its unit when printed in percent. */
export function metricHeading(state: SweepState): string {
  return `${state.metric}${scale(state) === 100 ? ' (%)' : ''}`;
}

function signed(v: number, digits: number): string {
  return `${v >= 0 ? '+' : '−'}${Math.abs(v).toFixed(digits)}`;
}

function pText(p: number): string {
  return p < 0.001 ? 'p<0.001' : `p=${p.toPrecision(2)}`;
}

/** The Δ cell: `+0.42 [−0.10, +0.94] p=0.09 (n=5)`, with ` *` when p < ALPHA. */
function deltaText(row: ResultRow, state: SweepState): string {
  if (row.variant === state.baseline) return '—';
  const p = row.paired;
  if (p === undefined) return '';
  if (p.mean === undefined) return '— (n=0)';
  const k = scale(state);
  // One digit more than the metric column: paired differences are often a fraction of its last digit.
  const digits = k === 100 ? 2 : 4;
  const delta = signed(p.mean * k, digits);
  if (p.test === undefined) return `${delta} (n=${p.seeds.length} < 2: no CI)`;
  const { low, high } = p.test;
  return `${delta} [${signed(low * k, digits)}, ${signed(high * k, digits)}] ${pText(p.test.p)} (n=${p.seeds.length})${significant(p) ? ' *' : ''}`;
}

export function cellText(row: ResultRow, state: SweepState): { metric: string; delta: string } {
  const k = scale(state);
  const digits = k === 100 ? 1 : 4;
  const delta = deltaText(row, state);
  if (row.mean === undefined) return { metric: '—', delta };
  const metric = row.values.length > 1 ? `${(row.mean * k).toFixed(digits)} ± ${(row.std! * k).toFixed(digits)}` : (row.mean * k).toFixed(digits);
  return { metric, delta };
}

/** What the Δ column's numbers and marks mean (a line under the table). */
export function deltaLegend(state: SweepState): string {
  const unit = scale(state) === 100 ? ' (percent points)' : '';
  return (
    `Δ${unit}: mean of the seed-paired differences from ${state.baseline} at the same swept values, over the n seeds finished in both rows; ` +
    `[95 % CI] from Student's t with n − 1 degrees of freedom; p: two-sided paired t-test; * p < ${ALPHA}; no CI or p for n < 2.`
  );
}

/** One metric column of the results table: its heading and, per row (in resultRows order), the cell and whether it is the best. */
export interface MetricColumn {
  metric: string;
  heading: string;
  cells: Array<{ text: string; best: boolean }>;
}

/** The spec's metric and the paper's columns (AP, AP50, AP75, APs, APm, APl, AR100) the trials reported, each as mean ± std over seeds. */
export function metricColumns(state: SweepState): MetricColumn[] {
  return reportedMetrics(state).map((metric) => {
    const at = { ...state, metric };
    const heading = TABLE_METRICS[metric] === undefined ? metricHeading(at) : `${TABLE_METRICS[metric]}${scale(at) === 100 ? ' (%)' : ''}`;
    // Only the spec's metric ranks rows.
    return { metric, heading, cells: resultRows(at).map((r) => ({ text: cellText(r, at).metric, best: metric === state.metric && r.best })) };
  });
}

export function resultsMarkdown(state: SweepState): string {
  const rows = resultRows(state);
  const keys = paramKeys(state);
  const columns = metricColumns(state);
  const hasVariants = rows.some((r) => r.variant !== null);
  const hasDelta = state.baseline !== '';
  const header = [...(hasVariants ? ['variant'] : []), ...keys.map(mdCell), 'seeds', ...columns.map((c) => c.heading), ...(hasDelta ? [`Δ ${state.metric} vs ${mdCell(state.baseline)}`] : [])];
  const lines = rows.map((r, i) => {
    const { delta } = cellText(r, state);
    const seeds = `${r.values.length}/${r.trials.length}`;
    const metrics = columns.map((c) => (c.cells[i].best ? `**${c.cells[i].text}**` : c.cells[i].text));
    const cells = [...(hasVariants ? [mdCell(r.variant ?? '')] : []), ...keys.map((k) => mdCell(formatValue(r.params[k]))), seeds, ...metrics, ...(hasDelta ? [delta] : [])];
    return `| ${cells.join(' | ')} |`;
  });
  const title = `${state.name}: ${state.metric} (${state.mode === 'max' ? 'higher' : 'lower'} is better), mean ± std over seeds`;
  return `${title}\n\n| ${header.join(' | ')} |\n|${header.map(() => '---').join('|')}|\n${lines.join('\n')}\n${hasDelta ? `\n${deltaLegend(state)}\n` : ''}`;
}
