/**
 * The embedded FileStore writer, checked through MLflow's own Python client
 * (and `mlflow migrate-filestore`), plus crash recovery, trial re-runs,
 * signals and several processes writing one store.
 */
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { FileStore } from '../../src/track/file_store.js';
import { readMetricsLog, type MetricPoint } from '../../src/track/metrics_log.js';
import { readRunState, writeRunState, type RunState } from '../../src/track/run_state.js';
import { syncWorkDir } from '../../src/track/sync.js';
import { openRun } from '../../src/track/tracker.js';
import { findPython } from '../helpers/python.js';

const run = promisify(execFile);
const probe = findPython(['mlflow']);
const tmp = mkdtempSync(join(tmpdir(), 'detlab-fs-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
const trackerModule = join(dirname(fileURLToPath(import.meta.url)), '../../src/track/tracker.js');
const quiet = { log: () => {}, handleSignals: false };

interface PyRun {
  run_id: string;
  name: string;
  status: string;
  end_time: number | null;
  params: Record<string, string>;
  tags: Record<string, string>;
  history: Record<string, [number, number, string][]>;
}

/** What MLflow's Python client sees in experiment `name` of `uri`: runs, params, tags and full metric histories. */
async function pyRead(uri: string, name: string): Promise<PyRun[]> {
  const script = `
import json, sys, mlflow
c = mlflow.MlflowClient(sys.argv[1])
e = c.get_experiment_by_name(sys.argv[2])
out = []
for r in c.search_runs([e.experiment_id]):
    hist = {k: [[m.step, m.timestamp, repr(float(m.value))] for m in c.get_metric_history(r.info.run_id, k)] for k in r.data.metrics}
    out.append(dict(run_id=r.info.run_id, name=r.info.run_name, status=r.info.status, end_time=r.info.end_time,
                    params=r.data.params, tags=r.data.tags, history=hist))
print(json.dumps(out))
`;
  const { stdout } = await run(probe.python as string, ['-c', script, uri, name], {
    env: { ...process.env, MLFLOW_ALLOW_FILE_STORE: 'true' },
    maxBuffer: 64 << 20,
  });
  return JSON.parse(stdout) as PyRun[];
}

/** A value as pyRead reports it (Python repr) or as we logged it, in one spelling: JS's String(number). */
function canon(v: number | string): string {
  if (typeof v === 'number') return String(v);
  return String({ nan: NaN, inf: Infinity, '-inf': -Infinity }[v] ?? Number(v));
}

function expectedHistory(points: MetricPoint[], clampInf = false): Record<string, [number, number, string][]> {
  const out: Record<string, [number, number, string][]> = {};
  for (const p of points) {
    const v = clampInf && Math.abs(p.value) === Infinity ? Math.sign(p.value) * Number.MAX_VALUE : p.value;
    (out[p.key] ??= []).push([p.step, p.timestamp, canon(v)]);
  }
  return out;
}

const sortHist = (h: Record<string, [number, number, string][]>) =>
  Object.fromEntries(Object.entries(h).map(([k, v]) => [k, v.map(([s, t, x]): [number, number, string] => [s, t, canon(x)]).sort((a, b) => a[0] - b[0] || a[1] - b[1])]));

test('MLflow reads our FileStore: runs, params, tags, statuses and full metric histories; migrate-filestore accepts it', { skip: probe.skip }, async () => {
  const root = join(tmp, 'mlruns');
  const workDir = join(tmp, 'w-main');
  const tracker = await openRun({ uri: root, experimentName: '123', runName: 'yes', workDir, tags: { 'detlab.config': 'retinanet_r50' }, note: 'a *note*', ...quiet });
  tracker.logConfig({ model: { type: 'RetinaNet', depth: 50 }, train: { lr: 0.01, steps: [8, 11] } });
  for (let step = 0; step < 300; step++) {
    tracker.logMetrics(step, { loss: 2 / (step + 1), 'train/lr': 0.01 * 0.99 ** step, odd: step === 7 ? NaN : step === 8 ? Infinity : step === 9 ? -Infinity : step * 1e-9 });
  }
  tracker.setTags({ phase: 'done' });
  const report = await tracker.finish('FINISHED');
  assert.deepEqual(report, { runId: tracker.runId, delivered: true, problems: [] });

  const points = readMetricsLog(join(workDir, 'metrics.jsonl'));
  assert.equal(points.length, 900);
  const [py] = await pyRead(`file://${root}`, '123');
  assert.ok(py);
  assert.equal(py.run_id, tracker.runId);
  assert.equal(py.name, 'yes');
  assert.equal(py.status, 'FINISHED');
  assert.ok(typeof py.end_time === 'number' && py.end_time > 0);
  assert.deepEqual(py.params, { 'model.type': 'RetinaNet', 'model.depth': '50', 'train.lr': '0.01', 'train.steps.0': '8', 'train.steps.1': '11' });
  assert.equal(py.tags['mlflow.runName'], 'yes');
  assert.equal(py.tags['mlflow.source.type'], 'LOCAL');
  assert.equal(py.tags['mlflow.note.content'], 'a *note*');
  assert.equal(py.tags['detlab.config'], 'retinanet_r50');
  assert.equal(py.tags.phase, 'done');
  assert.ok(py.tags['mlflow.user']);
  assert.deepEqual(sortHist(py.history), sortHist(expectedHistory(points)));
  const artifactDir = join(root, readdirSync(root).find((d) => d.startsWith('1')) as string, py.run_id, 'artifacts');
  assert.match(readFileSync(join(artifactDir, 'config.yaml'), 'utf8'), /type: RetinaNet/);

  const db = join(tmp, 'migrated.db');
  await run(join(dirname(probe.python as string), 'mlflow'), ['migrate-filestore', '--source', root, '--target', `sqlite:///${db}`], { maxBuffer: 16 << 20 });
  const [migrated] = await pyRead(`sqlite:///${db}`, '123');
  assert.ok(migrated);
  assert.equal(migrated.run_id, py.run_id);
  assert.deepEqual(migrated.params, py.params);
  assert.equal(migrated.status, 'FINISHED');
  // The SQL store clamps ±Infinity to ±DBL_MAX.
  assert.deepEqual(sortHist(migrated.history), sortHist(expectedHistory(points, true)));
});

test('a metric key that is also the folder of another (lr beside lr/x) is refused whole, naming both, before anything is written', async () => {
  const store = new FileStore(join(tmp, 'clash'));
  const run = await store.createRun({ experimentId: await store.getOrCreateExperiment('clash'), runName: 'r', startTime: 1, tags: {} });
  const point = (key: string, value: number): MetricPoint => ({ key, value, timestamp: 1, step: 1 });
  await store.logBatch(run.runId, { metrics: [point('lr', 0.1), point('diag/lgd/grad_norm', 2)], params: {}, tags: {} });
  const refused = async (keys: string[], message: RegExp): Promise<void> => {
    await assert.rejects(store.logBatch(run.runId, { metrics: keys.map((k) => point(k, 3)), params: {}, tags: {} }), message);
  };
  await refused(['loss', 'lr/teacher'], /metrics 'lr' and 'lr\/teacher' cannot both be stored: MLflow's file store keeps a metric in a file at its key's path/);
  await refused(['diag'], /metrics 'diag' and 'diag\/…' cannot both be stored/);
  await refused(['a', 'a/b/c'], /metrics 'a' and 'a\/b\/c' cannot both be stored/);
  // Nothing of a refused batch was written; the names detlab's logger uses side by side are stored.
  assert.deepEqual((await store.getRun(run.runId)).metricKeys.sort(), ['diag/lgd/grad_norm', 'lr']);
  await store.logBatch(run.runId, { metrics: ['loss', 'loss_det', 'loss_aux/lgd/loss_distill', 'lr_lgd_teacher', 'diag/lgd/loss_distill/grad_norm'].map((k) => point(k, 1)), params: {}, tags: {} });
  assert.equal((await store.getRun(run.runId)).metricKeys.length, 7);
});

test('several processes creating one experiment at once share one experiment folder', async () => {
  const root = join(tmp, 'race');
  const script = join(tmp, 'race.mjs');
  writeFileSync(
    script,
    `import { openRun } from ${JSON.stringify(trackerModule)};
const [root, work] = process.argv.slice(2);
const r = await openRun({ uri: root, experimentName: 'shared exp', runName: work, workDir: work, log: () => {}, handleSignals: false });
for (let s = 0; s < 20; s++) r.logMetrics(s, { loss: s });
await r.finish();
`,
  );
  await Promise.all(Array.from({ length: 4 }, (_, i) => run(process.execPath, [script, root, join(tmp, `race-w${i}`)])));
  const experiments = readdirSync(root).filter((d) => d !== '.trash' && d !== '0');
  assert.equal(experiments.length, 1);
  const runs = readdirSync(join(root, experiments[0] as string), { withFileTypes: true }).filter((d) => d.isDirectory());
  assert.equal(runs.length, 4);
  for (const r of runs) assert.equal(readFileSync(join(root, experiments[0] as string, r.name, 'metrics', 'loss'), 'utf8').trim().split('\n').length, 20);
});

test('a crashed process leaves metrics.jsonl; sync delivers exactly the missing points, and again nothing', async () => {
  const root = join(tmp, 'crash');
  const workDir = join(tmp, 'w-crash');
  const script = join(tmp, 'crash.mjs');
  writeFileSync(
    script,
    `import { openRun } from ${JSON.stringify(trackerModule)};
const r = await openRun({ uri: process.argv[2], experimentName: 'crash', runName: 'c', workDir: process.argv[3], flushIntervalMs: 50, log: () => {}, handleSignals: false });
for (let s = 0; s < 50; s++) r.logMetrics(s, { loss: s / 3 });
await r.flush();
for (let s = 50; s < 120; s++) r.logMetrics(s, { loss: s / 3, acc: s });
r.setTags({ late: 'tag' });
process.exit(3); // dies before the background flush
`,
  );
  await assert.rejects(run(process.execPath, [script, root, workDir]), (err: { code?: number }) => err.code === 3);
  const state = JSON.parse(readFileSync(join(workDir, 'mlflow_run.json'), 'utf8')) as { runId: string };
  const store = new FileStore(root);
  assert.equal((await store.getMetricHistory(state.runId, 'loss')).length, 50);

  const first = await syncWorkDir(workDir);
  assert.deepEqual([first.metricsSent, first.metricsPresent, first.eventsReplayed], [140, 50, 1]);
  const again = await syncWorkDir(workDir);
  assert.deepEqual([again.metricsSent, again.metricsPresent, again.eventsReplayed], [0, 190, 0]);
  const loss = await store.getMetricHistory(state.runId, 'loss');
  assert.deepEqual(loss.map((p) => p.step), Array.from({ length: 120 }, (_, i) => i));
  assert.equal((await store.getMetricHistory(state.runId, 'acc')).length, 70);
  assert.equal((await store.getRun(state.runId)).tags.late, 'tag');
});

test('a trial re-run continues its earlier run; stale RUNNING duplicates become KILLED', async () => {
  const root = join(tmp, 'trials');
  const first = await openRun({ uri: root, experimentName: 'sweep', runName: 't3', trialId: 'sweep1-t3', parentRunId: 'p'.repeat(32), workDir: join(tmp, 'w-t3a'), ...quiet });
  first.logMetrics(0, { loss: 1 });
  await first.finish('FAILED');
  const store = new FileStore(root);
  const expId = (await store.getRun(first.runId as string)).experimentId;
  // A leftover duplicate from an older crash, started earlier and never finished.
  const stale = await store.createRun({ experimentId: expId, runName: 't3', startTime: 1, tags: { 'detlab.trial_id': 'sweep1-t3', 'mlflow.parentRunId': 'p'.repeat(32) } });
  const other = await openRun({ uri: root, experimentName: 'sweep', runName: 't3', trialId: 'sweep1-t3', parentRunId: 'q'.repeat(32), workDir: join(tmp, 'w-t3x'), ...quiet });
  assert.notEqual(other.runId, first.runId, 'same trial id under another parent is another trial');
  await other.finish();

  const again = await openRun({ uri: root, experimentName: 'sweep', runName: 't3', trialId: 'sweep1-t3', parentRunId: 'p'.repeat(32), workDir: join(tmp, 'w-t3b'), ...quiet });
  assert.equal(again.runId, first.runId);
  assert.equal((await store.getRun(first.runId as string)).status, 'RUNNING');
  again.logMetrics(1, { loss: 0.5 });
  await again.finish('FINISHED');
  const resumed = await store.getRun(first.runId as string);
  assert.equal(resumed.status, 'FINISHED');
  assert.deepEqual((await store.getMetricHistory(resumed.runId, 'loss')).map((p) => p.value), [1, 0.5]);
  assert.equal((await store.getRun(stale.runId)).status, 'KILLED');
});

test('SIGTERM ends the run as KILLED with its metrics, and the process still dies of the signal', async () => {
  const root = join(tmp, 'signal');
  const workDir = join(tmp, 'w-signal');
  const script = join(tmp, 'signal.mjs');
  writeFileSync(
    script,
    `import { openRun } from ${JSON.stringify(trackerModule)};
const r = await openRun({ uri: process.argv[2], experimentName: 'sig', runName: 's', workDir: process.argv[3], flushIntervalMs: 60000, log: () => {} });
let step = 0;
setInterval(() => r.logMetrics(step++, { loss: step }), 5);
setTimeout(() => process.stdout.write('ready\\n'), 200);
`,
  );
  const child = spawn(process.execPath, [script, root, workDir], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((r) => child.stdout.once('data', () => r()));
  child.kill('SIGTERM');
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((r) => child.once('exit', (c, s) => r([c, s])));
  assert.deepEqual([code, signal], [null, 'SIGTERM']);
  const state = JSON.parse(readFileSync(join(workDir, 'mlflow_run.json'), 'utf8')) as { runId: string };
  const store = new FileStore(root);
  const info = await store.getRun(state.runId);
  assert.equal(info.status, 'KILLED');
  assert.ok(info.endTime !== undefined && info.endTime >= info.startTime);
  const logged = readMetricsLog(join(workDir, 'metrics.jsonl'));
  assert.ok(logged.length > 0);
  assert.deepEqual((await store.getMetricHistory(state.runId, 'loss')).map((p) => p.step), logged.map((p) => p.step));
});

test('sync of a trial whose sweep never reached the store creates the sweep run first and links the trial to it', async () => {
  const root = join(tmp, 'pending-parent');
  const state = (name: string, extra: Partial<RunState>): RunState => ({
    version: 1, trackingUri: root, experimentName: 'pending', clientRunId: `${name}${'0'.repeat(32 - name.length)}`, runName: name,
    startTime: 1000, createTags: { 'mlflow.runName': name }, spoolDone: 0, ...extra,
  });
  const parentDir = join(tmp, 'pending-sweep');
  const childDir = join(tmp, 'pending-trial');
  mkdirSync(parentDir);
  mkdirSync(childDir);
  writeRunState(parentDir, state('sweep', {}));
  writeRunState(childDir, state('trial', { parentWorkDir: parentDir }));
  writeFileSync(join(childDir, 'metrics.jsonl'), '{"step":1,"ts":1001,"metrics":{"loss":0.5}}\n');
  const report = await syncWorkDir(childDir);
  const parentId = readRunState(parentDir)?.runId;
  assert.ok(parentId);
  const store = new FileStore(root);
  const child = await store.getRun(report.runId);
  assert.equal(child.tags['mlflow.parentRunId'], parentId);
  assert.equal((await store.getRun(parentId)).runName, 'sweep');
  assert.deepEqual((await store.getMetricHistory(report.runId, 'loss')).map((p) => [p.step, p.timestamp, p.value]), [[1, 1001, 0.5]]);
});
