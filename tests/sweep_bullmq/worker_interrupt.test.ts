/**
 * Ctrl-C reaches a real `detlab worker` and its trial (the worker's process
 * group) mid-trial, then SIGTERM a second worker alone: each time the trial
 * stops after the iteration in progress with a checkpoint there and a KILLED
 * MLflow run, the worker gives it back to the queue and exits, and a third
 * worker resumes it to the end with every step logged once, in the same MLflow run.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { latestRun, trialDir } from '../../src/sweep/trial_runner.js';
import { FileStore } from '../../src/track/file_store.js';
import { assertStoppedAfter, firstTrialRun, lossSteps, mlflowRunId } from '../helpers/run_files.js';
import { exitWithin, killAll, readLog, ROOT, signalFrozen, startDetlab, waitFor, type Started } from '../helpers/processes.js';
import { RedisServer } from '../helpers/redis_server.js';

const CONFIG = join(ROOT, 'tests/train/fixtures/interrupt_retinanet.yaml');
const ITERS = 16;


test('Ctrl-C to a worker mid-trial, then SIGTERM to the next: each time the trial stops within one iteration with a checkpoint and a KILLED run, a third worker resumes it, every step once', { timeout: 300_000 }, async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'detlab-worker-interrupt-'));
  const redis = await RedisServer.start();
  t.after(async () => {
    await killAll();
    await redis.dispose();
    rmSync(root, { recursive: true, force: true });
  });
  const spec = join(root, 'spec.yaml');
  writeFileSync(spec, `name: interrupt_queue\nbase: ${CONFIG}\nset: { train.max_iters: ${ITERS} }\nmetric: bbox_mAP\nmode: max\n`);
  const sweepDir = join(root, 'sweep');
  const mlruns = join(root, 'mlruns');
  const env = { MLFLOW_TRACKING_URI: mlruns };
  const worker = (tag: string) => startDetlab(['worker', '--redis', redis.url, '--concurrency', '1'], { cwd: root, env, log: join(root, `${tag}.log`) });

  const store = new FileStore(mlruns);
  let sweep: Started | undefined;
  // A worker whose trial has logged `atLeast` steps gets `signal`; it stops the trial, gives it back and exits with `code`.
  const stop = async (tag: string, signal: NodeJS.Signals, to: 'group' | 'process', atLeast: number, code: number): Promise<{ trialId: string; trialRun: string; last: number }> => {
    const w = worker(tag);
    await waitFor(`${tag} to be ready`, 30_000, () => readLog(w.log).includes('at once'));
    sweep ??= startDetlab(['sweep', 'run', spec, '--sweep-dir', sweepDir, '--executor', 'bullmq', '--redis', redis.url], { cwd: root, env, log: join(root, 'sweep.log') });
    const { id, runDir } = await waitFor(`the trial to log ${atLeast} steps on ${tag}`, 180_000, () => {
      if (w.child.exitCode !== null || sweep!.child.exitCode !== null) assert.fail(`ended before the signal:\n${readLog(w.log)}`);
      return firstTrialRun(sweepDir, 'interrupt_queue', atLeast);
    });
    const seen = signalFrozen(w, signal, to, () => lossSteps(runDir).at(-1)!);
    assert.equal(await exitWithin(w, 90_000), code, readLog(w.log));
    const last = assertStoppedAfter(runDir, seen, ITERS, signal);
    assert.equal((await store.getRun(mlflowRunId(runDir))).status, 'KILLED', `${signal}: the trial's MLflow run once its worker stopped`);
    assert.equal(sweep.child.exitCode, null, 'the sweep waits for the trial it queued');
    return { trialId: id, trialRun: runDir, last };
  };
  // Ctrl-C reaches the worker and its trial; a supervisor's SIGTERM only the worker, which stops the trial.
  const { trialId, trialRun, last } = await stop('worker1', 'SIGINT', 'group', 4, 130);
  await stop('worker2', 'SIGTERM', 'process', last + 4, 0);
  const runId = mlflowRunId(trialRun);

  const third = worker('worker3');
  assert.equal(await exitWithin(sweep!, 240_000), 0, `${readLog(sweep!.log)}\n${readLog(third.log)}`);
  assert.match(readLog(third.log), new RegExp(`^finished ${trialId} .*resumed`, 'm'), 'the third worker resumed the trial from its checkpoint');
  assert.equal(latestRun(trialDir(sweepDir, trialId), 'interrupt_queue'), trialRun, 'the trial continued its own run directory');
  const every = Array.from({ length: ITERS }, (_, i) => i + 1);
  assert.deepEqual(lossSteps(trialRun), every, 'each step logged once');
  assert.equal((await store.getRun(runId)).status, 'FINISHED');
  assert.deepEqual((await store.getMetricHistory(runId, 'loss')).map((p) => p.step).sort((a, b) => a - b), every);
  third.child.kill('SIGTERM');
  assert.equal(await exitWithin(third, 60_000), 0, readLog(third.log));
});
