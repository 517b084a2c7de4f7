/** The logger's metric names: `lr` for the model's optimizer whatever others exist, `loss_det` apart from the supervisors' terms. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readMetricsLines } from '../../src/train/metrics_log.js';
import { buildToyRun } from './toy_run.js';

test('two optimizers log lr and lr_<name>; a supervisor\'s term is logged again as loss_aux/<owner>/<term> and left out of loss_det', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'detlab-logger-names-'));
  try {
    const run = buildToyRun({ runDir: dir, maxIters: 6, separateHead: true });
    // The toy's `loss_aux` stands for a supervisor's term (SupervisedDetector answers this for its supervisors).
    Object.assign(run.model, { auxiliaryTermOwner: (term: string) => (term === 'loss_aux' ? 'lgd' : undefined) });
    await run.runner.run();
    const lines = readMetricsLines(join(dir, 'metrics.jsonl'));
    assert.equal(lines.length, 6);
    lines.forEach((l, i) => {
      const m = l.metrics;
      assert.deepEqual(Object.keys(m).filter((k) => k.startsWith('lr')).sort(), ['lr', 'lr_head']);
      assert.equal(m.lr, run.steps[i].result.lr.default);
      assert.equal(m.lr_head, run.steps[i].result.lr.head);
      assert.equal(m.loss_det, m.loss_mse);
      assert.equal(m['loss_aux/lgd/loss_aux'], m.loss_aux);
      assert.ok(Math.abs(m.loss - m.loss_det - m.loss_aux) < 1e-12);
    });
    run.model.dispose();
    for (const e of run.optimizers) e.optimizer.dispose();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
