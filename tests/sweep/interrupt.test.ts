/**
 * Ctrl-C reaches a real `detlab sweep run` and its trial (the whole process
 * group, as a terminal sends it) mid-trial, and then SIGTERM reaches the
 * resumed sweep alone (as a supervisor sends it): the trial stops after the
 * iteration in progress with a checkpoint there, its MLflow run and the
 * sweep's parent run end KILLED, and `--resume` finishes the sweep with every
 * step of the interrupted trial logged once.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readState } from '../../src/sweep/state.js';
import { latestRun, trialDir } from '../../src/sweep/trial_runner.js';
import { FileStore } from '../../src/track/file_store.js';
import { assertStoppedAfter, firstTrialRun, lossSteps, mlflowRunId } from '../helpers/run_files.js';
import { exitWithin, killAll, readLog, ROOT, signalFrozen, startDetlab, waitFor } from '../helpers/processes.js';

const CONFIG = join(ROOT, 'tests/train/fixtures/interrupt_retinanet.yaml');
const ITERS = 16;


test('Ctrl-C to a sweep mid-trial, then SIGTERM to the resumed sweep: each time the trial stops within one iteration with a checkpoint, the trial and sweep runs are KILLED; --resume completes every step once', { timeout: 300_000 }, async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'detlab-sweep-interrupt-'));
  t.after(async () => {
    await killAll();
    rmSync(root, { recursive: true, force: true });
  });
  const spec = join(root, 'spec.yaml');
  writeFileSync(spec, `name: interrupt_sweep\nbase: ${CONFIG}\nset: { train.max_iters: ${ITERS} }\ngrid: { optimizer.lr: [0.003, 0.002] }\nmetric: bbox_mAP\nmode: max\n`);
  const sweepDir = join(root, 'sweep');
  const mlruns = join(root, 'mlruns');
  const run = (tag: string, extra: string[]) =>
    startDetlab(['sweep', 'run', spec, '--parallel', '1', '--sweep-dir', sweepDir, ...extra], { cwd: root, env: { MLFLOW_TRACKING_URI: mlruns }, log: join(root, `${tag}.log`) });

  const store = new FileStore(mlruns);
  const stop = async (tag: string, extra: string[], signal: NodeJS.Signals, to: 'group' | 'process', atLeast: number): Promise<{ trialId: string; trialRun: string; last: number }> => {
    const sweep = run(tag, extra);
    const { id, runDir } = await waitFor(`the first trial to log ${atLeast} steps`, 180_000, () => {
      if (sweep.child.exitCode !== null) assert.fail(`ended before the signal:\n${readLog(sweep.log)}`);
      return firstTrialRun(sweepDir, 'interrupt_sweep', atLeast);
    });
    const seen = signalFrozen(sweep, signal, to, () => lossSteps(runDir).at(-1)!);
    assert.equal(await exitWithin(sweep, 90_000), 130, readLog(sweep.log));
    const last = assertStoppedAfter(runDir, seen, ITERS, signal);
    const atStop = readState(sweepDir);
    assert.deepEqual(atStop.trials.map((x) => x.status), ['interrupted', 'pending']);
    assert.equal((await store.getRun(mlflowRunId(runDir))).status, 'KILLED', `${signal}: the trial's MLflow run`);
    assert.equal((await store.getRun(atStop.parentRunId!)).status, 'KILLED', `${signal}: the sweep's parent run`);
    return { trialId: id, trialRun: runDir, last };
  };
  // Ctrl-C reaches the sweep and its trial; a supervisor's SIGTERM only the sweep, which passes it on.
  const { trialId, trialRun, last } = await stop('first', [], 'SIGINT', 'group', 4);
  await stop('second', ['--resume'], 'SIGTERM', 'process', last + 4);
  const runId = mlflowRunId(trialRun);

  const third = run('third', ['--resume']);
  assert.equal(await exitWithin(third, 240_000), 0, readLog(third.log));
  const done = readState(sweepDir);
  assert.deepEqual(done.trials.map((x) => x.status), ['finished', 'finished']);
  assert.equal(latestRun(trialDir(sweepDir, trialId), 'interrupt_sweep'), trialRun, 'the trial continued its own run directory');
  const every = Array.from({ length: ITERS }, (_, i) => i + 1);
  assert.deepEqual(lossSteps(trialRun), every, 'each step of the interrupted trial logged once');
  assert.equal((await store.getRun(runId)).status, 'FINISHED');
  assert.deepEqual((await store.getMetricHistory(runId, 'loss')).map((p) => p.step).sort((a, b) => a - b), every);
});
