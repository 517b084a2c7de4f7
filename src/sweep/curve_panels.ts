/**
 * The training-curve panels of the sweep report, one per quantity so that
 * each keeps its own scale: the detection loss (`loss_det`; `loss` for runs
 * logged before it existed), each auxiliary loss (`loss_aux/<owner>/<term>`),
 * then, per family of other namespaced metrics the trials logged (`teacher/…`,
 * `diag/…`), one panel per metric. Nothing is listed by name beyond the
 * losses: a family appears when some trial logged it. Bookkeeping families
 * (learning rates, gradient norms of clipping, engine threads) are left out.
 * Each row (variant and swept values) is one colour: its mean over seeds
 * smoothed, with the raw mean faint behind it.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { readMetricsLines } from '../train/metrics_log.js';
import { rowLabel, type ResultRow } from './results.js';
import { mean } from './stats.js';
import { escapeXml } from '../vis/svg_text.js';
import { lineChart, type Series } from './svg.js';
import type { TrialRecord } from './state.js';

/** Families not drawn: they describe the optimisation's bookkeeping, not what a method changes. */
const NOT_DRAWN = new Set(['lr', 'grad_norm', 'engine']);

/** Weight of TensorBoard-style smoothing. */
export const SMOOTHING = 0.8;

/** An exponential moving average debiased at the start (as TensorBoard smooths), so early points are not pulled towards 0. */
export function smooth(ys: readonly number[], weight = SMOOTHING): number[] {
  let avg = 0;
  return ys.map((y, i) => {
    avg = weight * avg + (1 - weight) * y;
    return avg / (1 - weight ** (i + 1));
  });
}

/** A run's [step, value] points, by metric. */
export type Points = Map<string, Array<{ step: number; value: number }>>;

/** Per trial id, the points of every metric the report draws. */
export type Curves = Map<string, Points>;

/** Whether a metric can be drawn as a training curve: the losses and namespaced families other than bookkeeping. */
export function drawnMetric(m: string): boolean {
  return m === 'loss' || m === 'loss_det' || (m.includes('/') && !NOT_DRAWN.has(m.split('/')[0]));
}

/** Each trial's points by metric: from its metrics.jsonl when this machine has it, else its MLflow run's (`remote`). */
function trialPoints(t: TrialRecord, remote: Curves): Points {
  const out: Points = new Map();
  const file = t.runDir === undefined ? undefined : join(t.runDir, 'metrics.jsonl');
  if (file === undefined || !existsSync(file)) return remote.get(t.id) ?? out;
  for (const line of readMetricsLines(file)) {
    for (const [metric, value] of Object.entries(line.metrics)) {
      if (!Number.isFinite(value) || !drawnMetric(metric)) continue;
      if (!out.has(metric)) out.set(metric, []);
      out.get(metric)!.push({ step: line.step, value });
    }
  }
  return out;
}

/** The panels' metrics in display order, from what the trials logged. */
export function panelMetrics(logged: ReadonlySet<string>): { losses: string[]; families: Map<string, string[]> } {
  const losses = [logged.has('loss_det') ? 'loss_det' : 'loss', ...[...logged].filter((m) => m.startsWith('loss_aux/')).sort()];
  const families = new Map<string, string[]>();
  for (const m of [...logged].sort()) {
    const family = m.split('/')[0];
    if (!m.includes('/') || family === 'loss_aux' || NOT_DRAWN.has(family)) continue;
    if (!families.has(family)) families.set(family, []);
    families.get(family)!.push(m);
  }
  return { losses, families };
}

function panel(rows: ResultRow[], keys: string[], points: Map<string, Points>, metric: string): string {
  const series: Series[] = [];
  rows.forEach((row, colorIndex) => {
    const bySteps = new Map<number, number[]>();
    for (const t of row.trials) {
      for (const { step, value } of points.get(t.id)?.get(metric) ?? []) {
        if (!bySteps.has(step)) bySteps.set(step, []);
        bySteps.get(step)!.push(value);
      }
    }
    const raw = [...bySteps.entries()].sort(([a], [b]) => a - b).map(([x, ys]) => ({ x, y: mean(ys) }));
    if (raw.length < 2) return;
    const name = rowLabel(row, keys);
    const smoothed = smooth(raw.map((p) => p.y));
    series.push({ name, points: raw, colorIndex, faint: true }, { name, points: raw.map((p, i) => ({ x: p.x, y: smoothed[i] })), colorIndex });
  });
  if (series.length === 0) return '';
  return lineChart(series, { title: `${metric} (mean over seeds, smoothed ${SMOOTHING})`, xLabel: 'iteration', yLabel: metric });
}

/** The report's curve sections: `<h2>` headed groups of panels. `remote`: curves of trials whose metrics.jsonl is elsewhere. */
export function curvePanels(rows: ResultRow[], keys: string[], remote: Curves): string {
  const points = new Map<string, Points>();
  for (const t of rows.flatMap((r) => r.trials)) points.set(t.id, trialPoints(t, remote));
  const logged = new Set([...points.values()].flatMap((p) => [...p.keys()]));
  const { losses, families } = panelMetrics(logged);
  const sections: string[] = [];
  const lossCharts = losses.map((m) => panel(rows, keys, points, m)).filter((c) => c !== '');
  if (lossCharts.length > 0) sections.push(`<h2>Training losses</h2><div class="charts">${lossCharts.join('\n')}</div>`);
  for (const [family, metrics] of families) {
    const charts = metrics.map((m) => panel(rows, keys, points, m)).filter((c) => c !== '');
    if (charts.length > 0) sections.push(`<h2>${escapeXml(family)}/…</h2><div class="charts">${charts.join('\n')}</div>`);
  }
  return sections.join('\n');
}
