// The README's picture of a sweep in MLflow's run table: opens an experiment's
// runs view in headless Chromium (playwright-core, as the export test does),
// closes MLflow's side panels, expands the sweep's parent run and saves a PNG.
//
//   mlflow ui --backend-store-uri MLRUNS --port 5077     (MLFLOW_ALLOW_FILE_STORE=true for ./mlruns)
//   node scripts/mlflow_screenshot.mjs http://127.0.0.1:5077/#/experiments/ID/runs docs/images/mlflow_sweep_runs.png
import { chromium } from 'playwright-core';

const [url, out] = process.argv.slice(2);
if (url === undefined || out === undefined) {
  console.error('usage: node scripts/mlflow_screenshot.mjs RUNS_VIEW_URL OUT.png');
  process.exit(2);
}
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', args: ['--no-sandbox'] });
try {
  const page = await browser.newPage({ viewport: { width: 1500, height: 720 } });
  await page.goto(url);
  await page.waitForTimeout(6000);
  for (const name of ['Close', 'Got it']) {
    const buttons = page.getByRole('button', { name });
    for (let i = 0; i < (await buttons.count()); i++) await buttons.nth(i).click({ timeout: 1000 }).catch(() => undefined);
  }
  // The expander in the parent run's name cell shows its trials.
  await page.locator('button[data-component-id*="runnamecellrenderer"]').first().click({ timeout: 5000 });
  await page.waitForTimeout(1500);
  await page.screenshot({ path: out });
} finally {
  await browser.close();
}
