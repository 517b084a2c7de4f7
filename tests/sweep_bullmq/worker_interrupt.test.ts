/**
 * Ctrl-C reaches a real `detlab worker` and its trial (the worker's process
 * group) mid-trial: the trial stops after the iteration in progress with a
 * checkpoint there and a KILLED MLflow run, the worker gives it back to the
 * queue and exits, and a second worker resumes it to the end with every step
 * logged once, in the same MLflow run.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { latestRun, trialDir } from '../../src/sweep/trial_runner.js';
import { FileStore } from '../../src/track/file_store.js';
import { assertStoppedAfter, firstTrialRun, lossSteps, mlflowRunId } from '../helpers/run_files.js';
import { exitWithin, killAll, readLog, ROOT, signalFrozen, startDetlab, waitFor } from '../helpers/processes.js';
import { RedisServer } from '../helpers/redis_server.js';

const CONFIG = join(ROOT, 'tests/train/fixtures/interrupt_retinanet.yaml');
const ITERS = 16;


test('Ctrl-C to a worker mid-trial: the trial stops within one iteration with a checkpoint and a KILLED run, another worker resumes it, every step once', { timeout: 300_000 }, async (t) => {
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

  const first = worker('worker1');
  await waitFor('the first worker to be ready', 30_000, () => readLog(first.log).includes('at once'));
  const sweep = startDetlab(['sweep', 'run', spec, '--sweep-dir', sweepDir, '--executor', 'bullmq', '--redis', redis.url], { cwd: root, env, log: join(root, 'sweep.log') });
  const { id: trialId, runDir: trialRun } = await waitFor('the trial to log 4 steps on the first worker', 180_000, () => {
    if (first.child.exitCode !== null || sweep.child.exitCode !== null) assert.fail(`ended before the signal:\n${readLog(first.log)}`);
    return firstTrialRun(sweepDir, 'interrupt_queue', 4);
  });
  const seen = signalFrozen(first, 'SIGINT', 'group', () => lossSteps(trialRun).at(-1)!);
  assert.equal(await exitWithin(first, 90_000), 130, readLog(first.log));
  assertStoppedAfter(trialRun, seen, ITERS, 'Ctrl-C');

  const store = new FileStore(mlruns);
  const runId = mlflowRunId(trialRun);
  assert.equal((await store.getRun(runId)).status, 'KILLED', 'the trial\'s MLflow run once its worker stopped');
  assert.equal(sweep.child.exitCode, null, 'the sweep waits for the trial it queued');

  const second = worker('worker2');
  assert.equal(await exitWithin(sweep, 240_000), 0, `${readLog(sweep.log)}\n${readLog(second.log)}`);
  assert.match(readLog(second.log), new RegExp(`^finished ${trialId} .*resumed`, 'm'), 'the second worker resumed the trial from its checkpoint');
  assert.equal(latestRun(trialDir(sweepDir, trialId), 'interrupt_queue'), trialRun, 'the trial continued its own run directory');
  const every = Array.from({ length: ITERS }, (_, i) => i + 1);
  assert.deepEqual(lossSteps(trialRun), every, 'each step logged once');
  assert.equal((await store.getRun(runId)).status, 'FINISHED');
  assert.deepEqual((await store.getMetricHistory(runId, 'loss')).map((p) => p.step).sort((a, b) => a - b), every);
  second.child.kill('SIGTERM');
  assert.equal(await exitWithin(second, 60_000), 0, readLog(second.log));
});
