/** The report as papers print it: the AP columns, no best on a tie, one colour per row, curve panels per quantity, the parent run's metrics. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { smooth } from '../../src/sweep/curve_panels.js';
import { parentMetrics } from '../../src/sweep/parent_metrics.js';
import { reportHtml } from '../../src/sweep/report.js';
import { resultRows } from '../../src/sweep/results.js';
import type { SweepState, TrialRecord } from '../../src/sweep/state.js';
import { resultsMarkdown } from '../../src/sweep/table.js';

const STATS = ['bbox_mAP', 'bbox_mAP_50', 'bbox_mAP_75', 'bbox_mAP_s', 'bbox_mAP_m', 'bbox_mAP_l', 'bbox_AR_100'];

/** Two variants × two seeds; `lgd` scores `gain` more on every stat; with `curves`, each trial logs 10 steps of losses, diagnostics and teacher mAP. */
function sweep(dir: string, gain: number, curves = false): SweepState {
  const trials: TrialRecord[] = [];
  for (const variant of ['baseline', 'lgd']) {
    for (const seed of [0, 1]) {
      const metrics: Record<string, number> = {};
      STATS.forEach((m, i) => (metrics[m] = 0.1 * (i + 1) + 0.01 * seed + (variant === 'lgd' ? gain : 0)));
      const runDir = join(dir, `${variant}-${seed}`);
      if (curves) {
        mkdirSync(runDir, { recursive: true });
        const lines = Array.from({ length: 10 }, (_, i) => {
          const m: Record<string, number> = { loss: 3 - i / 10, loss_det: 1.3 - i / 20, lr: 0.01, lr_teacher: 0.001, 'engine/threads': 1 };
          if (variant === 'lgd') Object.assign(m, { 'loss_aux/lgd/loss_distill': 1.7 - i / 20, 'diag/lgd/grad_norm': 2 + i, 'diag/lgd/grad_ratio': 0.5 });
          if (variant === 'lgd' && i % 5 === 4) m['teacher/bbox_mAP'] = 0.2 + i / 100;
          return JSON.stringify({ step: i + 1, ts: 0, metrics: m });
        });
        writeFileSync(join(runDir, 'metrics.jsonl'), `${lines.join('\n')}\n`);
      }
      trials.push({ id: `${variant}${seed}`.padEnd(12, '0'), stage: '', variant, params: {}, seed, needs: {}, status: 'finished', attempts: 1, runDir, metrics, seconds: 1 });
    }
  }
  return { format: 'detlab-sweep/1', name: 'lgd', spec: 'spec.yaml', metric: 'bbox_mAP', mode: 'max', baseline: 'baseline', logKeys: [], trials };
}

test('results.md has the paper columns AP, AP50, AP75, APs, APm, APl, AR100 (mean ± std, %), the best bold in the ranking column only', () => {
  const md = resultsMarkdown(sweep('/nonexistent', 0.02));
  const [header, , baseline, lgd] = md.split('\n').slice(2, 6);
  assert.equal(header, '| variant | seeds | AP (%) | AP50 (%) | AP75 (%) | APs (%) | APm (%) | APl (%) | AR100 (%) | Δ bbox_mAP vs baseline |');
  assert.equal(baseline, '| baseline | 2/2 | 10.5 ± 0.7 | 20.5 ± 0.7 | 30.5 ± 0.7 | 40.5 ± 0.7 | 50.5 ± 0.7 | 60.5 ± 0.7 | 70.5 ± 0.7 | — |');
  assert.match(lgd, /^\| lgd \| 2\/2 \| \*\*12\.5 ± 0\.7\*\* \| 22\.5 ± 0\.7 \| 32\.5 ± 0\.7 \| .* \| 72\.5 ± 0\.7 \| \+2\.00 \[\+2\.00, \+2\.00\] p<0\.001 \(n=2\) \* \|$/);
});

test('a tie has no best row: nothing bold, no highlighted row', () => {
  const state = sweep('/nonexistent', 0);
  assert.deepEqual(resultRows(state).map((r) => r.best), [false, false]);
  assert.ok(!resultsMarkdown(state).includes('**'));
  assert.ok(!reportHtml(state).includes('class="best"'));
  const single = { ...state, trials: state.trials.filter((t) => t.variant === 'lgd') };
  assert.deepEqual(resultRows(single).map((r) => r.best), [false], 'a single row is not "best" either');
});

