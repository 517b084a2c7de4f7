/**
 * A trial process takes more GEMM threads when its executor grants them, its
 * IPC channel does not keep it alive, and its run logs the count it steps with.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadAddon } from '../../src/engine/native/addon.js';
import { GRANTS_ACCEPTED, THREAD_GRANT } from '../../src/train/thread_grant.js';
import { FileStore } from '../../src/track/file_store.js';

const CHILD = join(import.meta.dirname, 'fixtures', 'thread_grant_child.js');
const CLI = join(import.meta.dirname, '../../src/cli/main.js');
const TINY = join(import.meta.dirname, '../../../tests/sweep/fixtures/tiny_retinanet.yaml');
const tmp = mkdtempSync(join(tmpdir(), 'detlab-grant-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

test('a granted thread count is applied once the trial accepts grants, and the trial then exits on its own', async () => {
  const child = spawn(process.execPath, [CHILD], { stdio: ['ignore', 'pipe', 'inherit', 'ipc'], env: { ...process.env, OPENBLAS_NUM_THREADS: '1' } });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.on('message', (m: { type?: string }) => {
    if (m.type === GRANTS_ACCEPTED) child.send({ type: THREAD_GRANT, threads: 2 });
  });
  const started = Date.now();
  const code = await new Promise<number | null>((done) => child.on('exit', done));
  assert.equal(code, 0);
  assert.ok(Date.now() - started < 9_000, `the child stayed up ${Date.now() - started} ms: ${out}`);
  if (loadAddon().addon) {
    assert.match(out, /engine: 2 threads from here on/);
    assert.match(out, /threads 2\n/);
  } else {
    // The pure wasm kernels are single-threaded: the grant changes nothing.
    assert.doesNotMatch(out, /from here on/);
    assert.match(out, /threads 1\n/);
  }
});

test('a real trial granted a second thread mid-run logs engine/threads: its start count at step 1, then the granted count at the first step after the grant', async () => {
  const workDir = join(tmp, 'work');
  const mlruns = join(tmp, 'mlruns');
  const args = [CLI, 'train', TINY, '--work-dir', workDir, '--set', '++engine.threads=1', '--set', 'train.max_iters=12'];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe', 'ipc'], env: { ...process.env, MLFLOW_TRACKING_URI: mlruns, OPENBLAS_NUM_THREADS: '1' } });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((done) => child.on('exit', done));
  await new Promise<void>((accepted) => child.on('message', (m: { type?: string }) => m.type === GRANTS_ACCEPTED && accepted()));
  // Grant once the run has checkpointed step 2, as an executor does when a neighbour ends mid-run.
  const runs = join(workDir, 'tiny_retinanet');
  const firstCheckpoint = (): boolean => existsSync(runs) && readdirSync(runs).some((r) => existsSync(join(runs, r, 'checkpoints', 'iter_000002')));
  while (!firstCheckpoint() && child.exitCode === null) await sleep(20);
  // A trial that already ended fails the exit-code assertion below, with its output.
  if (child.connected) child.send({ type: THREAD_GRANT, threads: 2 });
  assert.equal(await exited, 0, out);
  const [run] = readdirSync(runs);
  const { runId } = JSON.parse(readFileSync(join(runs, run, 'mlflow_run.json'), 'utf8')) as { runId: string };
  const history = (await new FileStore(mlruns).getMetricHistory(runId, 'engine/threads')).map((p) => [p.step, p.value]);
  if (loadAddon().addon) {
    assert.equal(history.length, 2, JSON.stringify(history));
    assert.deepEqual(history[0], [1, 1]);
    assert.equal(history[1][1], 2);
    assert.ok(history[1][0] >= 3 && history[1][0] <= 12, `logged at the first step after the grant: ${JSON.stringify(history)}`);
    assert.match(out, /engine: 2 threads from here on/);
  } else {
    // The pure wasm kernels are single-threaded: the grant changes nothing.
    assert.deepEqual(history, [[1, 1]]);
  }
});
