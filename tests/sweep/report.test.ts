import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { writeReport } from '../../src/sweep/report.js';
import { mean, resultRows, std } from '../../src/sweep/results.js';
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

test('results table: mean ± sample std over seeds, Δ vs the baseline at the same λ, the best row in bold', () => {
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
    assert.match(md, /\| shared \| 1 \| 3\/3 \| \*\*32\.0 ± 0\.5\*\* \| \+2\.0 \|/);
    assert.match(md, /\| baseline \| 0\.25 \| 3\/3 \| 26\.0 ± 0\.5 \| \+0\.0 \|/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('report.html in headless Chromium: the λ curve with error bars on a log axis, per-variant bars, training curves, no external asset', { skip: !existsSync('/usr/bin/chromium') && 'no /usr/bin/chromium' }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'detlab-report-'));
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  try {
    const files = writeReport(dir, lambdaSweep(dir));
    assert.deepEqual(files.map((f) => f.slice(dir.length + 1)), ['results.csv', 'results.md', 'report.html']);
    const csv = readFileSync(join(dir, 'results.csv'), 'utf8').trim().split('\n');
    assert.equal(csv.length, 31);
    assert.equal(csv[0], 'trial_id,stage,variant,model.aux.loss_weight,seed,status,seconds,bbox_mAP,loss');
    const page = await browser.newPage();
    const requests: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    await page.goto(pathToFileURL(join(dir, 'report.html')).href);
    assert.deepEqual(requests.filter((u) => !u.startsWith('file:')), [], 'nothing fetched from the network');
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
    assert.equal(await page.locator('svg[aria-label="training loss (mean over seeds)"] polyline').count(), 10);
    assert.equal(await page.locator('tr.best').count(), 1);
    await page.screenshot({ path: join(tmpdir(), 'detlab-sweep-report.png'), fullPage: true });
  } finally {
    await browser.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
