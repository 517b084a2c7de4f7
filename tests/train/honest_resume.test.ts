/**
 * What `detlab train --resume` and `--fork` promise about a run's record, run
 * through the CLI as a user would: one writer per run directory, a resume
 * only from the newest checkpoint with the recorded settings, a fork that
 * leaves its source untouched, and damage named rather than loaded.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { closeSync, cpSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { lockDir } from '../../src/train/dir_lock.js';
import { resumeChanges } from '../../src/train/resume.js';
import { readMetricsLines } from '../../src/train/metrics_log.js';
import { runCli } from '../cli/run_cli.js';
import { killAll, killGroup, startDetlab, waitFor } from '../helpers/processes.js';
import { lossSteps } from '../helpers/run_files.js';
import { ROOT } from '../registry/paths.js';

const CONFIG = join(ROOT, 'tests/train/fixtures/small_run.yaml');
const tmp = mkdtempSync(join(tmpdir(), 'detlab-honest-'));
const env = { MLFLOW_TRACKING_URI: join(tmp, 'mlruns') };
const workDir = join(tmp, 'work');
let run = '';

/** Every file of a run directory with its sha256, to show a refused command changed nothing. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    out[path.slice(dir.length)] = createHash('sha256').update(readFileSync(path)).digest('hex');
  }
  return out;
}

const runs = (): string[] => readdirSync(join(workDir, 'small_run')).sort().map((d) => join(workDir, 'small_run', d));
const ckpt = (dir: string, iter: number): string => join(dir, 'checkpoints', `iter_${String(iter).padStart(6, '0')}`);
const train = (...args: string[]) => runCli(['train', CONFIG, '--work-dir', workDir, ...args], env);

before(async () => {
  const done = await train();
  assert.equal(done.code, 0, done.stderr);
  [run] = runs();
});

after(async () => {
  await killAll();
  rmSync(tmp, { recursive: true, force: true });
});

test('resumeChanges lets only train.max_iters through (extend_run extends it or refuses a shorter one)', () => {
  const recorded = { train: { max_iters: 6, log_interval: 1 }, optimizer: { lr: 0.01 } };
  assert.deepEqual(resumeChanges(recorded, { train: { max_iters: 12, log_interval: 1 }, optimizer: { lr: 0.01 } }), []);
  assert.deepEqual(resumeChanges(recorded, { train: { max_iters: 4, log_interval: 2 }, optimizer: { lr: 0.5 } }), [
    { path: 'train.log_interval', a: 1, b: 2 },
    { path: 'optimizer.lr', a: 0.01, b: 0.5 },
  ]);
});

test('a resume from a checkpoint other than the newest, or with other settings, is refused and changes nothing', async () => {
  const before = snapshot(run);
  const older = await train('--resume', ckpt(run, 4), '--set', 'optimizer.lr=0.5');
  assert.equal(older.code, 1);
  assert.match(older.stderr, /not the newest checkpoint of .* \(later: iter_000006\); resuming from it would overwrite/);
  assert.ok(older.stderr.includes(`--fork ${ckpt(run, 4)}`), older.stderr);
  const changed = await train('--resume', run, '--set', 'optimizer.lr=0.5');
  assert.equal(changed.code, 1);
  assert.ok(changed.stderr.includes(`the config differs from the run's ${join(run, 'config.yaml')} at optimizer.lr: 0.01 -> 0.5`), changed.stderr);
  assert.doesNotMatch(older.stderr + changed.stderr, /unexpected error/);
  assert.deepEqual(snapshot(run), before);
  assert.deepEqual(runs(), [run], 'no run directory was created');
});

test('--fork starts a new run from the checkpoint\'s full state with new settings; the source run is untouched', async () => {
  const source = snapshot(run);
  const forked = await train('--fork', ckpt(run, 4), '--set', 'optimizer.lr=0.5');
  assert.equal(forked.code, 0, forked.stderr);
  assert.deepEqual(snapshot(run), source);
  const fork = runs().find((d) => d !== run)!;
  const mine = readMetricsLines(join(fork, 'metrics.jsonl'));
  const theirs = readMetricsLines(join(run, 'metrics.jsonl'));
  assert.deepEqual(mine.map((l) => l.step), [1, 2, 3, 4, 5, 6]);
  assert.deepEqual(mine.slice(0, 4), theirs.slice(0, 4), 'steps 1-4 are the source run\'s');
  assert.ok(Math.abs(mine[4].metrics.lr / theirs[4].metrics.lr - 50) < 1e-9, 'step 5 trains with lr 0.5 instead of 0.01');
  assert.equal((parse(readFileSync(join(fork, 'config.yaml'), 'utf8')) as { optimizer: { lr: number } }).optimizer.lr, 0.5);
  const environment = JSON.parse(readFileSync(join(fork, 'environment.jsonl'), 'utf8').trim()) as { forkedFrom: string };
  assert.equal(environment.forkedFrom, ckpt(run, 4));
  const mlflowRun = JSON.parse(readFileSync(join(fork, 'mlflow_run.json'), 'utf8')) as { runId: string; experimentId: string };
  const runPath = join(env.MLFLOW_TRACKING_URI, mlflowRun.experimentId, mlflowRun.runId);
  assert.equal(readFileSync(join(runPath, 'tags', 'detlab.forked_from'), 'utf8'), ckpt(run, 4));
  assert.equal(readFileSync(join(runPath, 'metrics', 'loss'), 'utf8').trim().split('\n').length, 6, 'the MLflow run holds the copied steps too');
  rmSync(fork, { recursive: true });
});

test('while a process holds the run, a resume is refused naming it', async () => {
  const lock = lockDir(run, 'run');
  try {
    const refused = await train('--resume', run);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, new RegExp(`this run directory is being written by pid ${process.pid} on `));
  } finally {
    lock.release();
  }
});

test('two concurrent resumes of a killed run: one continues it, the other is refused; every step is logged once', async () => {
  const set = ['--set', 'train.max_iters=30'];
  const log = join(tmp, 'killed.log');
  const first = startDetlab(['train', CONFIG, '--work-dir', join(tmp, 'killed'), ...set], { cwd: ROOT, env, log });
  const killedRun = await waitFor('a checkpoint at step 8', 180_000, () => {
    const dir = existsSync(join(tmp, 'killed', 'small_run')) ? readdirSync(join(tmp, 'killed', 'small_run'))[0] : undefined;
    return dir !== undefined && existsSync(join(ckpt(join(tmp, 'killed', 'small_run', dir), 8), 'state.json')) ? join(tmp, 'killed', 'small_run', dir) : undefined;
  });
  killGroup(first.child, 'SIGKILL');
  await first.exit;
  assert.ok(lossSteps(killedRun).length < 30, 'killed before the end');
  const both = await Promise.all([1, 2].map(() => runCli(['train', CONFIG, '--work-dir', join(tmp, 'killed'), '--resume', killedRun, ...set], env)));
  assert.deepEqual(both.map((r) => r.code).sort(), [0, 1], both.map((r) => r.stderr).join('\n'));
  assert.match(both.find((r) => r.code === 1)!.stderr, /this run directory is being written by pid \d+/);
  assert.deepEqual(lossSteps(killedRun), Array.from({ length: 30 }, (_, i) => i + 1));
  const mlflowRun = JSON.parse(readFileSync(join(killedRun, 'mlflow_run.json'), 'utf8')) as { runId: string; experimentId: string };
  const history = readFileSync(join(env.MLFLOW_TRACKING_URI, mlflowRun.experimentId, mlflowRun.runId, 'metrics', 'loss'), 'utf8').trim().split('\n');
  assert.equal(history.length, 30, 'MLflow holds each step once');
});

test('a resume removes folders of saves cut short and warns of metrics lines lost before the checkpoint', async () => {
  const copy = join(tmp, 'gaps');
  cpSync(run, copy, { recursive: true });
  const leftover = join(copy, 'checkpoints', '.iter_000008.tmp-4242-0a1b2c');
  mkdirSync(leftover);
  writeFileSync(join(leftover, 'tensors.safetensors'), Buffer.alloc(4096));
  const lines = readFileSync(join(copy, 'metrics.jsonl'), 'utf8').split('\n');
  writeFileSync(join(copy, 'metrics.jsonl'), [lines[0], ...lines.slice(3)].join('\n'));
  const resumed = await train('--resume', copy);
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.ok(!existsSync(leftover));
  assert.ok(resumed.stdout.includes(`removed ${leftover}, left by a save that was cut short`), resumed.stdout);
  assert.ok(resumed.stdout.includes(`warning: ${join(copy, 'metrics.jsonl')} lacks the lines of steps 2, 3 (before the checkpoint)`), resumed.stdout);
});

test('a damaged checkpoint is refused naming the file and the newest intact checkpoint', async () => {
  const copy = join(tmp, 'damaged');
  cpSync(run, copy, { recursive: true });
  const fd = openSync(join(ckpt(copy, 6), 'tensors.safetensors'), 'r+');
  writeSync(fd, Buffer.alloc(4096), 0, 4096, 100_000);
  closeSync(fd);
  const zeros = await train('--resume', copy);
  assert.equal(zeros.code, 1);
  assert.match(zeros.stderr, new RegExp(`^${join(ckpt(copy, 6), 'tensors.safetensors')}: damaged \\(\\d+ bytes with sha256 [0-9a-f]{12}…, state.json records \\d+ bytes with [0-9a-f]{12}…\\); the newest intact checkpoint of the run is ${ckpt(copy, 4)}`));

  truncateSync(join(ckpt(copy, 6), 'state.json'), 100);
  const torn = await train('--resume', copy);
  assert.equal(torn.code, 1);
  assert.match(torn.stderr, new RegExp(`^${join(ckpt(copy, 6), 'state.json')}: damaged \\(.*\\); the newest intact checkpoint of the run is ${ckpt(copy, 4)}: move ${ckpt(copy, 6)} aside and resume the run`));
});
