/**
 * `detlab sweep report`: results.csv, paired.csv, results.md and report.html in
 * the sweep directory, from the state file and the trials' metrics.jsonl (or,
 * for trials run on another machine's disk, their curves from MLflow:
 * remote_curves.ts). The HTML is one self-contained file (inline SVG, no
 * script, no external asset); beside each plot of the metric it draws the
 * seed-paired Δ vs the baseline with its 95 % interval.
 */
import { existsSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readMetricsLines } from '../train/metrics_log.js';
import type { Curves } from './remote_curves.js';
import { paramKeys, resultRows, significant, type ResultRow } from './results.js';
import type { SweepState, TrialRecord } from './state.js';
import { ALPHA, mean } from './stats.js';
import { escapeXml } from '../vis/svg_text.js';
import { barChart, lineChart, type Bar, type Series, type XYPoint } from './svg.js';
import { cellText, deltaLegend, metricHeading, pairedCsv, resultsCsv, resultsMarkdown, scale } from './table.js';
import { formatValue } from './trial.js';

function writeAtomic(path: string, text: string): void {
  writeFileSync(`${path}.tmp`, text);
  renameSync(`${path}.tmp`, path);
}

function rowLabel(row: ResultRow, keys: string[]): string {
  const parts = [...(row.variant === null ? [] : [row.variant]), ...keys.map((k) => `${k.split('.').at(-1)}=${formatValue(row.params[k])}`)];
  return parts.join(' ') || 'base';
}

function addPoint(series: Map<string, Series>, name: string, point: XYPoint): void {
  if (!series.has(name)) series.set(name, { name, points: [] });
  series.get(name)!.points.push(point);
}

/** A row's paired Δ vs the baseline as the table prints it (AP in percent), with its 95 % interval as the whisker. */
function deltaBar(r: ResultRow, state: SweepState, label: string): Bar {
  const k = scale(state);
  const test = r.paired!.test;
  return { label, value: r.paired!.mean! * k, err: test === undefined ? 0 : (test.high - test.mean) * k, highlight: significant(r.paired!), note: cellText(r, state).delta };
}

/** The rows compared with the baseline on at least one seed. */
function pairedRows(rows: ResultRow[]): ResultRow[] {
  return rows.filter((r) => r.paired?.mean !== undefined);
}

function deltaTitle(state: SweepState, what: string): string {
  return `Δ ${state.metric} vs ${state.baseline} ${what} (95 % CI)`;
}

/**
 * Metric vs each numeric swept key, one series per variant (and per value of the other keys);
 * after each, the paired Δ of the non-baseline series against the baseline, with 95 % intervals and a line at 0.
 */
