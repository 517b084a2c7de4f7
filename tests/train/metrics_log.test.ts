import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MetricsLog, readMetricsLines } from '../../src/train/metrics_log.js';

test('resume rule: the torn tail is cut and each (step, metric) is written once', () => {
  const dir = mkdtempSync(join(tmpdir(), 'detlab-mlog-'));
  try {
    const path = join(dir, 'metrics.jsonl');
    const first = new MetricsLog(path, false);
    for (let step = 1; step <= 6; step++) first.append([{ step, ts: 1000 + step, metrics: { loss: step / 10 } }]);
    first.append([{ step: 5, ts: 2000, metrics: { bbox_mAP: 0.25 } }]);
    first.close();
    appendFileSync(path, '{"step":7,"ts":1007,"metr'); // a write cut by SIGKILL

    // Resumed from a checkpoint at 4: steps 5-8 are recomputed; the eval at 6 had not been logged yet.
    const second = new MetricsLog(path, true);
    for (let step = 5; step <= 8; step++) second.append([{ step, ts: 3000 + step, metrics: { loss: step / 10 } }]);
    second.append([{ step: 5, ts: 3100, metrics: { bbox_mAP: 0.25 } }, { step: 6, ts: 3101, metrics: { bbox_mAP: 0.3 } }]);
    second.close();

    const lines = readMetricsLines(path);
    assert.deepEqual(lines.filter((l) => 'loss' in l.metrics).map((l) => l.step), [1, 2, 3, 4, 5, 6, 7, 8]);
    assert.deepEqual(lines.filter((l) => 'bbox_mAP' in l.metrics).map((l) => [l.step, l.metrics.bbox_mAP]), [[5, 0.25], [6, 0.3]]);
    assert.equal(lines.find((l) => l.step === 5 && 'loss' in l.metrics)!.ts, 1005, 'the first run\'s line is the one kept');
    assert.ok(readFileSync(path, 'utf8').endsWith('\n'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('non-finite values are written as MLflow spells them and read back', () => {
  const dir = mkdtempSync(join(tmpdir(), 'detlab-mlog-'));
  try {
    const path = join(dir, 'metrics.jsonl');
    const log = new MetricsLog(path, false);
    log.append([{ step: 1, ts: 1, metrics: { a: NaN, b: -Infinity } }]);
    log.close();
    assert.match(readFileSync(path, 'utf8'), /"a":"NaN","b":"-Infinity"/);
    const [line] = readMetricsLines(path);
    assert.ok(Number.isNaN(line.metrics.a) && line.metrics.b === -Infinity);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
