import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { expandSpec } from '../../src/sweep/expand.js';
import { LocalExecutor, cpuBudget } from '../../src/sweep/local_executor.js';
import { runSweep } from '../../src/sweep/run.js';
import { loadSpec } from '../../src/sweep/spec.js';
import { runTrial } from '../../src/sweep/trial_runner.js';
import { TINY_CONFIG } from './paths.js';

const FAKE = join(import.meta.dirname, 'fixtures', 'fake_train.js');

interface FakeEvent { event: string; pid: number; t: number; trial: string; omp: string; args: string[]; config: string; threads?: number }

async function sweep(specText: string, opts: { parallel: number; cores: number; failFast?: boolean; dir?: string; resume?: boolean; signal?: AbortSignal }) {
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'detlab-sweep-exec-'));
  const spec = join(dir, 'spec.yaml');
  const fakeLog = join(dir, 'fake.jsonl');
  writeFileSync(spec, `base: ${TINY_CONFIG}\n${specText}`);
  const lines: string[] = [];
  const report = await runSweep({
    specFile: spec,
    sweepDir: join(dir, 'sweep'),
    failFast: opts.failFast,
    resume: opts.resume,
    signal: opts.signal,
    track: false,
    print: (l) => lines.push(l),
    executor: (n) => new LocalExecutor({ parallel: n, cores: opts.cores, command: [process.execPath, FAKE], env: { DETLAB_FAKE_LOG: fakeLog } }),
    parallel: opts.parallel,
  });
  const events = existsSync(fakeLog) ? readFileSync(fakeLog, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as FakeEvent) : [];
  return { dir, report, lines, events, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** The largest number of trial processes alive at one moment. */
function maxConcurrent(events: FakeEvent[]): number {
  let alive = 0;
  let most = 0;
  for (const e of [...events].sort((a, b) => a.t - b.t || (a.event === 'start' ? 1 : -1))) {
    alive += e.event === 'start' ? 1 : -1;
    most = Math.max(most, alive);
  }
  return most;
}

test('cpu budget: parallel is capped at the cores and parallel × threads ≤ cores', () => {
  assert.deepEqual(cpuBudget(2, 2), { parallel: 2, threads: 1 });
  assert.deepEqual(cpuBudget(1, 8), { parallel: 1, threads: 8 });
  assert.deepEqual(cpuBudget(3, 8), { parallel: 3, threads: 2 });
  assert.deepEqual(cpuBudget(6, 2), { parallel: 2, threads: 1 });
});

test('no oversubscription: at most `parallel` trials at once, each told to use cores / parallel threads', async () => {
  // 2 s a trial (40 ms an iteration), so that two trials overlap even when starting a process takes a loaded machine a second.
  const run = await sweep('grid: { optimizer.lr: [0.01, 0.02, 0.03, 0.04, 0.05] }\nset: { train.max_iters: 50 }\n', { parallel: 4, cores: 2 });
  try {
    assert.equal(run.report.outcome, 'finished');
    assert.equal(run.events.filter((e) => e.event === 'start').length, 5);
    assert.equal(maxConcurrent(run.events), 2, 'parallel 4 on 2 cores runs 2 at once, and does use both');
    const starts = run.events.filter((e) => e.event === 'start').sort((a, b) => a.t - b.t);
    // The last trial starts with the cores no other trial will claim: 1 beside a running trial, 2 if it is alone.
    for (const [i, e] of starts.entries()) {
      const threads = i < starts.length - 1 ? '1' : e.omp;
      assert.ok(threads === '1' || threads === '2', `trial ${i} told ${e.omp} threads`);
      assert.equal(e.omp, threads);
      assert.ok(e.args.includes(`++engine.threads=${threads}`), e.args.join(' '));
    }
  } finally {
    run.cleanup();
  }
  const serial = await sweep('grid: { optimizer.lr: [0.01, 0.02] }\nset: { train.max_iters: 2 }\n', { parallel: 1, cores: 2 });
  try {
    assert.equal(maxConcurrent(serial.events), 1);
    for (const e of serial.events) assert.ok(e.omp === '2' && e.args.includes('++engine.threads=2'));
  } finally {
    serial.cleanup();
  }
});

test("a trial whose config asks for fewer threads than the budget keeps its choice; 0 (all) and more get the budget", async () => {
  const run = await sweep('grid: { engine.threads: [1, 0, 8] }\nset: { train.max_iters: 2, +engine: { threads: 0 } }\n', { parallel: 1, cores: 2 });
  try {
    assert.equal(run.report.outcome, 'finished');
    const told = run.events.filter((e) => e.event === 'start').map((e) => {
      const asked = (parseYaml(readFileSync(e.config, 'utf8')) as { engine: { threads: number } }).engine.threads;
      const arg = e.args[e.args.indexOf('--set') + 1];
      return [asked, arg, e.omp];
    });
    assert.deepEqual(told.sort(), [[0, '++engine.threads=2', '2'], [1, '++engine.threads=1', '1'], [8, '++engine.threads=2', '2']]);
  } finally {
    run.cleanup();
  }
});

test('when no trial waits for a slot, the cores of finished trials go to those still running, within what their config asks', async () => {
  // 2 slots on 2 cores: the 4- and 6-iteration trials end while the 60-iteration one runs on alone.
  const run = await sweep('grid: { train.max_iters: [4, 6, 60] }\n', { parallel: 2, cores: 2 });
  try {
    assert.equal(run.report.outcome, 'finished');
    const iters = (e: FakeEvent): number => (parseYaml(readFileSync(e.config, 'utf8')) as { train: { max_iters: number } }).train.max_iters;
    const starts = run.events.filter((e) => e.event === 'start');
    assert.deepEqual(starts.map((e) => e.args[e.args.indexOf('--set') + 1]), Array(3).fill('++engine.threads=1'));
    const long = starts.find((e) => iters(e) === 60)!;
    const grants = run.events.filter((e) => e.event === 'grant');
    assert.deepEqual(grants.map((e) => [e.trial, e.threads]), [[long.trial, 2]]);
    const lastOtherEnd = Math.max(...run.events.filter((e) => e.event === 'end' && e.trial !== long.trial).map((e) => e.t));
    assert.ok(grants[0].t >= lastOtherEnd, 'granted only once the other trials had ended');
  } finally {
    run.cleanup();
  }
  const capped = await sweep('grid: { train.max_iters: [4, 60] }\nset: { +engine: { threads: 1 } }\n', { parallel: 2, cores: 2 });
  try {
    assert.equal(capped.report.outcome, 'finished');
    assert.deepEqual(capped.events.filter((e) => e.event === 'grant'), [], 'a config asking for 1 thread keeps 1');
  } finally {
    capped.cleanup();
  }
});

test('failure isolation: a failed trial is reported when it fails and the others still finish', async () => {
  // The failing trial (lr 5) fails after 1 iteration; the others take 12.
  const run = await sweep('zip: { optimizer.lr: [0.01, 5, 0.02], train.max_iters: [12, 1, 12] }\n', { parallel: 2, cores: 2 });
  try {
    assert.equal(run.report.outcome, 'failed');
    const byStatus = (s: string) => run.report.state.trials.filter((t) => t.status === s);
    assert.equal(byStatus('finished').length, 2);
    assert.equal(byStatus('failed').length, 1);
    assert.match(byStatus('failed')[0].error!, /exit code 1: loss diverged at lr 5/);
    const failedAt = run.lines.findIndex((l) => l.startsWith('FAILED'));
    const lastFinished = run.lines.findLastIndex((l) => l.startsWith('finished'));
    assert.ok(failedAt >= 0 && failedAt < lastFinished, `the failure is printed before the other trials end:\n${run.lines.join('\n')}`);
    const md = readFileSync(join(run.report.sweepDir, 'results.md'), 'utf8');
    assert.match(md, /\| 5 \| 1 \| 0\/1 \| — \|/);
  } finally {
    run.cleanup();
  }
});

test('--fail-fast: the first failure stops the sweep; trials not started stay pending', async () => {
  const run = await sweep('zip: { optimizer.lr: [5, 0.01, 0.02, 0.03], train.max_iters: [1, 12, 12, 12] }\n', { parallel: 1, cores: 2, failFast: true });
  try {
    assert.equal(run.report.outcome, 'failed');
    assert.deepEqual(run.report.state.trials.map((t) => t.status), ['failed', 'pending', 'pending', 'pending']);
    assert.equal(run.events.filter((e) => e.event === 'start').length, 1);
  } finally {
    run.cleanup();
  }
});

test('stages: the shared upstream trial runs once per seed, and downstream trials read its checkpoint', async () => {
  const run = await sweep(`stages:
  step1: { set: { train.max_iters: 3 } }
  step2: { set: { ++model.backbone.init: { checkpoint: '\${stages.step1.checkpoint}' } } }
grid: { optimizer.lr: [0.01, 0.02, 0.04] }
seeds: [0, 1]
`, { parallel: 2, cores: 2 });
  try {
    assert.equal(run.report.outcome, 'finished');
    const state = run.report.state;
    const step1 = state.trials.filter((t) => t.stage === 'step1');
    assert.equal(step1.length, 2);
    const starts = run.events.filter((e) => e.event === 'start');
    assert.equal(starts.length, 8);
    for (const s of step1) assert.equal(starts.filter((e) => e.trial === s.id).length, 1, 'step1 ran once');
    for (const t of state.trials.filter((x) => x.stage === 'step2')) {
      const up = step1.find((s) => s.seed === t.seed)!;
      const text = readFileSync(join(run.report.sweepDir, 'trials', t.id, 'trial.yaml'), 'utf8');
      assert.ok(text.includes(up.checkpoint!), `trial ${t.id} reads ${up.checkpoint}`);
      const upEnd = run.events.find((e) => e.event === 'end' && e.trial === up.id)!;
      const start = starts.find((e) => e.trial === t.id)!;
      assert.ok(start.t >= upEnd.t, 'downstream starts after its upstream ended');
    }
  } finally {
    run.cleanup();
  }
});

test('stopping a sweep (Ctrl-C) ends the running trials as interrupted and keeps the state; --resume runs only what is left', async () => {
  const controller = new AbortController();
  const text = 'grid: { optimizer.lr: [0.01, 0.02, 0.03] }\nset: { train.max_iters: 25 }\n';
  const dir = mkdtempSync(join(tmpdir(), 'detlab-sweep-exec-'));
  const fakeLog = join(dir, 'fake.jsonl');
  // Stop once the first trial has ended and the second is running.
  const watcher = setInterval(() => {
    const lines = existsSync(fakeLog) ? readFileSync(fakeLog, 'utf8').trim().split('\n') : [];
    if (lines.filter((l) => l.includes('"start"')).length === 2) controller.abort();
  }, 20);
  try {
    const first = await sweep(text, { parallel: 1, cores: 2, dir, signal: controller.signal });
    assert.equal(first.report.outcome, 'interrupted');
    const saved = JSON.parse(readFileSync(join(dir, 'sweep', 'sweep.json'), 'utf8')) as { trials: { status: string }[] };
    assert.deepEqual(saved.trials.map((t) => t.status), ['finished', 'interrupted', 'pending']);
    const again = await sweep(text, { parallel: 1, cores: 2, dir, resume: true });
    assert.equal(again.report.outcome, 'finished');
    assert.deepEqual(again.report.state.trials.map((t) => [t.status, t.attempts]), [['finished', 1], ['finished', 2], ['finished', 1]]);
    const starts = again.events.filter((e) => e.event === 'start');
    assert.equal(starts.length, 4, 'first trial not started again');
  } finally {
    clearInterval(watcher);
    rmSync(dir, { recursive: true, force: true });
  }
});

test('--resume with variants added to the spec runs only the new trials and keeps the finished ones', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'detlab-sweep-exec-'));
  try {
    const first = await sweep('grid: { optimizer.lr: [0.01, 0.02] }\nset: { train.max_iters: 5 }\n', { parallel: 1, cores: 2, dir });
    assert.equal(first.report.outcome, 'finished');
    const kept = first.report.state.trials.map((t) => t.id);
    const again = await sweep('grid: { optimizer.lr: [0.01, 0.02, 0.04] }\nset: { train.max_iters: 5 }\n', { parallel: 1, cores: 2, dir, resume: true });
    assert.equal(again.report.outcome, 'finished');
    const trials = again.report.state.trials;
    assert.equal(trials.length, 3);
    assert.ok(trials.every((t) => t.status === 'finished'));
    const starts = again.events.filter((e) => e.event === 'start').map((e) => e.trial);
    const added = trials.filter((t) => !kept.includes(t.id));
    assert.equal(added.length, 1);
    assert.deepEqual(starts.filter((id) => !kept.includes(id)), [added[0].id], 'the new trial ran once');
    assert.equal(starts.length, 3, 'the two finished trials were not started again');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a trial still being trained by an earlier attempt (its sweep killed alone) is not started a second time', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'detlab-sweep-exec-'));
  const spec = join(dir, 'spec.yaml');
  writeFileSync(spec, `base: ${TINY_CONFIG}\n`);
  const [trial] = expandSpec(loadSpec(spec));
  const trialDir = join(dir, 'sweep', 'trials', trial.id);
  mkdirSync(trialDir, { recursive: true });
  const orphan = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 20000)', join(trialDir, 'trial.yaml')], { stdio: 'ignore' });
  try {
    await new Promise((r) => orphan.once('spawn', r));
    writeFileSync(join(trialDir, 'pid'), String(orphan.pid));
    const outcome = await runTrial({ trial, sweepDir: join(dir, 'sweep'), sweepName: 'spec', upstream: {} }, { threads: 1, command: [process.execPath, FAKE] });
    assert.equal(outcome.status, 'failed');
    assert.match(outcome.error!, new RegExp(`earlier attempt \\(pid ${orphan.pid}\\) is still training`));
  } finally {
    orphan.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});