test('one colour per row in every chart: the Δ bar of a row has the colour of its bar in the metric chart, significance is fill, not colour', () => {
  const html = reportHtml(sweep('/nonexistent', 0.02));
  const bars = (title: string): string[] => {
    const svg = html.slice(html.indexOf(`aria-label="${title}"`));
    return [...svg.slice(0, svg.indexOf('</svg>')).matchAll(/<rect class="bar"[^>]*>/g)].map((m) => m[0]);
  };
  const [, lgdBar] = bars('bbox_mAP per variant');
  const [delta] = bars('Δ bbox_mAP vs baseline per variant (95 % CI)');
  const colour = /fill="(#[0-9a-f]{6})"/.exec(lgdBar)![1];
  assert.notEqual(colour, '#fff');
  assert.match(delta, new RegExp(`fill="${colour}"`), 'significant: filled with the row colour');
});

test('curve panels: the detection loss and each auxiliary loss apart, smoothed with the raw curve faint, one panel per metric of each logged family, no LR panel', () => {
  const dir = mkdtempSync(join(tmpdir(), 'detlab-panels-'));
  try {
    const html = reportHtml(sweep(dir, 0.02, true));
    const titles = [...html.matchAll(/aria-label="([^"]+) \(mean over seeds, smoothed 0\.8\)"/g)].map((m) => m[1]);
    assert.deepEqual(titles, ['loss_det', 'loss_aux/lgd/loss_distill', 'diag/lgd/grad_norm', 'diag/lgd/grad_ratio', 'teacher/bbox_mAP']);
    assert.match(html, /<h2>Training losses<\/h2>/);
    assert.match(html, /<h2>diag\/…<\/h2>/);
    const det = html.slice(html.indexOf('aria-label="loss_det'));
    const detSvg = det.slice(0, det.indexOf('</svg>'));
    assert.equal([...detSvg.matchAll(/<g class="series raw"/g)].length, 2, 'baseline and lgd raw');
    assert.equal([...detSvg.matchAll(/<g class="series" /g)].length, 2, 'baseline and lgd smoothed');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('smoothing is an exponential moving average debiased at the start', () => {
  const got = smooth([1, 2, 3], 0.5);
  const expected = [1, 1.25 / 0.75, 2.125 / 0.875];
  got.forEach((v, i) => assert.ok(Math.abs(v - expected[i]) < 1e-12, `${v} vs ${expected[i]}`));
  for (const v of smooth([4, 4, 4])) assert.ok(Math.abs(v - 4) < 1e-12, 'a constant stays itself');
});

test('parent run metrics: <row>/<metric>/{mean, std, n, delta, ci_low, ci_high, p} for the spec metric and each paper column', () => {
  const m = parentMetrics(sweep('/nonexistent', 0.02));
  assert.ok(Math.abs(m['baseline/bbox_mAP/mean'] - 0.105) < 1e-12);
  assert.ok(Math.abs(m['lgd/bbox_AR_100/mean'] - 0.725) < 1e-12);
  assert.ok(Math.abs(m['lgd/bbox_mAP/std'] - 0.01 / Math.SQRT2) < 1e-12);
  assert.equal(m['lgd/bbox_mAP/n'], 2);
  assert.ok(Math.abs(m['lgd/bbox_mAP_l/delta'] - 0.02) < 1e-12);
  assert.ok(m['lgd/bbox_mAP/p'] < 1e-3);
  assert.ok(m['lgd/bbox_mAP/ci_low'] <= 0.02 + 1e-12 && m['lgd/bbox_mAP/ci_high'] >= 0.02 - 1e-12);
  assert.equal(Object.keys(m).filter((k) => k.startsWith('baseline/')).length, 7 * 3, 'the baseline: mean, std and n only');
  assert.equal(Object.keys(m).filter((k) => k.startsWith('lgd/')).length, 7 * 7);
});

test("a stat pycocotools reports as −1 (no such objects in the val set) is a blank cell, not −100 %", () => {
  const dir = mkdtempSync(join(tmpdir(), 'detlab-report-nodata-'));
  try {
    const state = sweep(dir, 0.05);
    for (const t of state.trials) t.metrics!.bbox_mAP_l = -1;
    const lines = resultsMarkdown(state).split('\n').filter((l) => l.startsWith('| baseline') || l.startsWith('| lgd'));
    assert.equal(lines.length, 2);
    for (const line of lines) {
      const cells = line.split('|').map((c) => c.trim());
      assert.equal(cells[8], '—', line);
      assert.ok(!line.includes('-100'), line);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
