/**
 * `detlab sweep report`: results.csv, paired.csv, results.md and report.html in
 * the sweep directory, from the state file and the trials' metrics.jsonl (or,
 * for trials run on another machine's disk, their curves from MLflow:
 * remote_curves.ts). The HTML is one self-contained file (inline SVG, no
 * script, no external asset): the table as papers print it (AP, AP50, AP75,
 * APs, APm, APl, AR100 when the trials evaluated), beside each plot of the
 * metric the seed-paired Δ vs the baseline with its 95 % interval, then the
 * training curves (curve_panels.ts).
 */
import { renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { curvePanels } from './curve_panels.js';
import type { Curves } from './curve_panels.js';
import { paramKeys, resultRows, rowLabel, significant, type ResultRow } from './results.js';
import type { SweepState } from './state.js';
import { ALPHA } from './stats.js';
import { escapeXml } from '../vis/svg_text.js';
import { barChart, lineChart, type Bar, type Series, type XYPoint } from './svg.js';
import { cellText, deltaLegend, metricColumns, metricHeading, pairedCsv, resultsCsv, resultsMarkdown, scale } from './table.js';
import { formatValue } from './trial.js';

function writeAtomic(path: string, text: string): void {
  writeFileSync(`${path}.tmp`, text);
  renameSync(`${path}.tmp`, path);
}

function addPoint(series: Map<string, Series>, name: string, point: XYPoint): void {
  if (!series.has(name)) series.set(name, { name, points: [] });
  series.get(name)!.points.push(point);
}

/** A row's paired Δ vs the baseline as the table prints it (AP in percent), with its 95 % interval as the whisker. */
function deltaBar(r: ResultRow, state: SweepState, label: string, colorIndex: number): Bar {
  const k = scale(state);
  const test = r.paired!.test;
  return { label, value: r.paired!.mean! * k, err: test === undefined ? 0 : (test.high - test.mean) * k, colorIndex, open: !significant(r.paired!), note: cellText(r, state).delta };
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
        const bar = deltaBar(r, state, name, 0);
        addPoint(delta, name, { x, y: bar.value, err: bar.err, open: bar.open, note: bar.note });
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

/** `remote`: training curves of trials whose metrics.jsonl is not on this machine. */
export function reportHtml(state: SweepState, remote: Curves = new Map()): string {
  const rows = resultRows(state);
  const keys = paramKeys(state);
  const k = scale(state);
  const hasVariants = rows.some((r) => r.variant !== null);
  const hasDelta = state.baseline !== '';
  const columns = metricColumns(state);
  const head = [...(hasVariants ? ['variant'] : []), ...keys, 'seeds', ...columns.map((c) => c.heading), ...(hasDelta ? [`Δ ${state.metric} vs ${state.baseline}`] : [])];
  const body = rows.map((r, i) => {
    const { delta } = cellText(r, state);
    const cells = [...(hasVariants ? [r.variant ?? ''] : []), ...keys.map((key) => formatValue(r.params[key])), `${r.values.length}/${r.trials.length}`];
    const metrics = columns.map((c) => `<td data-metric="${escapeXml(c.metric)}">${c.cells[i].best ? `<b>${escapeXml(c.cells[i].text)}</b>` : escapeXml(c.cells[i].text)}</td>`);
    const deltaCell = `<td${r.paired !== undefined && significant(r.paired) ? ' class="significant"' : ''}>${escapeXml(delta)}</td>`;
    return `<tr${r.best ? ' class="best"' : ''}>${cells.map((c) => `<td>${escapeXml(c)}</td>`).join('')}${metrics.join('')}${hasDelta ? deltaCell : ''}</tr>`;
  });
  const charts = sweptValueCharts(state, rows, keys);
  const scored = rows.filter((r) => r.mean !== undefined);
  if (scored.length > 1 && (hasVariants || charts.length === 0)) {
    const what = hasVariants ? 'variant' : 'trial group';
    const bars = scored.map((r) => ({ label: rowLabel(r, keys), value: r.mean! * k, err: r.std! * k, colorIndex: rows.indexOf(r), bold: r.best }));
    charts.push(barChart(bars, { title: `${state.metric} per ${what}`, yLabel: metricHeading(state) }));
    const paired = pairedRows(rows);
    if (paired.length > 0) charts.push(barChart(paired.map((r) => deltaBar(r, state, rowLabel(r, keys), rows.indexOf(r))), { title: deltaTitle(state, `per ${what}`), yLabel: `Δ ${metricHeading(state)}`, zeroLine: true }));
  }
  const failed = state.trials.filter((t) => t.status !== 'finished');
  const legend = hasDelta
    ? `<p class="legend">${escapeXml(deltaLegend(state))} In the Δ plots the whiskers are the 95 % intervals, the dashed line is Δ = 0, and filled points and bars are the differences with p &lt; ${ALPHA} (open ones are not). A colour stands for one row of the table in every chart.</p>\n`
    : '';
  const problems = failed.length === 0 ? '' : `<h2>Unfinished trials</h2><ul>${failed.map((t) => `<li><code>${t.id}</code> ${escapeXml(t.status)}${t.error === undefined ? '' : `: ${escapeXml(t.error)}`}</li>`).join('')}</ul>`;
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeXml(state.name)}: sweep report</title>
<style>body{font-family:sans-serif;margin:2em;max-width:1300px}table{border-collapse:collapse}td,th{border:1px solid #bbb;padding:3px 9px;text-align:right}tr.best td{background:#fff3c4}td.significant{font-weight:bold}svg{margin:8px;border:1px solid #eee}</style></head>
<body><h1>${escapeXml(state.name)}</h1>
<p>${state.trials.length} trials; ${state.metric}, ${state.mode === 'max' ? 'higher' : 'lower'} is better; mean ± sample std over seeds.</p>
<table><thead><tr>${head.map((h) => `<th>${escapeXml(h)}</th>`).join('')}</tr></thead><tbody>${body.join('')}</tbody></table>
${legend}<div class="charts">${charts.join('\n')}</div>
${curvePanels(rows, keys, remote)}${problems}
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
