import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tf } from '../../src/engine/tf.js';
import { readMetricsLines } from '../../src/train/metrics_log.js';
import { buildToyRun } from './toy_run.js';

function fresh(): string {
  return mkdtempSync(join(tmpdir(), 'detlab-resume-'));
}

for (const optimizer of ['sgd', 'adamw'] as const) {
  test(`exact resume (${optimizer}, two optimizers): losses 51-100 after resuming at 50 equal the uninterrupted run`, async () => {
    const dirA = fresh();
    const dirB = fresh();
    try {
      const a = buildToyRun({ runDir: dirA, maxIters: 100, optimizer, separateHead: true });
      await a.runner.run();
      const uninterrupted = a.steps.map((s) => s.result.terms);

      // First half: an identical run interrupted after step 50 (as SIGINT does): it saves a checkpoint and stops.
      let stop = (): void => undefined;
      const stopAt50 = { name: 'stop50', afterStep: (_r: unknown, s: { step: number }) => (s.step === 50 ? stop() : undefined) };
      const b = buildToyRun({ runDir: dirB, maxIters: 100, optimizer, separateHead: true, checkpointInterval: 30, extraHooks: [stopAt50] });
      stop = () => b.runner.requestStop();
      const outcome = await b.runner.run();
      assert.equal(outcome.status, 'interrupted');
      assert.equal(b.steps.length, 50);
      const ckpt = join(dirB, 'checkpoints', 'iter_000050');
      assert.ok(existsSync(join(ckpt, 'state.json')));

      const c = buildToyRun({ runDir: dirB, maxIters: 100, optimizer, separateHead: true, checkpointInterval: 25, resumeFrom: ckpt });
      await c.runner.run();
      assert.equal(c.steps[0].step, 51);
      const resumed = c.steps.map((s) => s.result.terms);
      assert.deepEqual(resumed, uninterrupted.slice(50), 'every loss term of iterations 51-100 is bit-identical');

      const lines = readMetricsLines(join(dirB, 'metrics.jsonl'));
      assert.deepEqual(lines.map((l) => l.step), Array.from({ length: 100 }, (_, i) => i + 1), 'one metrics line per step, none duplicated');
      const linesA = readMetricsLines(join(dirA, 'metrics.jsonl'));
      assert.deepEqual(lines.map((l) => l.metrics.loss), linesA.map((l) => l.metrics.loss));
      for (const r of [a, b, c]) {
        r.model.dispose();
        for (const e of r.optimizers) e.optimizer.dispose();
      }
    } finally {
      rmSync(dirA, { recursive: true, force: true });
      rmSync(dirB, { recursive: true, force: true });
    }
  });
}

test('the runner keeps no tensors across steps beyond variables and optimizer slots', async () => {
  const dir = fresh();
  try {
    const counts: number[] = [];
    const probe = { name: 'probe', afterStep: () => void counts.push(tf.memory().numTensors) };
    const r = buildToyRun({ runDir: dir, maxIters: 12, extraHooks: [probe] });
    await r.runner.run();
    // Slots appear on the first step; from then on the count is flat.
    assert.equal(new Set(counts.slice(1)).size, 1, `numTensors per step: ${counts.join(', ')}`);
    r.model.dispose();
    for (const e of r.optimizers) e.optimizer.dispose();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
