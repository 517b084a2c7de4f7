/**
 * Distributed sweeps end to end: a real redis-server, `detlab worker`
 * processes and `detlab sweep run --executor bullmq`, whose results must
 * equal, value for value, those of the same spec run by the local executor. Faults: Redis killed and restarted
 * mid-sweep (append-only file), a worker SIGKILLed mid-trial.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { readState, type SweepState } from '../../src/sweep/state.js';
import { latestRun, trialDir } from '../../src/sweep/trial_runner.js';
import { FileStore } from '../../src/track/file_store.js';
import { TRIAL_TAG } from '../../src/track/sync.js';
import { readMetricsLines } from '../../src/train/metrics_log.js';
import { RedisServer } from '../helpers/redis_server.js';
import { exitWithin, killAll, processesWith, readLog, ROOT, startDetlab, waitFor, type Started } from '../helpers/processes.js';

const SPEC = join(ROOT, 'tests/sweep_bullmq/fixtures/six_trials.yaml');
const NAME = 'six_trials';
const ITERS = 4;

/** The metrics.jsonl lines of a trial's run. */
function history(sweepDir: string, id: string): Array<{ step: number; metrics: Record<string, number> }> {
  const run = latestRun(trialDir(sweepDir, id), NAME);
  assert.ok(run !== undefined, `trial ${id} has no run in ${sweepDir}`);
  return readMetricsLines(join(run, 'metrics.jsonl'));
}

/**
 * Execution figures, not results: the wall-clock ones the logger adds to every step differ between any two
 * runs, and a trial logs its thread count again where it resumes.
 */
const TIMINGS = new Set(['step_time', 'images_per_s', 'engine/threads']);

function withoutTimings(metrics: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(metrics).filter(([key]) => !TIMINGS.has(key)));
}

/** A trial's results as its metrics.jsonl holds them: losses and learning rate per step, the evaluation at the end. */
function results(sweepDir: string, id: string): Array<{ step: number; metrics: Record<string, number> }> {
  return history(sweepDir, id)
    .map((l) => ({ step: l.step, metrics: withoutTimings(l.metrics) }))
    .filter((l) => Object.keys(l.metrics).length > 0);
}

/** The same results per metric key, as [step, value] pairs in step order. */
function byKey(lines: Array<{ step: number; metrics: Record<string, number> }>): Record<string, Array<[number, number]>> {
  const out: Record<string, Array<[number, number]>> = {};
  for (const l of lines) for (const [key, value] of Object.entries(l.metrics)) (out[key] ??= []).push([l.step, value]);
  return out;
}

/** The histories of `keys` in the trial's one MLflow run. */
async function mlflowResults(mlruns: string, id: string, keys: string[]): Promise<Record<string, Array<[number, number]>>> {
  const store = new FileStore(mlruns);
  const runs = await store.findRunsByTag(await store.getOrCreateExperiment(NAME), TRIAL_TAG, id);
  assert.equal(runs.length, 1, `MLflow runs of trial ${id} in ${mlruns}`);
  const out: Record<string, Array<[number, number]>> = {};
  for (const key of keys) out[key] = (await store.getMetricHistory(runs[0].runId, key)).map((p): [number, number] => [p.step, p.value]).sort((a, b) => a[0] - b[0]);
  return out;
}

