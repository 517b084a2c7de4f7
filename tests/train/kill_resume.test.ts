import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listCheckpoints } from '../../src/train/checkpoint.js';
import { readMetricsLines } from '../../src/train/metrics_log.js';
import { buildToyRun } from './toy_run.js';

const child = join(import.meta.dirname, 'fixtures', 'toy_train_child.js');
const MAX_ITERS = 150;

function start(runDir: string, resume: boolean): { proc: ReturnType<typeof spawn>; exit: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> } {
  const proc = spawn(process.execPath, [child, runDir, String(MAX_ITERS), ...(resume ? ['--resume'] : [])], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  proc.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((resolve) => proc.on('exit', (code, signal) => resolve({ code, signal, stderr })));
  return { proc, exit };
}

function lineCount(path: string): number {
  return existsSync(path) ? readFileSync(path, 'utf8').split('\n').length - 1 : 0;
}

test('a SIGKILLed run resumes from its last checkpoint with no metrics line lost or duplicated', async () => {
  const runDir = mkdtempSync(join(tmpdir(), 'detlab-kill-'));
  const refDir = mkdtempSync(join(tmpdir(), 'detlab-kill-ref-'));
  try {
    const first = start(runDir, false);
    const metrics = join(runDir, 'metrics.jsonl');
    // Kill somewhere after the second checkpoint (step 20) and before the end, between checkpoints.
    while (lineCount(metrics) < 27) {
      const early = await Promise.race([first.exit, new Promise<undefined>((r) => setTimeout(() => r(undefined), 5))]);
      if (early !== undefined) assert.fail(`the child ended before it could be killed: ${early.stderr}`);
    }
    first.proc.kill('SIGKILL');
    const killed = await first.exit;
    assert.equal(killed.signal, 'SIGKILL');
    const linesAtKill = readMetricsLines(metrics).length;
    const lastCkpt = listCheckpoints(join(runDir, 'checkpoints')).at(-1)!;
    const ckptIter = Number(/iter_(\d+)$/.exec(lastCkpt)![1]);
    assert.ok(ckptIter >= 20 && ckptIter < MAX_ITERS);
    assert.ok(linesAtKill > ckptIter, `lines past the checkpoint were written before the kill (${linesAtKill} > ${ckptIter})`);

    const second = start(runDir, true);
    const done = await second.exit;
    assert.equal(done.code, 0, done.stderr);

    const ref = buildToyRun({ runDir: refDir, maxIters: MAX_ITERS });
    await ref.runner.run();
    ref.model.dispose();
    const got = readMetricsLines(metrics);
    const want = readMetricsLines(join(refDir, 'metrics.jsonl'));
    assert.deepEqual(got.map((l) => l.step), Array.from({ length: MAX_ITERS }, (_, i) => i + 1), 'each step exactly once');
    assert.deepEqual(got.map((l) => l.metrics.loss_mse), want.map((l) => l.metrics.loss_mse), 'same values as an uninterrupted run');
  } finally {
    rmSync(runDir, { recursive: true, force: true });
    rmSync(refDir, { recursive: true, force: true });
  }
});
