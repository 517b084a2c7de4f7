/**
 * `detlab sweep report`: results.csv, results.md and report.html in the sweep
 * directory, from the state file and the trials' metrics.jsonl (or, for trials
 * run on another machine's disk, their curves from MLflow: remote_curves.ts).
 * The HTML is one self-contained file (inline SVG, no script, no external asset).
 */
import { existsSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readMetricsLines } from '../train/metrics_log.js';
import type { Curves } from './remote_curves.js';
import { mean, paramKeys, resultRows, type ResultRow } from './results.js';
import type { SweepState, TrialRecord } from './state.js';
import { barChart, escapeXml, lineChart, type Series } from './svg.js';
import { cellText, metricHeading, resultsCsv, resultsMarkdown, scale } from './table.js';
import { formatValue } from './trial.js';

function writeAtomic(path: string, text: string): void {
  writeFileSync(`${path}.tmp`, text);
  renameSync(`${path}.tmp`, path);
}

function rowLabel(row: ResultRow, keys: string[]): string {
  const parts = [...(row.variant === null ? [] : [row.variant]), ...keys.map((k) => `${k.split('.').at(-1)}=${formatValue(row.params[k])}`)];
  return parts.join(' ') || 'base';
}

/** Metric vs each numeric swept key, one series per variant (and per value of the other keys). */
function sweptValueCharts(state: SweepState, rows: ResultRow[], keys: string[]): string[] {
  const k = scale(state);
  const charts: string[] = [];
  for (const key of keys) {
    if (!rows.every((r) => typeof r.params[key] === 'number')) continue;
    const series = new Map<string, Series>();
    for (const r of rows) {
      if (r.mean === undefined) continue;
      const rest = keys.filter((o) => o !== key).map((o) => `${o.split('.').at(-1)}=${formatValue(r.params[o])}`);
      const name = [...(r.variant === null ? [] : [r.variant]), ...rest].join(' ') || state.metric;
      if (!series.has(name)) series.set(name, { name, points: [] });
      series.get(name)!.points.push({ x: r.params[key] as number, y: r.mean * k, err: r.std! * k });
    }
    if (new Set(rows.map((r) => r.params[key])).size < 2) continue;
    charts.push(lineChart([...series.values()], { title: `${state.metric} vs ${key}`, xLabel: key, yLabel: metricHeading(state), logX: state.logKeys.includes(key), markers: true }));
  }
  return charts;
}

/** A trial's [step, value] points of `metric`: from its metrics.jsonl when this machine has it, else from `remote`. */
function trialCurve(t: TrialRecord, metric: string, remote: Curves): Array<{ step: number; value: number | undefined }> {
  const file = t.runDir === undefined ? undefined : join(t.runDir, 'metrics.jsonl');
  if (file !== undefined && existsSync(file)) return readMetricsLines(file).map((line) => ({ step: line.step, value: line.metrics[metric] }));
  return remote.get(t.id) ?? [];
}

/** Mean training loss over the seeds of each row, by step. */
function curveSeries(rows: ResultRow[], keys: string[], metric: string, remote: Curves): Series[] {
  const out: Series[] = [];
  for (const row of rows) {
    const bySteps = new Map<number, number[]>();
    for (const t of row.trials) {
      for (const { step, value } of trialCurve(t, metric, remote)) {
        if (value === undefined || !Number.isFinite(value)) continue;
        if (!bySteps.has(step)) bySteps.set(step, []);
        bySteps.get(step)!.push(value);
      }
    }
    const points = [...bySteps.entries()].sort(([a], [b]) => a - b).map(([x, ys]) => ({ x, y: mean(ys) }));
    if (points.length > 1) out.push({ name: rowLabel(row, keys), points });
  }
  return out;
}

/** `remote`: training-loss curves of trials whose metrics.jsonl is not on this machine. */
export function reportHtml(state: SweepState, remote: Curves = new Map()): string {
  const rows = resultRows(state);
  const keys = paramKeys(state);
  const k = scale(state);
  const hasVariants = rows.some((r) => r.variant !== null);
  const hasDelta = state.baseline !== '';
  const head = [...(hasVariants ? ['variant'] : []), ...keys, 'seeds', metricHeading(state), ...(hasDelta ? [`Δ vs ${state.baseline}`] : [])];
  const body = rows.map((r) => {
    const { metric, delta } = cellText(r, state);
    const cells = [...(hasVariants ? [r.variant ?? ''] : []), ...keys.map((key) => formatValue(r.params[key])), `${r.values.length}/${r.trials.length}`];
    return `<tr${r.best ? ' class="best"' : ''}>${cells.map((c) => `<td>${escapeXml(c)}</td>`).join('')}<td>${r.best ? `<b>${escapeXml(metric)}</b>` : escapeXml(metric)}</td>${hasDelta ? `<td>${escapeXml(delta)}</td>` : ''}</tr>`;
  });
  const charts = sweptValueCharts(state, rows, keys);
  const scored = rows.filter((r) => r.mean !== undefined);
  if (scored.length > 1 && (hasVariants || charts.length === 0)) {
    charts.push(barChart(scored.map((r) => ({ label: rowLabel(r, keys), value: r.mean! * k, err: r.std! * k, best: r.best })), { title: `${state.metric} per ${hasVariants ? 'variant' : 'trial group'}`, yLabel: metricHeading(state) }));
  }
  const curves = curveSeries(rows, keys, 'loss', remote);
  if (curves.length > 0) charts.push(lineChart(curves, { title: 'training loss (mean over seeds)', xLabel: 'iteration', yLabel: 'loss' }));
  const failed = state.trials.filter((t) => t.status !== 'finished');
  const problems = failed.length === 0 ? '' : `<h2>Unfinished trials</h2><ul>${failed.map((t) => `<li><code>${t.id}</code> ${escapeXml(t.status)}${t.error === undefined ? '' : `: ${escapeXml(t.error)}`}</li>`).join('')}</ul>`;
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeXml(state.name)}: sweep report</title>
<style>body{font-family:sans-serif;margin:2em;max-width:1300px}table{border-collapse:collapse}td,th{border:1px solid #bbb;padding:3px 9px;text-align:right}tr.best td{background:#fff3c4}svg{margin:8px;border:1px solid #eee}</style></head>
<body><h1>${escapeXml(state.name)}</h1>
<p>${state.trials.length} trials; ${state.metric}, ${state.mode === 'max' ? 'higher' : 'lower'} is better; mean ± sample std over seeds.</p>
<table><thead><tr>${head.map((h) => `<th>${escapeXml(h)}</th>`).join('')}</tr></thead><tbody>${body.join('')}</tbody></table>
<div class="charts">${charts.join('\n')}</div>${problems}
</body></html>
`;
}

/** Writes the three report files; returns their paths. */
export function writeReport(sweepDir: string, state: SweepState, remote: Curves = new Map()): string[] {
  const files: [string, string][] = [
    ['results.csv', resultsCsv(state)],
    ['results.md', resultsMarkdown(state)],
    ['report.html', reportHtml(state, remote)],
  ];
  return files.map(([name, text]) => {
    const path = join(sweepDir, name);
    writeAtomic(path, text);
    return path;
  });
}
