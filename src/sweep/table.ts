/** results.csv (one line per trial, every final metric) and results.md (the paper-style table). */
import { formatValue } from './trial.js';
import { paramKeys, reportedTrials, resultRows, type ResultRow } from './results.js';
import type { SweepState } from './state.js';

function csvCell(v: unknown): string {
  const text = v === undefined || v === null ? '' : typeof v === 'string' ? v : typeof v === 'number' ? String(v) : JSON.stringify(v);
  return /[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function resultsCsv(state: SweepState): string {
  const trials = reportedTrials(state);
  const keys = paramKeys(state);
  const metrics = [...new Set(trials.flatMap((t) => Object.keys(t.metrics ?? {})))].sort();
  const header = ['trial_id', 'stage', 'variant', ...keys, 'seed', 'status', 'seconds', ...metrics];
  const lines = trials.map((t) => [t.id, t.stage, t.variant ?? '', ...keys.map((k) => t.params[k]), t.seed, t.status, t.seconds?.toFixed(1), ...metrics.map((m) => t.metrics?.[m])].map(csvCell).join(','));
  return `${[header.join(','), ...lines].join('\n')}\n`;
}

/** A metric in percent points as detection papers print AP (values in [0, 1] are scaled). */
export function scale(state: SweepState): number {
  return /AP|AR|mAP/.test(state.metric) ? 100 : 1;
}

/** The metric's column or axis title, with its unit when printed in percent. */
export function metricHeading(state: SweepState): string {
  return `${state.metric}${scale(state) === 100 ? ' (%)' : ''}`;
}

export function cellText(row: ResultRow, state: SweepState): { metric: string; delta: string } {
  const k = scale(state);
  const digits = k === 100 ? 1 : 4;
  if (row.mean === undefined) return { metric: '—', delta: '' };
  const metric = row.values.length > 1 ? `${(row.mean * k).toFixed(digits)} ± ${(row.std! * k).toFixed(digits)}` : (row.mean * k).toFixed(digits);
  const delta = row.delta === undefined ? '' : `${row.delta >= 0 ? '+' : '−'}${Math.abs(row.delta * k).toFixed(digits)}`;
  return { metric, delta };
}

export function resultsMarkdown(state: SweepState): string {
  const rows = resultRows(state);
  const keys = paramKeys(state);
  const hasVariants = rows.some((r) => r.variant !== null);
  const hasDelta = state.baseline !== '';
  const header = [...(hasVariants ? ['variant'] : []), ...keys, 'seeds', metricHeading(state), ...(hasDelta ? [`Δ vs ${state.baseline}`] : [])];
  const lines = rows.map((r) => {
    const { metric, delta } = cellText(r, state);
    const seeds = `${r.values.length}/${r.trials.length}`;
    const cells = [...(hasVariants ? [r.variant ?? ''] : []), ...keys.map((k) => formatValue(r.params[k])), seeds, r.best ? `**${metric}**` : metric, ...(hasDelta ? [delta] : [])];
    return `| ${cells.join(' | ')} |`;
  });
  const title = `${state.name}: ${state.metric} (${state.mode === 'max' ? 'higher' : 'lower'} is better), mean ± std over seeds`;
  return `${title}\n\n| ${header.join(' | ')} |\n|${header.map(() => '---').join('|')}|\n${lines.join('\n')}\n`;
}
