import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Page } from 'playwright-core';
import { writeReport } from '../../src/sweep/report.js';
import { resultRows } from '../../src/sweep/results.js';
import { mean, std } from '../../src/sweep/stats.js';
import type { SweepState, TrialRecord } from '../../src/sweep/state.js';
import { resultsMarkdown } from '../../src/sweep/table.js';

/** An SVG element as seen in the page (the tests compile without the DOM types). */
type Graphic = { getBBox(): { x: number; width: number; height: number } };

const LAMBDAS = [0.25, 0.5, 1, 2, 4];
const SEEDS = [0, 1, 2];

/** A finished λ search (2 variants × 5 λ × 3 seeds) with mAPs peaking at λ = 1 for `shared`, and a training curve per trial. */
function lambdaSweep(dir: string): SweepState {
  const trials: TrialRecord[] = [];
  let n = 0;
  for (const variant of ['baseline', 'shared']) {
    for (const lambda of LAMBDAS) {
      for (const seed of SEEDS) {
        const id = (n++).toString(16).padStart(12, '0');
        const runDir = join(dir, 'trials', id, 'run');
        mkdirSync(runDir, { recursive: true });
        const lines = Array.from({ length: 20 }, (_, i) => JSON.stringify({ step: i + 1, ts: 0, metrics: { loss: 2 / (i + 1) + lambda / 10 + seed / 100 } }));
        writeFileSync(join(runDir, 'metrics.jsonl'), `${lines.join('\n')}\n`);
        const peak = variant === 'shared' ? 0.02 : 0;
        const map = 0.3 + peak - 0.01 * Math.log2(lambda) ** 2 + 0.005 * (seed - 1);
        trials.push({ id, stage: '', variant, params: { 'model.aux.loss_weight': lambda }, seed, needs: {}, status: 'finished', attempts: 1, runDir, metrics: { bbox_mAP: map, loss: 0.1 }, seconds: 1 });
      }
    }
  }
  return { format: 'detlab-sweep/1', name: 'lambda_search', spec: 'spec.yaml', metric: 'bbox_mAP', mode: 'max', baseline: 'baseline', logKeys: ['model.aux.loss_weight'], trials };
}

