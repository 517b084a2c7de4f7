/**
 * Reconciling metrics.jsonl with a store (FileStore here, the same code path as
 * a server): a point is its step, timestamp and value, each is delivered once.
 */
import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { FileStore } from '../../src/track/file_store.js';
import { MlflowApiError, MlflowUnreachableError } from '../../src/track/http.js';
import { RestStore } from '../../src/track/rest_store.js';
import { appendSpool, readRunState, writeRunState } from '../../src/track/run_state.js';
import { isTransient, ParentPendingError, storeFor, syncWorkDir } from '../../src/track/sync.js';

const tmp = mkdtempSync(join(tmpdir(), 'detlab-sync-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

/** A work dir whose run is not in the store yet, with these metrics.jsonl lines. */
function workDir(name: string, lines: string[]): { dir: string; root: string } {
  const dir = join(tmp, name);
  const root = join(tmp, `${name}-store`);
  mkdirSync(dir);
  writeRunState(dir, {
    version: 1, trackingUri: root, experimentName: name, clientRunId: name.padEnd(32, '0'), runName: name,
    startTime: 1000, createTags: { 'mlflow.runName': name }, spoolDone: 0,
  });
  writeFileSync(join(dir, 'metrics.jsonl'), lines.map((l) => `${l}\n`).join(''));
  return { dir, root };
}

const history = async (root: string, runId: string, key: string) =>
  (await new FileStore(root).getMetricHistory(runId, key)).map((p) => [p.step, p.timestamp, p.value]);

test('a point written twice to metrics.jsonl reaches the store once', async () => {
  const { dir, root } = workDir('twice', [
    '{"step":1,"ts":1001,"metrics":{"loss":0.9}}',
    '{"step":1,"ts":1001,"metrics":{"loss":0.9}}',
    '{"step":2,"ts":1002,"metrics":{"loss":0.8,"lr":0.01}}',
    '{"step":2,"ts":1002,"metrics":{"loss":0.8}}',
  ]);
  const report = await syncWorkDir(dir);
  // The copies count as already present.
  assert.deepEqual([report.metricsSent, report.metricsPresent], [3, 2]);
  assert.deepEqual(await history(root, report.runId, 'loss'), [[1, 1001, 0.9], [2, 1002, 0.8]]);
  assert.deepEqual(await history(root, report.runId, 'lr'), [[2, 1002, 0.01]]);
});

test('points are matched with their timestamp: a step logged again later is a point of its own', async () => {
  const { dir, root } = workDir('later', ['{"step":5,"ts":2005,"metrics":{"loss":0.5}}']);
  const first = await syncWorkDir(dir);
  assert.deepEqual([first.metricsSent, first.metricsPresent], [1, 0]);
  // A resumed run recomputes step 5 at a later time with the same value, and step 5's value at the same time differs.
  appendFileSync(join(dir, 'metrics.jsonl'), '{"step":5,"ts":3005,"metrics":{"loss":0.5}}\n{"step":5,"ts":2005,"metrics":{"acc":0.5}}\n');
  const second = await syncWorkDir(dir);
  assert.deepEqual([second.metricsSent, second.metricsPresent], [2, 1]);
  assert.deepEqual(await history(root, first.runId, 'loss'), [[5, 2005, 0.5], [5, 3005, 0.5]]);
  assert.deepEqual(await history(root, first.runId, 'acc'), [[5, 2005, 0.5]]);
  const third = await syncWorkDir(dir);
  assert.deepEqual([third.metricsSent, third.metricsPresent], [0, 3]);
});

test('a point differing only in its value is sent; non-finite values match what the store returns', async () => {
  const { dir, root } = workDir('values', ['{"step":3,"ts":1003,"metrics":{"loss":0.3,"aux":"NaN","big":"Infinity","low":"-Infinity"}}']);
  const first = await syncWorkDir(dir);
  assert.equal(first.metricsSent, 4);
  appendFileSync(join(dir, 'metrics.jsonl'), '{"step":3,"ts":1003,"metrics":{"loss":0.31,"aux":"NaN"}}\n');
  const second = await syncWorkDir(dir);
  assert.deepEqual([second.metricsSent, second.metricsPresent], [1, 5]);
  assert.deepEqual(await history(root, first.runId, 'loss'), [[3, 1003, 0.3], [3, 1003, 0.31]]);
  assert.deepEqual(await history(root, first.runId, 'big'), [[3, 1003, Infinity]]);
});

test('the spool is replayed in order once; an event the store refuses is reported at its line and skipped', async () => {
  const { dir, root } = workDir('spool', []);
  appendSpool(dir, { op: 'params', params: { lr: '0.01' } });
  appendSpool(dir, { op: 'tags', tags: { note: 'first' } });
  appendSpool(dir, { op: 'params', params: { lr: '0.02' } });
  appendSpool(dir, { op: 'status', status: 'FINISHED', endTime: 5000 });
  const first = await syncWorkDir(dir);
  assert.equal(first.eventsReplayed, 3);
  assert.equal(first.problems.length, 1);
  assert.match(first.problems[0], /mlflow_spool\.jsonl:3: .*param "lr" was already logged as "0\.01", cannot change it to "0\.02"/);
  assert.equal(readRunState(dir)?.spoolDone, 4);
  const run = await new FileStore(root).getRun(first.runId);
  assert.deepEqual([run.status, run.endTime, run.tags.note], ['FINISHED', 5000, 'first']);
  assert.equal(readFileSync(join(root, run.experimentId, run.runId, 'params', 'lr'), 'utf8'), '0.01');
  const again = await syncWorkDir(dir);
  assert.deepEqual([again.runId, again.eventsReplayed, again.problems], [first.runId, 0, []]);
});

test('sync to another location creates the run there and sends everything; a run state is required', async () => {
  const { dir } = workDir('moved', ['{"step":1,"ts":1001,"metrics":{"loss":0.9}}']);
  appendSpool(dir, { op: 'tags', tags: { note: 'x' } });
  const first = await syncWorkDir(dir);
  const elsewhere = join(tmp, 'moved-elsewhere');
  const moved = await syncWorkDir(dir, { uri: elsewhere });
  assert.notEqual(moved.runId, first.runId);
  assert.deepEqual([moved.location, moved.metricsSent, moved.eventsReplayed], [elsewhere, 1, 1]);
  assert.deepEqual(await history(elsewhere, moved.runId, 'loss'), [[1, 1001, 0.9]]);
  assert.equal(readRunState(dir)?.trackingUri, elsewhere);
  const same = await syncWorkDir(dir, { uri: elsewhere });
  assert.deepEqual([same.runId, same.metricsSent, same.eventsReplayed], [moved.runId, 0, 0]);
  await assert.rejects(syncWorkDir(join(tmp, 'nowhere')), (err: Error) => {
    assert.equal(err.message, `${join(tmp, 'nowhere', 'mlflow_run.json')}: not found; was this work dir tracked by detlab?`);
    return true;
  });
});

test('transient failures are the ones worth retrying; the store follows the URI', () => {
  const api = (status: number) => new MlflowApiError('http://h/api', status, 'E', 'x');
  assert.deepEqual([500, 503, 408, 429].map((s) => isTransient(api(s))), [true, true, true, true]);
  assert.deepEqual([400, 403, 404, 499].map((s) => isTransient(api(s))), [false, false, false, false]);
  assert.equal(isTransient(new MlflowUnreachableError('down')), true);
  assert.equal(isTransient(new ParentPendingError('later')), true);
  assert.equal(isTransient(new Error('disk full')), false);
  assert.ok(storeFor('http://127.0.0.1:5000') instanceof RestStore);
  assert.ok(storeFor('HTTPS://mlflow.example') instanceof RestStore);
  assert.ok(storeFor(join(tmp, 'abs')) instanceof FileStore);
  assert.throws(() => storeFor('mlruns'), /^Error: tracking location mlruns is neither an http\(s\) URL nor an absolute path$/);
});
