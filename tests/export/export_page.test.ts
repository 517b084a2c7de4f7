/**
 * `detlab export`: the page, served on 127.0.0.1 and opened in headless
 * Chromium, finds the boxes Node's predict() finds on its sample image, on
 * the backend it picks (WebGL, else wasm) and on wasm forced.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';
import { after, before, test } from 'node:test';
import { chromium, type Browser } from 'playwright-core';
import { loadDetector, type Prediction } from 'detlab';
import { runCli } from '../cli/run_cli.js';
import { TINY_CONFIG, settledCount, trainTinyDetector } from '../helpers/tiny_detector.js';

const CHROMIUM = process.env.DETLAB_CHROMIUM ?? '/usr/bin/chromium';
const dir = mkdtempSync(join(tmpdir(), 'detlab-export-'));
const out = join(dir, 'page');
const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.json': 'application/json', '.wasm': 'application/wasm', '.png': 'image/png' };
let server: Server;
let browser: Browser | undefined;
let expected: Prediction;

before(async () => {
  const tiny = await trainTinyDetector(dir);
  const r = await runCli(['export', TINY_CONFIG, '--checkpoint', tiny.checkpoint, '--out', out, ...tiny.sets.flatMap((s) => ['--set', s])]);
  assert.equal(r.code, 0, r.stderr);
  const detector = await loadDetector(TINY_CONFIG, { checkpoint: tiny.checkpoint, overrides: tiny.sets, log: false });
  [expected] = await detector.predict(join(out, 'sample.png'));
  detector.dispose();
  server = createServer((req, res) => {
    const path = normalize(join(out, new URL(req.url ?? '/', 'http://127.0.0.1').pathname));
    if (!path.startsWith(out) || !existsSync(path) || path === out) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[extname(path)] ?? 'application/octet-stream' }).end(readFileSync(path));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
});

after(async () => {
  await browser?.close();
  server?.close();
  rmSync(dir, { recursive: true, force: true });
});

test('the export holds the page, the bundle, the weights, the sample and the wasm files', () => {
  assert.deepEqual(readdirSync(out).sort(), [
    'detector.js', 'index.html', 'model.json', 'sample.png',
    'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm', 'tfjs-backend-wasm.wasm', 'weights.safetensors',
  ]);
  const spec = JSON.parse(readFileSync(join(out, 'model.json'), 'utf8')) as { format: string; classes: string[]; model: { type: string } };
  assert.equal(spec.format, 'detlab-export/1');
  assert.equal(spec.model.type, 'RetinaNet');
  assert.equal(spec.classes.length, 6);
});

async function pageResult(query: string): Promise<{ backend: string; prediction: Prediction }> {
  browser ??= await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--use-angle=swiftshader', '--enable-unsafe-swiftshader'] });
  const page = await browser.newPage();
  // A script error fails at once instead of waiting for the timeout.
  const failed = new Promise<never>((_, reject) => page.on('pageerror', reject));
  failed.catch(() => undefined);
  try {
    await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/index.html${query}`);
    await Promise.race([page.waitForFunction('window.detlab !== undefined', null, { timeout: 300_000 }), failed]);
    return (await page.evaluate('window.detlab')) as { backend: string; prediction: Prediction };
  } finally {
    await page.close();
  }
}

function assertSameBoxes(got: Prediction, want: Prediction, backend: string): void {
  assert.equal(got.detections.length, want.detections.length, `${backend}: as many detections as Node`);
  const k = settledCount(want.detections.map((d) => d.score), 20);
  assert.ok(k >= 1);
  for (let i = 0; i < k; i++) {
    const [g, w] = [got.detections[i], want.detections[i]];
    assert.equal(g.className, w.className, `${backend}: detection ${i} class`);
    assert.ok(Math.abs(g.score - w.score) < 1e-4, `${backend}: detection ${i} score ${g.score} vs ${w.score}`);
    g.bbox.forEach((v, j) => assert.ok(Math.abs(v - w.bbox[j]) < 1e-3, `${backend}: detection ${i} box [${g.bbox.join(', ')}] vs [${w.bbox.join(', ')}]`));
  }
}

test('the page in Chromium finds the boxes Node finds, on its own backend and on wasm', { skip: existsSync(CHROMIUM) ? false : `no Chromium at ${CHROMIUM} (apt-get install chromium, or set DETLAB_CHROMIUM)` }, async () => {
  const chosen = await pageResult('');
  assert.ok(['webgl', 'wasm'].includes(chosen.backend), chosen.backend);
  assertSameBoxes(chosen.prediction, expected, chosen.backend);
  if (chosen.backend !== 'wasm') assertSameBoxes((await pageResult('?backend=wasm')).prediction, expected, 'wasm');
});