function sweptValueCharts(state: SweepState, rows: ResultRow[], keys: string[]): string[] {
  const k = scale(state);
  const charts: string[] = [];
  for (const key of keys) {
    if (!rows.every((r) => typeof r.params[key] === 'number')) continue;
    if (new Set(rows.map((r) => r.params[key])).size < 2) continue;
    const metric = new Map<string, Series>();
    const delta = new Map<string, Series>();
    for (const r of rows) {
      const x = r.params[key] as number;
      const rest = keys.filter((o) => o !== key).map((o) => `${o.split('.').at(-1)}=${formatValue(r.params[o])}`);
      const name = [...(r.variant === null ? [] : [r.variant]), ...rest].join(' ') || state.metric;
      if (r.mean !== undefined) addPoint(metric, name, { x, y: r.mean * k, err: r.std! * k });
      if (r.paired?.mean !== undefined) {
        const bar = deltaBar(r, state, name);
        addPoint(delta, name, { x, y: bar.value, err: bar.err, open: !bar.highlight, note: bar.note });
      }
    }
    const names = [...metric.keys()];
    for (const s of delta.values()) s.colorIndex = names.indexOf(s.name);
    const axes = { xLabel: key, logX: state.logKeys.includes(key), markers: true };
    charts.push(lineChart([...metric.values()], { title: `${state.metric} vs ${key}`, yLabel: metricHeading(state), ...axes }));
    if (delta.size > 0) charts.push(lineChart([...delta.values()], { title: deltaTitle(state, `by ${key}`), yLabel: `Δ ${metricHeading(state)}`, zeroLine: true, ...axes }));
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
    const deltaCell = `<td${r.paired !== undefined && significant(r.paired) ? ' class="significant"' : ''}>${escapeXml(delta)}</td>`;
    return `<tr${r.best ? ' class="best"' : ''}>${cells.map((c) => `<td>${escapeXml(c)}</td>`).join('')}<td>${r.best ? `<b>${escapeXml(metric)}</b>` : escapeXml(metric)}</td>${hasDelta ? deltaCell : ''}</tr>`;
  });
  const charts = sweptValueCharts(state, rows, keys);
  const scored = rows.filter((r) => r.mean !== undefined);
  if (scored.length > 1 && (hasVariants || charts.length === 0)) {
    const what = hasVariants ? 'variant' : 'trial group';
    charts.push(barChart(scored.map((r) => ({ label: rowLabel(r, keys), value: r.mean! * k, err: r.std! * k, highlight: r.best })), { title: `${state.metric} per ${what}`, yLabel: metricHeading(state) }));
    const paired = pairedRows(rows);
    if (paired.length > 0) charts.push(barChart(paired.map((r) => deltaBar(r, state, rowLabel(r, keys))), { title: deltaTitle(state, `per ${what}`), yLabel: `Δ ${metricHeading(state)}`, zeroLine: true }));
  }
  const curves = curveSeries(rows, keys, 'loss', remote);
  if (curves.length > 0) charts.push(lineChart(curves, { title: 'training loss (mean over seeds)', xLabel: 'iteration', yLabel: 'loss' }));
  const failed = state.trials.filter((t) => t.status !== 'finished');
  const legend = hasDelta
    ? `<p class="legend">${escapeXml(deltaLegend(state))} In the Δ plots the whiskers are the 95 % intervals, the dashed line is Δ = 0, and filled points and red bars are the differences with p &lt; ${ALPHA}.</p>\n`
    : '';
  const problems = failed.length === 0 ? '' : `<h2>Unfinished trials</h2><ul>${failed.map((t) => `<li><code>${t.id}</code> ${escapeXml(t.status)}${t.error === undefined ? '' : `: ${escapeXml(t.error)}`}</li>`).join('')}</ul>`;
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeXml(state.name)}: sweep report</title>
<style>body{font-family:sans-serif;margin:2em;max-width:1300px}table{border-collapse:collapse}td,th{border:1px solid #bbb;padding:3px 9px;text-align:right}tr.best td{background:#fff3c4}td.significant{font-weight:bold}svg{margin:8px;border:1px solid #eee}</style></head>
<body><h1>${escapeXml(state.name)}</h1>
<p>${state.trials.length} trials; ${state.metric}, ${state.mode === 'max' ? 'higher' : 'lower'} is better; mean ± sample std over seeds.</p>
<table><thead><tr>${head.map((h) => `<th>${escapeXml(h)}</th>`).join('')}</tr></thead><tbody>${body.join('')}</tbody></table>
${legend}<div class="charts">${charts.join('\n')}</div>${problems}
</body></html>
`;
}

/** Writes the report files (paired.csv only when the sweep has a baseline); returns their paths. */
export function writeReport(sweepDir: string, state: SweepState, remote: Curves = new Map()): string[] {
  const files: [string, string][] = [['results.csv', resultsCsv(state)]];
  if (state.baseline !== '') files.push(['paired.csv', pairedCsv(state)]);
  files.push(['results.md', resultsMarkdown(state)], ['report.html', reportHtml(state, remote)]);
  return files.map(([name, text]) => {
    const path = join(sweepDir, name);
    writeAtomic(path, text);
    return path;
  });
}