describe('sweep run --executor bullmq', { timeout: 290_000 }, () => {
  let redis: RedisServer;
  let root: string;
  let local: SweepState;
  let localDir: string;

  const env = (mlruns: string): NodeJS.ProcessEnv => ({ MLFLOW_TRACKING_URI: join(root, mlruns), DETLAB_DEBUG: '1' });

  async function startWorkers(tag: string, extra: string[]): Promise<Started[]> {
    const workers = [1, 2].map((i) =>
      startDetlab(['worker', '--redis', redis.url, '--concurrency', '1', '--cores', '1', ...extra], { cwd: root, env: env(`mlruns-${tag}`), log: join(root, `${tag}-worker${i}.log`) }),
    );
    for (const w of workers) await waitFor(`${w.log} to be ready`, 30_000, () => readLog(w.log).includes('at once'));
    return workers;
  }

  async function stopWorkers(workers: Started[]): Promise<void> {
    const running = workers.filter((w) => w.child.exitCode === null && w.child.signalCode === null);
    for (const w of running) w.child.kill('SIGTERM');
    for (const w of running) await exitWithin(w, 30_000);
  }

  function startSweep(tag: string, args: string[]): Started {
    return startDetlab(['sweep', 'run', SPEC, '--sweep-dir', join(root, tag), ...args], { cwd: root, env: env(`mlruns-${tag}`), log: join(root, `${tag}-sweep.log`) });
  }

  async function finishedSweep(sweep: Started, tag: string): Promise<SweepState> {
    const code = await exitWithin(sweep, 200_000);
    assert.equal(code, 0, `sweep ${tag} exited with ${code}:\n${readLog(sweep.log).slice(-3000)}`);
    const state = readState(join(root, tag));
    assert.deepEqual(state.trials.map((t) => t.status), state.trials.map(() => 'finished'));
    return state;
  }

  /**
   * The sweep in `tag` reached the local executor's results exactly: the same
   * trials, final metrics in sweep.json, every logged loss, learning rate and
   * evaluation metric by value in metrics.jsonl, and the same in each trial's
   * MLflow run. Exact, because a trial is deterministic: weights are seeded
   * from the config seed, the data order from the seed, and resuming from a
   * checkpoint restores the whole training state (measured on this engine
   * with 1 and 2 threads; only the wall-clock TIMINGS differ).
   */
  async function sameResults(tag: string, state: SweepState): Promise<void> {
    const summary = (s: SweepState): unknown => s.trials.map((t) => ({ id: t.id, params: t.params, seed: t.seed, status: t.status, metrics: withoutTimings(t.metrics ?? {}) }));
    assert.deepEqual(summary(state), summary(local));
    for (const t of state.trials) {
      const got = results(join(root, tag), t.id);
      assert.deepEqual(got, results(localDir, t.id), `trial ${t.id}: metrics.jsonl of ${tag} vs local`);
      const keys = Object.keys(byKey(got));
      assert.deepEqual(await mlflowResults(join(root, `mlruns-${tag}`), t.id, keys), byKey(got), `trial ${t.id}: MLflow run of ${tag}`);
      assert.deepEqual(await mlflowResults(join(root, 'mlruns-local'), t.id, keys), byKey(got), `trial ${t.id}: MLflow run of local`);
    }
  }

  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'detlab-bullmq-'));
    redis = await RedisServer.start();
    localDir = join(root, 'local');
    local = await finishedSweep(startSweep('local', ['--parallel', '2']), 'local');
    assert.equal(local.trials.length, 6);
    // Comparing evaluations is only worth something if they are not all zero.
    assert.ok(local.trials.some((t) => (t.metrics?.bbox_mAP ?? 0) > 0 && (t.metrics?.bbox_AR_100 ?? 0) > 0), JSON.stringify(local.trials.map((t) => t.metrics)));
  });

  after(async () => {
    await killAll();
    await redis?.dispose();
    if (root !== undefined) rmSync(root, { recursive: true, force: true });
  });

  it('two workers finish the sweep with the local executor\'s results, through a Redis crash and restart', async (t) => {
    const workers = await startWorkers('queued', []);
    const sweep = startSweep('queued', ['--executor', 'bullmq', '--redis', redis.url]);
    t.after(() => stopWorkers(workers));
    // Kill Redis once trials are on it and running: the waiting ones must survive in the append-only file.
    await waitFor('a trial to start on a worker', 60_000, () => workers.some((w) => /^start {3}[0-9a-f]{12}/m.test(readLog(w.log))));
    await redis.restart('SIGKILL');
    const state = await finishedSweep(sweep, 'queued').finally(() => stopWorkers(workers));

    await sameResults('queued', state);
    const ran = workers.map((w) => (readLog(w.log).match(/^finished [0-9a-f]{12}/gm) ?? []).length);
    assert.equal(ran[0] + ran[1], 6, `trials finished per worker: ${ran.join(', ')}`);

    const status = startDetlab(['sweep', 'status', join(root, 'queued'), '--redis', redis.url], { cwd: root, env: {}, log: join(root, 'queued-status.log') });
    assert.equal(await exitWithin(status, 30_000), 0, readLog(status.log));
    assert.match(readLog(status.log), /^sweep six_trials: 6 finished$/m);
    assert.match(readLog(status.log), new RegExp(`^queue on ${redis.url}: 6 completed$`, 'm'));

    // The trials' run directories gone from this machine (as on workers without a shared disk): the report
    // draws the training curves from the trials' MLflow runs, and comes out as the sweep wrote it.
    const sweepDir = join(root, 'queued');
    const written = readFileSync(join(sweepDir, 'report.html'), 'utf8');
    assert.match(written, /aria-label="loss(_det)? \(mean over seeds, smoothed/);
    renameSync(join(sweepDir, 'trials'), join(root, 'queued-trials-elsewhere'));
    const report = startDetlab(['sweep', 'report', sweepDir], { cwd: root, env: { MLFLOW_TRACKING_URI: join(root, 'nowhere') }, log: join(root, 'queued-report.log') });
    assert.equal(await exitWithin(report, 30_000), 0, readLog(report.log));
    assert.doesNotMatch(readLog(report.log), /note:/);
    assert.equal(readFileSync(join(sweepDir, 'report.html'), 'utf8'), written);
  });

  it('a worker SIGKILLed mid-trial: its trial process stops, the other worker resumes the trial, one FINISHED MLflow run per trial, no metric lost or doubled', async (t) => {
    const workers = await startWorkers('fault', ['--lock-duration', '2000', '--stalled-interval', '1000']);
    const sweepDir = join(root, 'fault');
    const sweep = startSweep('fault', ['--executor', 'bullmq', '--redis', redis.url]);
    t.after(() => stopWorkers(workers));
    // The victim: a worker whose current trial has saved a checkpoint but not finished.
    const { victim, trial } = await waitFor('a trial with a checkpoint, still running', 90_000, () => {
      for (const w of workers) {
        const starts = [...readLog(w.log).matchAll(/^start {3}([0-9a-f]{12})/gm)].map((m) => m[1]);
        const current = starts.at(-1);
        if (current === undefined || readLog(w.log).includes(`finished ${current}`)) continue;
        const run = latestRun(trialDir(sweepDir, current), NAME);
        const checkpoints = run === undefined || !existsSync(join(run, 'checkpoints')) ? [] : readdirSync(join(run, 'checkpoints'));
        if (checkpoints.some((c) => c.startsWith('iter_')) && !checkpoints.includes(`iter_${String(ITERS).padStart(6, '0')}`)) return { victim: w, trial: current };
      }
      return undefined;
    });
    const victimPid = victim.child.pid!;
    process.kill(victimPid, 'SIGKILL');
    await waitFor(`the trial process of worker ${victimPid} to exit`, 30_000, () => processesWith('orphan_guard.js', String(victimPid)).length === 0);

    const survivor = workers.find((w) => w !== victim)!;
    const state = await finishedSweep(sweep, 'fault').finally(() => stopWorkers([survivor]));
    assert.match(readLog(survivor.log), new RegExp(`^finished ${trial} .*resumed`, 'm'), 'the surviving worker resumed the killed trial from its checkpoint');

    const store = new FileStore(join(root, 'mlruns-fault'));
    const experiment = await store.getOrCreateExperiment(NAME);
    for (const t of state.trials) {
      const runs = await store.findRunsByTag(experiment, TRIAL_TAG, t.id);
      assert.deepEqual(runs.map((r) => r.status), ['FINISHED'], `MLflow runs of trial ${t.id}`);
      const steps = (await store.getMetricHistory(runs[0].runId, 'loss')).map((p) => p.step).sort((a, b) => a - b);
      assert.deepEqual(steps, Array.from({ length: ITERS }, (_, i) => i + 1), `MLflow loss steps of trial ${t.id}`);
      const logged = history(sweepDir, t.id).filter((l) => 'loss' in l.metrics).map((l) => l.step);
      assert.deepEqual(logged, Array.from({ length: ITERS }, (_, i) => i + 1), `metrics.jsonl loss steps of trial ${t.id}`);
    }
    await sameResults('fault', state);
  });
});