test('results table: mean ± sample std over seeds, paired Δ vs the baseline at the same λ, the best row in bold', () => {
  const dir = mkdtempSync(join(tmpdir(), 'detlab-report-'));
  try {
    const state = lambdaSweep(dir);
    const rows = resultRows(state);
    assert.equal(rows.length, 10);
    const best = rows.filter((r) => r.best);
    assert.equal(best.length, 1);
    assert.deepEqual([best[0].variant, best[0].params['model.aux.loss_weight']], ['shared', 1]);
    const values = state.trials.filter((t) => t.variant === 'shared' && t.params['model.aux.loss_weight'] === 1).map((t) => t.metrics!.bbox_mAP);
    assert.ok(Math.abs(best[0].mean! - mean(values)) < 1e-12);
    assert.ok(Math.abs(best[0].std! - 0.005) < 1e-12, 'sample std of x−0.005, x, x+0.005 is 0.005');
    assert.equal(std([1]), 0);
    const md = resultsMarkdown(state);
    // Both variants share the seed effect, so every paired difference is 2 points: a zero-width interval.
    assert.match(md, /\| shared \| 1 \| 3\/3 \| \*\*32\.0 ± 0\.5\*\* \| \+2\.00 \[\+2\.00, \+2\.00\] p<0\.001 \(n=3\) \* \|/);
    assert.match(md, /\| baseline \| 0\.25 \| 3\/3 \| 26\.0 ± 0\.5 \| — \|/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

const NO_CHROMIUM = !existsSync('/usr/bin/chromium') && 'no /usr/bin/chromium';

/**
 * Writes the report of `sweep(dir)` into a temporary directory, opens its report.html in headless Chromium,
 * checks that nothing is fetched from the network, runs `check` and saves a screenshot as tmpdir()/`screenshot`.
 */
async function inReportPage(sweep: (dir: string) => SweepState, screenshot: string, check: (page: Page, dir: string, files: string[]) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'detlab-report-'));
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  try {
    const files = writeReport(dir, sweep(dir));
    const page = await browser.newPage();
    const requests: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    await page.goto(pathToFileURL(join(dir, 'report.html')).href);
    assert.deepEqual(requests.filter((u) => !u.startsWith('file:')), [], 'nothing fetched from the network');
    await check(page, dir, files);
    await page.screenshot({ path: join(tmpdir(), screenshot), fullPage: true });
  } finally {
    await browser.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

test('report.html in headless Chromium: the λ curve with error bars on a log axis, per-variant bars, training curves, no external asset', { skip: NO_CHROMIUM }, async () => {
  await inReportPage(lambdaSweep, 'detlab-sweep-report.png', async (page, dir, files) => {
    assert.deepEqual(files.map((f) => f.slice(dir.length + 1)), ['results.csv', 'paired.csv', 'results.md', 'report.html']);
    const csv = readFileSync(join(dir, 'results.csv'), 'utf8').trim().split('\n');
    assert.equal(csv.length, 31);
    assert.equal(csv[0], 'trial_id,stage,variant,model.aux.loss_weight,seed,status,seconds,bbox_mAP,loss');
    const lambda = page.locator('svg[aria-label="bbox_mAP vs model.aux.loss_weight"]');
    assert.equal(await lambda.count(), 1);
    assert.equal(await lambda.locator('circle.point').count(), 10, '5 λ × 2 variants');
    assert.equal(await lambda.locator('path.errorbar').count(), 10);
    assert.equal(await lambda.locator('.x-axis.log').count(), 1);
    const labels = await lambda.locator('.x-axis text.tick-label').allTextContents();
    assert.deepEqual(labels, ['2−2', '2−1', '20', '21', '22']);
    // On a log axis the λ ticks are evenly spaced.
    const xs = (await lambda.locator('.x-axis text.tick-label').evaluateAll((els) => els.map((e) => (e as unknown as Graphic).getBBox().x + (e as unknown as Graphic).getBBox().width / 2)));
    const gaps = xs.slice(1).map((x, i) => x - xs[i]);
    for (const g of gaps) assert.ok(Math.abs(g - gaps[0]) < 3, `even spacing: ${gaps.join(', ')}`);
    // The error bars are drawn: each has a rendered height matching ± one std around its point.
    const heights = await lambda.locator('path.errorbar').evaluateAll((els) => els.map((e) => (e as unknown as Graphic).getBBox().height));
    for (const h of heights) assert.ok(h > 1, `error bar height ${h}`);
    assert.equal(await page.locator('svg[aria-label="bbox_mAP per variant"] rect.bar').count(), 10);
    const loss = page.locator('svg[aria-label="loss (mean over seeds, smoothed 0.8)"]');
    assert.equal(await loss.locator('g.series:not(.raw) polyline').count(), 10, 'one smoothed curve per row');
    assert.equal(await loss.locator('g.series.raw polyline[stroke-opacity="0.25"]').count(), 10, 'behind each, its raw curve, faint');
    assert.equal(await page.locator('tr.best').count(), 1);
  });
});

const PAIRED_SEEDS = [0, 1, 2, 3, 4];

/**
 * Differences from the baseline in percent points, by variant, λ and seed; undefined: that trial failed.
 * The baseline's own trial for λ = 2, seed 4 failed too, so no λ = 2 row pairs seed 4.
 */
const DIFFS: Record<string, Record<number, Array<number | undefined>>> = {
  a: { 1: [1, 2, 3, 4, 5], 2: [0.3, -0.2, 0.15, -0.05, 9] },
  b: { 1: [1, 2, undefined, 3, 5], 2: [-1, -2, -3, -4, 7] },
  c: { 1: [1.5, undefined, undefined, undefined, undefined], 2: [undefined, undefined, undefined, undefined, undefined] },
};

/** A sweep with a baseline and variants a, b, c at λ = 1 and 2, five seeds; the baseline scores 30 + seed points. */
function pairedSweep(): SweepState {
  const trials: TrialRecord[] = [];
  for (const variant of ['baseline', 'a', 'b', 'c']) {
    for (const lambda of [1, 2]) {
      for (const seed of PAIRED_SEEDS) {
        const diff = variant === 'baseline' ? (lambda === 2 && seed === 4 ? undefined : 0) : DIFFS[variant][lambda][seed];
        const id = `${variant}-${lambda}-${seed}`.padEnd(12, '0');
        const record: TrialRecord = { id, stage: '', variant, params: { 'model.aux.loss_weight': lambda }, seed, needs: {}, status: 'failed', attempts: 1, error: 'diverged' };
        if (diff !== undefined) Object.assign(record, { status: 'finished', error: undefined, metrics: { bbox_mAP: (30 + seed + diff) / 100 }, seconds: 1 });
        trials.push(record);
      }
    }
  }
  return { format: 'detlab-sweep/1', name: 'paired', spec: 'spec.yaml', metric: 'bbox_mAP', mode: 'max', baseline: 'baseline', logKeys: [], trials };
}

/** The cells of results.md's table row for `variant` at λ. */
function mdRow(md: string, variant: string, lambda: number): string[] {
  const line = md.split('\n').find((l) => l.startsWith(`| ${variant} | ${lambda} |`));
  assert.ok(line !== undefined, `no row ${variant} λ=${lambda} in\n${md}`);
  return line.split('|').slice(1, -1).map((c) => c.trim());
}

test('paired Δ vs the baseline (SciPy values): mean, 95 % CI, p and n per row, * for p < 0.05, n < 2 without CI, missing seeds left out', () => {
  const md = resultsMarkdown(pairedSweep());
  const delta = (variant: string, lambda: number): string => mdRow(md, variant, lambda).at(-1)!;
  // d = [1, 2, 3, 4, 5]: t = 4.2426 on 4 df, CI [1.0368, 4.9632], p = 0.013236.
  assert.equal(delta('a', 1), '+3.00 [+1.04, +4.96] p=0.013 (n=5) *');
  // The baseline's seed 4 failed: a's seed 4 (+9) is left out; d = [0.3, −0.2, 0.15, −0.05], p = 0.68011.
  assert.equal(delta('a', 2), '+0.05 [−0.30, +0.40] p=0.68 (n=4)');
  // b's seed 2 failed: d = [1, 2, 3, 5] over seeds 0, 1, 3, 4, CI [0.0325, 5.4675], p = 0.048567.
  assert.equal(delta('b', 1), '+2.75 [+0.03, +5.47] p=0.049 (n=4) *');
  assert.deepEqual(mdRow(md, 'b', 1).slice(0, 3), ['b', '1', '4/5']);
  // d = [−1, −2, −3, −4], CI [−4.5543, −0.4457], p = 0.030466.
  assert.equal(delta('b', 2), '−2.50 [−4.55, −0.45] p=0.030 (n=4) *');
  assert.equal(delta('c', 1), '+1.50 (n=1 < 2: no CI)');
  assert.deepEqual(mdRow(md, 'c', 2).slice(2), ['0/5', '—', '— (n=0)']);
  assert.equal(delta('baseline', 1), '—');
  assert.match(md, /\n\nΔ \(percent points\): mean of the seed-paired differences from baseline at the same swept values, over the n seeds finished in both rows; \[95 % CI\] from Student's t with n − 1 degrees of freedom; p: two-sided paired t-test; \* p < 0\.05; no CI or p for n < 2\.\n$/);
});

test('paired.csv: one line per row compared with the baseline, in the metric units of results.csv, t-test columns empty for n < 2', () => {
  const dir = mkdtempSync(join(tmpdir(), 'detlab-report-'));
  try {
    writeReport(dir, pairedSweep());
    const [header, ...lines] = readFileSync(join(dir, 'paired.csv'), 'utf8').trim().split('\n').map((l) => l.split(','));
    assert.deepEqual(header, ['variant', 'model.aux.loss_weight', 'baseline', 'metric', 'n', 'seeds', 'delta_mean', 'delta_sd', 'se', 't', 'df', 'ci95_low', 'ci95_high', 'p', 'significant']);
    assert.deepEqual(lines.map((l) => l.slice(0, 6).join(',')), ['a,1,baseline,bbox_mAP,5,0 1 2 3 4', 'a,2,baseline,bbox_mAP,4,0 1 2 3', 'b,1,baseline,bbox_mAP,4,0 1 3 4', 'b,2,baseline,bbox_mAP,4,0 1 2 3', 'c,1,baseline,bbox_mAP,1,0', 'c,2,baseline,bbox_mAP,0,']);
    const a1 = Object.fromEntries(header.map((h, i) => [h, lines[0][i]]));
    const expected = { delta_mean: 0.03, delta_sd: 0.0158113883008419, se: 0.00707106781186548, t: 4.242640687119285, df: 4, ci95_low: 0.0103675683852244, ci95_high: 0.0496324316147756, p: 0.01323559956368269 };
    for (const [k, v] of Object.entries(expected)) assert.ok(Math.abs(Number(a1[k]) - v) < 1e-9 * Math.max(1, Math.abs(v)), `${k}: ${a1[k]} vs ${v}`);
    assert.equal(a1.significant, 'true');
    assert.equal(lines[1].at(-1), 'false');
    assert.ok(Math.abs(Number(lines[4][6]) - 0.015) < 1e-12, `c λ=1 Δ ${lines[4][6]}`);
    assert.deepEqual(lines[4].slice(7), Array(8).fill(''));
    assert.deepEqual(lines[5].slice(6), Array(9).fill(''));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('report.html in headless Chromium: Δ panels with 95 % CI whiskers, a line at 0, significant differences filled, the others open', { skip: NO_CHROMIUM }, async () => {
  await inReportPage(pairedSweep, 'detlab-sweep-report-paired.png', async (page) => {
    assert.equal(await page.locator('td.significant').count(), 3, 'a λ=1, b λ=1, b λ=2');
    assert.match(await page.locator('p.legend').innerText(), /two-sided paired t-test/);
    const byLambda = page.locator('svg[aria-label="Δ bbox_mAP vs baseline by model.aux.loss_weight (95 % CI)"]');
    assert.equal(await byLambda.count(), 1);
    assert.deepEqual(await byLambda.locator('g.series').evaluateAll((els) => els.map((e) => e.getAttribute('data-name'))), ['a', 'b', 'c']);
    assert.equal(await byLambda.locator('circle.point').count(), 5, 'a and b at both λ, c at λ = 1 only');
    assert.equal(await byLambda.locator('circle.point.open').count(), 2, 'a λ=2 (p = 0.68) and c λ=1 (n = 1)');
    assert.equal(await byLambda.locator('line.zero-line').count(), 1);
    // Whiskers: a λ=1, a λ=2, b λ=1, b λ=2 (c's single seed has none), as long as the intervals.
    const heights = await byLambda.locator('path.errorbar').evaluateAll((els) => els.map((e) => (e as unknown as Graphic).getBBox().height));
    const widths = [4.963243161477557 - 1.0367568385224428, 0.39982791608542084 + 0.29982791608542086, 5.467530883796015 - 0.03246911620398496, 4.554260256760521 - 0.4457397432394794];
    assert.equal(heights.length, 4);
    heights.forEach((h, i) => assert.ok(Math.abs(h / heights[0] - widths[i] / widths[0]) < 0.01, `whisker ${i}: ${h} px for a CI ${widths[i]} wide`));
    const bars = page.locator('svg[aria-label="Δ bbox_mAP vs baseline per variant (95 % CI)"]');
    assert.equal(await bars.locator('rect.bar').count(), 5);
    assert.equal(await bars.locator('rect.bar:not([fill="#fff"])').count(), 3, 'filled: the significant differences');
    assert.equal(await bars.locator('rect.bar[fill="#fff"]').count(), 2, 'open: a λ=2 and c λ=1');
    assert.equal(await bars.locator('path.errorbar').count(), 4);
    assert.equal(await bars.locator('line.zero-line').count(), 1);
  });
});
