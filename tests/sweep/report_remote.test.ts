/**
 * `sweep report` when the trials ran on other machines' disks (workers
 * without a shared sweep directory): the table comes from sweep.json, the
 * training curves from the trials' MLflow runs under the sweep's parent run;
 * a missing sweep directory is one clear error.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { remoteCurves } from '../../src/sweep/remote_curves.js';
import { writeState, type SweepState, type TrialRecord } from '../../src/sweep/state.js';
import { readRunState, writeRunState } from '../../src/track/run_state.js';
import { openRun } from '../../src/track/tracker.js';
import { freePort } from '../helpers/mlflow_server.js';
import { ROOT } from './paths.js';

const NAME = 'remote_sweep';
const STEPS = [1, 2, 3, 4, 5];

function detlab(args: string[], env: NodeJS.ProcessEnv = {}): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [join(ROOT, 'bin/detlab.js'), ...args], { encoding: 'utf8', env: { ...process.env, ...env } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A trial's logged loss: distinct for every trial and step. */
const loss = (trial: number, step: number): number => 2 / step + trial / 8;

describe('sweep report with the trials on other machines', () => {
  let dir: string;
  let sweepDir: string;
  let state: SweepState;
  const env = (): NodeJS.ProcessEnv => ({ MLFLOW_TRACKING_URI: join(dir, 'mlruns') });
  const open = (workDir: string, runName: string, extra: { parentRunId?: string; trialId?: string }) =>
    openRun({ experimentName: NAME, runName, workDir, env: env(), handleSignals: false, flushIntervalMs: 50, log: () => undefined, ...extra });

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'detlab-report-remote-'));
    sweepDir = join(dir, 'sweep');
    mkdirSync(sweepDir);
    const parent = await open(join(sweepDir, 'mlflow'), 'sweep', {});
    // Another sweep of the same trials: its runs share the trial tags and must not be drawn.
    const other = await open(join(dir, 'other-sweep', 'mlflow'), 'other sweep', {});
    const trials: TrialRecord[] = [];
    for (const [i, [lr, seed]] of [[0.01, 0], [0.01, 1], [0.02, 0], [0.02, 1]].entries()) {
      const id = `00000000000${i}`;
      // The worker's disk, gone from this machine once the runs are logged.
      const runDir = join(dir, 'worker-disk', id, 'run');
      for (const [p, value] of [[parent, 0], [other, 100]] as const) {
        const run = await open(join(dir, p === parent ? 'worker-disk' : 'other-disk', id, 'run'), `trial ${id}`, { parentRunId: p.runId, trialId: id });
        for (const step of STEPS) run.logMetrics(step, { loss: loss(i, step) + value, 'loss_aux/lgd/loss_distill': loss(i, step) / 2 + value, lr });
        await run.finish('FINISHED');
      }
      trials.push({ id, stage: '', variant: null, params: { 'optimizer.lr': lr }, seed, needs: {}, status: 'finished', attempts: 1, runDir, metrics: { loss: loss(i, 5) }, seconds: 1 });
    }
    await parent.finish('FINISHED');
    await other.finish('FINISHED');
    rmSync(join(dir, 'worker-disk'), { recursive: true });
    state = { format: 'detlab-sweep/1', name: NAME, spec: 'spec.yaml', metric: 'loss', mode: 'min', baseline: '', logKeys: [], parentRunId: parent.runId, trials };
    writeState(sweepDir, state);
  });

  after(() => rmSync(dir, { recursive: true, force: true }));

  it('reads each trial\'s drawn curves (losses, not the learning rate) from its run under the sweep\'s parent run', async () => {
    const { curves, problem } = await remoteCurves(sweepDir, state);
    assert.equal(problem, undefined);
    assert.deepEqual([...curves.keys()], state.trials.map((t) => t.id));
    state.trials.forEach((t, i) => {
      const want = new Map([
        ['loss', STEPS.map((step) => ({ step, value: loss(i, step) }))],
        ['loss_aux/lgd/loss_distill', STEPS.map((step) => ({ step, value: loss(i, step) / 2 }))],
      ]);
      assert.deepEqual(curves.get(t.id), want, `trial ${t.id}`);
    });
  });

  it('detlab sweep report draws the curves from the store the sweep used, whatever MLFLOW_TRACKING_URI says now', () => {
    const r = detlab(['sweep', 'report', sweepDir], { MLFLOW_TRACKING_URI: join(dir, 'elsewhere') });
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stdout, /note:/);
    const html = readFileSync(join(sweepDir, 'report.html'), 'utf8');
    const chart = /<svg[^>]*aria-label="loss \(mean over seeds[^"]*"[\s\S]*?<\/svg>/.exec(html)?.[0] ?? '';
    // Each learning rate: its smoothed curve, and the raw mean faint behind it.
    assert.equal(chart.match(/<g class="series raw"/g)?.length, 2, 'one raw curve per learning rate');
    assert.equal(chart.match(/<polyline/g)?.length, 4, 'and one smoothed curve each');
    assert.match(readFileSync(join(sweepDir, 'results.md'), 'utf8'), /\| 0\.02 \| 2\/2 \|/);
  });

  it('an unreachable store: the report is still written, and a note names the store', async () => {
    const copy = join(dir, 'sweep-offline');
    mkdirSync(join(copy, 'mlflow'), { recursive: true });
    const url = `http://127.0.0.1:${await freePort()}`;
    writeRunState(join(copy, 'mlflow'), { ...readRunState(join(sweepDir, 'mlflow'))!, trackingUri: url });
    writeState(copy, state);
    const r = detlab(['sweep', 'report', copy]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^note: training curves of 4 trials not drawn: MLflow at ${url}: .+$`, 'm'));
    assert.doesNotMatch(readFileSync(join(copy, 'report.html'), 'utf8'), /aria-label="loss[^"]*mean over seeds/);
  });

  it('a sweep directory that is not here: one line naming it, exit 1', () => {
    const missing = join(dir, 'from-another-machine');
    const r = detlab(['sweep', 'report', missing]);
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '');
    assert.ok(r.stderr.startsWith(`${missing}: no sweep here (no sweep.json); `), r.stderr);
    assert.match(r.stderr, /copy the directory here/);
    assert.equal(r.stderr.trimEnd().split('\n').length, 1, r.stderr);
  });
});
