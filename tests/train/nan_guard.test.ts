import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readMetricsLines } from '../../src/train/metrics_log.js';
import { NonFiniteLossError } from '../../src/train/nan_guard.js';
import { buildToyRun } from './toy_run.js';

test('a NaN loss stops the run naming the term and the iteration; the last good checkpoint stays', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'detlab-nan-'));
  try {
    let outcome: string | undefined;
    const watcher = { name: 'watch', afterRun: (_r: unknown, o: { status: string }) => void (outcome = o.status) };
    const r = buildToyRun({ runDir: dir, maxIters: 30, checkpointInterval: 5, nanAt: 11, extraHooks: [watcher] });
    await assert.rejects(r.runner.run(), (err: unknown) => {
      assert.ok(err instanceof NonFiniteLossError);
      assert.match(err.message, /loss term 'loss_aux' is NaN at iteration 12/);
      assert.equal(err.iteration, 12);
      return true;
    });
    assert.equal(outcome, 'failed', 'hooks see the failure (trackers mark the run FAILED)');
    const ckpts = readdirSync(join(dir, 'checkpoints'));
    assert.deepEqual(ckpts, ['iter_000005', 'iter_000010'], 'no checkpoint after the NaN, no temporary left');
    const state = JSON.parse(readFileSync(join(dir, 'checkpoints', 'iter_000010', 'state.json'), 'utf8')) as { iter: number };
    assert.equal(state.iter, 10);
    assert.deepEqual(readMetricsLines(join(dir, 'metrics.jsonl')).map((l) => l.step), Array.from({ length: 11 }, (_, i) => i + 1));
    r.model.dispose();

    // The bad step never updates the weights: they stay those after step 11.
    let weightsBefore: number[] = [];
    const ref: { model?: { head: { weight: { dataSync(): ArrayLike<number> } } } } = {};
    const snap = { name: 'snap', afterStep: () => void (weightsBefore = Array.from(ref.model!.head.weight.dataSync())) };
    const r2 = buildToyRun({ runDir: mkdtempSync(join(tmpdir(), 'detlab-nan2-')), maxIters: 30, nanAt: 11, extraHooks: [snap] });
    ref.model = r2.model;
    await assert.rejects(r2.runner.run(), NonFiniteLossError);
    assert.deepEqual(Array.from(r2.model.head.weight.dataSync()), weightsBefore);
    assert.ok(!existsSync(join(r2.runner.runDir, 'checkpoints', 'iter_000012')));
    rmSync(r2.runner.runDir, { recursive: true, force: true });
    r2.model.dispose();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
