import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readMetricsLines } from '../../src/train/metrics_log.js';
import { listCheckpoints } from '../../src/train/checkpoint.js';
import { latestRun } from '../../src/sweep/trial_runner.js';
import type { SweepState } from '../../src/sweep/state.js';
import { ROOT, TINY_CONFIG } from './paths.js';

const BIN = join(ROOT, 'bin/detlab.js');
const MAX_ITERS = 6;

function sweepProcess(args: string[], env: NodeJS.ProcessEnv) {
  // Its own process group, so the test can SIGKILL the sweep and its trials at once, as a crash of the machine would.
  const proc = spawn(process.execPath, [BIN, 'sweep', 'run', ...args], { cwd: ROOT, env: { ...process.env, ...env }, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  proc.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null; output: string }>((done) => proc.on('exit', (code, signal) => done({ code, signal, output })));
  return { proc, exit };
}

function readStateIfAny(dir: string): SweepState | undefined {
  try {
    return JSON.parse(readFileSync(join(dir, 'sweep.json'), 'utf8')) as SweepState;
  } catch {
    return undefined;
  }
}

test('resume after SIGKILL of the whole sweep: the finished trial is not re-run, the interrupted one resumes from its checkpoint', { timeout: 240_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'detlab-sweep-kill-'));
  try {
    const spec = join(dir, 'spec.yaml');
    writeFileSync(spec, `base: ${TINY_CONFIG}\nset: { train.max_iters: ${MAX_ITERS}, train.checkpoint: { interval: 2, max_keep: 3 } }\ngrid: { optimizer.lr: [0.01, 0.02] }\nmetric: loss\nmode: min\n`);
    const sweepDir = join(dir, 'sweep');
    const env = { MLFLOW_TRACKING_URI: join(dir, 'mlruns') };
    const first = sweepProcess([spec, '--parallel', '1', '--sweep-dir', sweepDir], env);
    let killedAt: number | undefined;
    for (;;) {
      const early = await Promise.race([first.exit, new Promise<undefined>((r) => setTimeout(() => r(undefined), 100))]);
      if (early !== undefined) assert.fail(`the sweep ended before it could be killed:\n${early.output}`);
      const state = readStateIfAny(sweepDir);
      if (state?.trials[0].status !== 'finished') continue;
      const run = latestRun(join(sweepDir, 'trials', state.trials[1].id), 'spec');
      const ckpts = run === undefined ? [] : listCheckpoints(join(run, 'checkpoints'));
      if (ckpts.length === 0) continue;
      killedAt = Number(/iter_(\d+)$/.exec(ckpts.at(-1)!)![1]);
      process.kill(-first.proc.pid!, 'SIGKILL');
      break;
    }
    assert.equal((await first.exit).signal, 'SIGKILL');
    assert.ok(killedAt! < MAX_ITERS, `killed before the second trial ended (checkpoint at ${killedAt})`);
    const atKill = readStateIfAny(sweepDir)!;
    assert.deepEqual(atKill.trials.map((t) => t.status), ['finished', 'running']);

    const second = sweepProcess([spec, '--resume', '--sweep-dir', sweepDir], env);
    const done = await second.exit;
    assert.equal(done.code, 0, done.output);
    const state = readStateIfAny(sweepDir)!;
    assert.deepEqual(state.trials.map((t) => [t.status, t.attempts]), [['finished', 1], ['finished', 2]], 'the finished trial ran once');
    const trialDir = join(sweepDir, 'trials', state.trials[1].id, 'spec');
    assert.equal(readdirSync(trialDir).length, 1, 'the interrupted trial continued its own run directory');
    const runDir = join(trialDir, readdirSync(trialDir)[0]);
    const starts = readFileSync(join(runDir, 'environment.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { resumedFrom: string | null });
    assert.equal(starts.length, 2);
    assert.match(starts[1].resumedFrom ?? '', /checkpoints\/iter_\d{6}$/, 'the second start resumed from a checkpoint');
    const losses = readMetricsLines(join(runDir, 'metrics.jsonl')).filter((l) => l.metrics.loss !== undefined).map((l) => l.step);
    assert.deepEqual(losses, Array.from({ length: MAX_ITERS }, (_, i) => i + 1), 'every step logged exactly once');
    for (const t of state.trials) assert.ok(Number.isFinite(t.metrics?.loss), 'final metrics recorded');
    for (const f of ['results.csv', 'results.md', 'report.html', 'spec.yaml']) assert.ok(existsSync(join(sweepDir, f)), f);
    // MLflow: the sweep is a parent run and each trial is one child run of it.
    const parent = state.parentRunId!;
    const expDirs = readdirSync(join(dir, 'mlruns')).filter((d) => /^\d+$/.test(d) && d !== '0');
    const runs = expDirs.flatMap((e) => readdirSync(join(dir, 'mlruns', e)).filter((r) => existsSync(join(dir, 'mlruns', e, r, 'tags'))).map((r) => join(dir, 'mlruns', e, r)));
    const children = runs.filter((r) => existsSync(join(r, 'tags', 'mlflow.parentRunId')) && readFileSync(join(r, 'tags', 'mlflow.parentRunId'), 'utf8') === parent);
    const trialTags = children.map((r) => readFileSync(join(r, 'tags', 'detlab.trial_id'), 'utf8')).sort();
    assert.deepEqual(trialTags, state.trials.map((t) => t.id).sort(), 'one child run per trial');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
