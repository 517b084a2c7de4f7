/**
 * Ctrl-C and SIGTERM reach a real `detlab train` mid-run: it stops after the
 * iteration in progress, saves a checkpoint there, ends its MLflow run as
 * KILLED, and `--resume` continues with every step logged once and the same
 * losses as an uninterrupted run.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readMetricsLines } from '../../src/train/metrics_log.js';
import { assertStoppedAfter, lossSteps, mlflowRunId } from '../helpers/run_files.js';
import { FileStore } from '../../src/track/file_store.js';
import { exitWithin, killAll, readLog, ROOT, signalFrozen, startDetlab, waitFor, type Started } from '../helpers/processes.js';

const CONFIG = join(ROOT, 'tests/train/fixtures/interrupt_retinanet.yaml');
const ITERS = 30;

/** The one run directory under `workDir`. */
function runDirOf(workDir: string): string {
  const runs = readdirSync(join(workDir, 'interrupt_retinanet'));
  assert.equal(runs.length, 1, `runs in ${workDir}: ${runs.join(', ')}`);
  return join(workDir, 'interrupt_retinanet', runs[0]);
}

/** The steps metrics.jsonl holds a loss for, in file order. */

function losses(runDir: string): number[] {
  return readMetricsLines(join(runDir, 'metrics.jsonl')).filter((l) => l.metrics.loss !== undefined).map((l) => l.metrics.loss);
}

async function mlflowRun(mlruns: string, runDir: string): Promise<{ status: string; lossSteps: number[] }> {
  const runId = mlflowRunId(runDir);
  const store = new FileStore(mlruns);
  const run = await store.getRun(runId);
  const steps = (await store.getMetricHistory(runId, 'loss')).map((p) => p.step).sort((a, b) => a - b);
  return { status: run.status, lossSteps: steps };
}

test('SIGINT to the process group, then SIGTERM to the resumed process: each stops within one iteration with a checkpoint and a KILLED run; the last resume completes every step once', { timeout: 240_000 }, async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'detlab-interrupt-'));
  t.after(async () => {
    await killAll();
    rmSync(root, { recursive: true, force: true });
  });
  const env = { MLFLOW_TRACKING_URI: join(root, 'mlruns') };
  const train = (tag: string, extra: string[]): Started =>
    startDetlab(['train', CONFIG, '--work-dir', join(root, 'runs'), ...extra], { cwd: root, env, log: join(root, `${tag}.log`) });

  const ref = startDetlab(['train', CONFIG, '--work-dir', join(root, 'ref')], { cwd: root, env: { MLFLOW_TRACKING_URI: join(root, 'mlruns-ref') }, log: join(root, 'ref.log') });
  assert.equal(await exitWithin(ref, 120_000), 0, readLog(ref.log));
  const reference = losses(runDirOf(join(root, 'ref')));
  assert.equal(reference.length, ITERS);

  let runDir = '';
  const interrupt = async (p: Started, signal: NodeJS.Signals, to: 'group' | 'process', atLeast: number): Promise<number> => {
    await waitFor(`step ${atLeast} of ${p.log}`, 120_000, () => {
      if (p.child.exitCode !== null) assert.fail(`${p.log} ended before the signal:\n${readLog(p.log)}`);
      runDir ||= readdirSafe(join(root, 'runs'));
      return runDir !== '' && lossSteps(runDir).length >= atLeast;
    });
    const seen = signalFrozen(p, signal, to, () => lossSteps(runDir).at(-1)!);
    assert.equal(await exitWithin(p, 60_000), 130, readLog(p.log));
    const last = assertStoppedAfter(runDir, seen, ITERS, signal);
    assert.match(readLog(p.log), new RegExp(`^${signal}: stopping after this iteration`, 'm'));
    const run = await mlflowRun(join(root, 'mlruns'), runDir);
    assert.equal(run.status, 'KILLED');
    assert.deepEqual(run.lossSteps, Array.from({ length: last }, (_, i) => i + 1), 'MLflow holds every step so far once');
    return last;
  };

  const stoppedAt = await interrupt(train('first', []), 'SIGINT', 'group', 6);
  await interrupt(train('second', ['--resume']), 'SIGTERM', 'process', stoppedAt + 6);

  const last = train('third', ['--resume']);
  assert.equal(await exitWithin(last, 120_000), 0, readLog(last.log));
  assert.deepEqual(lossSteps(runDir), Array.from({ length: ITERS }, (_, i) => i + 1), 'every step logged once across the three starts');
  assert.deepEqual(losses(runDir), reference, 'the same losses as the uninterrupted run');
  const run = await mlflowRun(join(root, 'mlruns'), runDir);
  assert.equal(run.status, 'FINISHED');
  assert.deepEqual(run.lossSteps, Array.from({ length: ITERS }, (_, i) => i + 1));
});

/** The run directory under `runsRoot` once `detlab train` has made it, else ''. */
function readdirSafe(runsRoot: string): string {
  try {
    return runDirOf(runsRoot);
  } catch {
    return '';
  }
}
