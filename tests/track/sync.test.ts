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
import { CLIENT_RUN_TAG, isTransient, ParentPendingError, PARENT_TAG, RunLink, storeFor, syncWorkDir, TRIAL_TAG } from '../../src/track/sync.js';
import type { RunState } from '../../src/track/run_state.js';
import type { TrackingStore } from '../../src/track/store.js';

const tmp = mkdtempSync(join(tmpdir(), 'detlab-sync-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

/** A work dir whose run is not in the store yet, with these metrics.jsonl lines. */
function workDir(name: string, lines: string[], state: Partial<RunState> = {}): { dir: string; root: string } {
  const dir = join(tmp, name);
  const root = state.trackingUri ?? join(tmp, `${name}-store`);
  mkdirSync(dir);
  const clientRunId = name.padEnd(32, '0');
  writeRunState(dir, {
    version: 1, trackingUri: root, experimentName: name, clientRunId, runName: name,
    startTime: 1000, createTags: { 'mlflow.runName': name, [CLIENT_RUN_TAG]: clientRunId }, spoolDone: 0, ...state,
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
  assert.ok(storeFor(`${tmp}/mirror/http://host`) instanceof FileStore, 'an absolute path holding http:// is a path');
  assert.throws(() => storeFor('mlruns'), /^Error: tracking location mlruns is neither an http\(s\) URL nor an absolute path$/);
});

test('the tags detlab finds runs by keep their names: detlab.trial_id, detlab.client_run_id, mlflow.parentRunId', () => {
  assert.deepEqual([TRIAL_TAG, CLIENT_RUN_TAG, PARENT_TAG], ['detlab.trial_id', 'detlab.client_run_id', 'mlflow.parentRunId']);
  assert.equal(new ParentPendingError('x').name, 'ParentPendingError');
});

test('a work dir that lost its run id finds its run again by the client run id, instead of creating another', async () => {
  const { dir, root } = workDir('lost-id', ['{"step":1,"ts":1001,"metrics":{"loss":0.9}}']);
  const first = await syncWorkDir(dir);
  const state = readRunState(dir)!;
  writeRunState(dir, { ...state, runId: undefined, artifactUri: undefined });
  const again = await syncWorkDir(dir);
  assert.deepEqual([again.runId, again.metricsSent, again.metricsPresent], [first.runId, 0, 1]);
  const store = new FileStore(root);
  assert.equal((await store.findRunsByTag(state.experimentId!, CLIENT_RUN_TAG, state.clientRunId)).length, 1);
});

test('a re-run of a trial continues its newest earlier run of the same parent; older ones left RUNNING become KILLED', async () => {
  const root = join(tmp, 'trials-store');
  const store = new FileStore(root);
  const experimentId = await store.getOrCreateExperiment('trials');
  const make = (startTime: number, tags: Record<string, string>) => store.createRun({ experimentId, runName: 't', startTime, tags: { [TRIAL_TAG]: 'abc123', ...tags } });
  const abandoned = await make(100, { [PARENT_TAG]: 'p1' });
  const newest = await make(200, { [PARENT_TAG]: 'p1' });
  await store.updateRun(newest.runId, 'FAILED', 250);
  const otherSweep = await make(300, { [PARENT_TAG]: 'p2' });
  const { dir } = workDir('rerun', ['{"step":1,"ts":1001,"metrics":{"loss":0.5}}'], { trackingUri: root, experimentName: 'trials', trialId: 'abc123', parentRunId: 'p1' });
  const report = await syncWorkDir(dir);
  assert.equal(report.runId, newest.runId);
  assert.deepEqual(
    await Promise.all([abandoned, newest, otherSweep].map(async (r) => (await store.getRun(r.runId)).status)),
    ['KILLED', 'RUNNING', 'RUNNING'],
  );
  assert.deepEqual(await history(root, newest.runId, 'loss'), [[1, 1001, 0.5]]);
  // Without a trial id nothing is adopted: a run of its own.
  const { dir: plain } = workDir('no-trial', [], { trackingUri: root, experimentName: 'trials', parentRunId: 'p1' });
  const own = await syncWorkDir(plain);
  assert.ok(![abandoned, newest, otherSweep].map((r) => r.runId).includes(own.runId));
});

test("a child waits for its parent's run: synced first from the parent's work dir, or refused as pending until it exists", async () => {
  const root = join(tmp, 'nested-store');
  const { dir: parent } = workDir('parent', ['{"step":0,"ts":1000,"metrics":{"best":0.4}}'], { trackingUri: root, experimentName: 'nested' });
  const { dir: child } = workDir('child', ['{"step":1,"ts":1001,"metrics":{"loss":0.5}}'], { trackingUri: root, experimentName: 'nested', parentWorkDir: parent });
  const link = new RunLink(child, readRunState(child)!, new FileStore(root));
  await assert.rejects(link.connect(), (err: Error) => err instanceof ParentPendingError && err.message === `parent run in ${parent} is not in ${root} yet`);
  const report = await syncWorkDir(child);
  const parentRun = readRunState(parent)!.runId!;
  const childRun = await new FileStore(root).getRun(report.runId);
  assert.equal(childRun.tags[PARENT_TAG], parentRun);
  assert.equal(readRunState(child)!.parentRunId, parentRun);
  // The link that was refused connects once the parent is there (a failed attempt is not kept).
  const retried = await link.connect();
  assert.equal(retried.tags[PARENT_TAG], parentRun);
  // A parent run id already known (the tracker then tags the run with it) wins over the work dir, which is not read.
  const tags = { 'mlflow.runName': 'known-parent', [CLIENT_RUN_TAG]: 'known-parent'.padEnd(32, '0'), [PARENT_TAG]: parentRun };
  const { dir: known } = workDir('known-parent', [], { trackingUri: root, experimentName: 'nested', parentRunId: parentRun, parentWorkDir: join(tmp, 'gone'), createTags: tags });
  const knownRun = await new FileStore(root).getRun((await syncWorkDir(known)).runId);
  assert.equal(knownRun.tags[PARENT_TAG], parentRun);
});

/** A FileStore that counts the entries of each batch, and fails logBatch with `fail()`'s error while it gives one. */
function flakyStore(root: string, fail: () => Error | undefined): { store: TrackingStore; batches: number[] } {
  const store = new FileStore(root);
  const batches: number[] = [];
  const logBatch = store.logBatch.bind(store);
  store.logBatch = async (runId, batch) => {
    const err = fail();
    if (err !== undefined) throw err;
    batches.push(batch.metrics.length + Object.keys(batch.params).length + Object.keys(batch.tags).length);
    return logBatch(runId, batch);
  };
  return { store, batches };
}

test('replaying the spool stops at a transient failure, keeping the event for the next attempt; artifacts are replayed too', async () => {
  const { dir, root } = workDir('flaky', []);
  const file = join(tmp, 'flaky-report.txt');
  writeFileSync(file, 'report');
  appendSpool(dir, { op: 'artifact', path: file, artifactPath: 'eval' });
  appendSpool(dir, { op: 'params', params: { lr: '0.01' } });
  let down = true;
  const { store } = flakyStore(root, () => (down ? new MlflowUnreachableError('server down') : undefined));
  const link = new RunLink(dir, readRunState(dir)!, store);
  await assert.rejects(link.replaySpool(), MlflowUnreachableError);
  assert.equal(readRunState(dir)!.spoolDone, 1, 'the artifact went; the params wait');
  assert.deepEqual(link.problems, []);
  down = false;
  assert.equal(await link.replaySpool(), 1);
  const run = await store.getRun(link.run!.runId);
  assert.equal(readFileSync(join(root, run.experimentId, run.runId, 'artifacts', 'eval', 'flaky-report.txt'), 'utf8'), 'report');
  assert.equal(readFileSync(join(root, run.experimentId, run.runId, 'params', 'lr'), 'utf8'), '0.01');
});

test('points sent from memory land in the store; a reconcile with nothing missing sends no request', async () => {
  const { dir, root } = workDir('direct', ['{"step":1,"ts":1001,"metrics":{"loss":0.7}}']);
  const { store, batches } = flakyStore(root, () => undefined);
  const link = new RunLink(dir, readRunState(dir)!, store);
  await link.sendPoints([{ key: 'loss', value: 0.7, timestamp: 1001, step: 1 }]);
  assert.deepEqual(await history(root, link.run!.runId, 'loss'), [[1, 1001, 0.7]]);
  assert.deepEqual(await link.reconcileMetrics(), { sent: 0, present: 1 });
  assert.deepEqual(batches, [1], 'only the points sent from memory');
});
