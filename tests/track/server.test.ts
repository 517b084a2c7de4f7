/**
 * Against a real `mlflow server` (SQLite, proxied artifacts), started once for
 * this file: what a sweep records, read back through the REST API, and
 * delivery through injected faults (500s, lost replies, timeouts, refused
 * connections, the server killed and restarted), after which the server holds
 * exactly the points of metrics.jsonl.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { pointIdentity, readMetricsLog, decodeMetricValue } from '../../src/track/metrics_log.js';
import { syncWorkDir } from '../../src/track/sync.js';
import { openRun, type OpenRunOptions } from '../../src/track/tracker.js';
import { FaultProxy } from '../helpers/fault_proxy.js';
import { MlflowServer, freePort } from '../helpers/mlflow_server.js';
import { findPython } from '../helpers/python.js';

const probe = findPython(['mlflow']);
const skip = probe.skip;
const tmp = mkdtempSync(join(tmpdir(), 'detlab-srv-'));
let server: MlflowServer;

before(async () => {
  if (!skip) server = await MlflowServer.start(probe.python as string);
});
after(async () => {
  await server?.dispose();
  rmSync(tmp, { recursive: true, force: true });
});

interface ApiRun {
  info: { run_id: string; status: string; start_time: number; end_time?: number; artifact_uri: string; experiment_id: string };
  data: { params?: { key: string; value: string }[]; tags?: { key: string; value: string }[]; metrics?: { key: string }[] };
}

const getRun = async (runId: string): Promise<ApiRun> => (await server.api<{ run: ApiRun }>(`runs/get?run_id=${runId}`)).run;
const tagsOf = (r: ApiRun): Record<string, string> => Object.fromEntries((r.data.tags ?? []).map((t) => [t.key, t.value]));
const paramsOf = (r: ApiRun): Record<string, string> => Object.fromEntries((r.data.params ?? []).map((t) => [t.key, t.value]));

/** Asserts the server's histories hold each point of the work dir's metrics.jsonl exactly once, and nothing else. */
async function assertExactlyMetricsJsonl(runId: string, workDir: string): Promise<number> {
  const points = readMetricsLog(join(workDir, 'metrics.jsonl'));
  const keys = [...new Set(points.map((p) => p.key))].sort();
  const run = await getRun(runId);
  assert.deepEqual((run.data.metrics ?? []).map((m) => m.key).sort(), keys);
  for (const key of keys) {
    const res = await server.api<{ metrics?: { key: string; value: number | string; timestamp: number; step: number }[] }>(
      `metrics/get-history?run_id=${runId}&metric_key=${encodeURIComponent(key)}&max_results=100000`,
    );
    const have = (res.metrics ?? []).map((m) => pointIdentity({ key, value: decodeMetricValue(m.value), timestamp: m.timestamp, step: m.step })).sort();
    const want = points.filter((p) => p.key === key).map(pointIdentity).sort();
    assert.deepEqual(have, want, `history of ${key}`);
  }
  return points.length;
}

const fastRetry = (extra: Partial<OpenRunOptions> = {}): Partial<OpenRunOptions> => ({
  flushIntervalMs: 30,
  retryIntervalMs: 100,
  http: { maxRetries: 1, backoffMs: 20, maxBackoffMs: 50, timeoutMs: 1500 },
  log: () => {},
  handleSignals: false,
  ...extra,
});

test('a sweep on a real server: parent/child tree, params, full histories, tags, artifacts, statuses, trial re-run', { skip }, async () => {
  const uri = server.url;
  const parent = await openRun({ uri, experimentName: 'detlab-sweep', runName: 'sweep-lr', workDir: join(tmp, 'sweep'), tags: { 'detlab.sweep': 'true' }, ...fastRetry() });
  parent.logParams({ 'sweep.param': 'train.lr', 'sweep.trials': 2 });
  const children: { id: string; workDir: string }[] = [];
  for (const [i, lr] of [0.01, 0.02].entries()) {
    const workDir = join(tmp, `trial-${i}`);
    const child = await openRun({
      uri, experimentName: 'detlab-sweep', runName: `trial-${i}`, workDir, parentRunId: parent.runId, trialId: `sweep-lr/${i}`,
      note: `lr = ${lr}`, ...fastRetry(),
    });
    child.logConfig({ model: { type: 'RetinaNet', depth: 50 }, train: { lr }, notes: 'n'.repeat(7000) });
    for (let step = 0; step < 1200; step++) {
      child.logMetrics(step, { loss: 1 / (step + 1), lr: lr * 0.999 ** step, grad_norm: step === 3 ? NaN : step === 4 ? Infinity : step % 7 });
    }
    const evalFile = join(workDir, 'eval.json');
    writeFileSync(evalFile, JSON.stringify({ bbox_mAP: 0.25 + i / 100 }));
    child.logArtifact(evalFile, 'eval/final');
    child.setTags({ 'detlab.best_step': '1199' });
    const report = await child.finish(i === 0 ? 'FINISHED' : 'FAILED');
    assert.equal(report.delivered, true, report.problems.join('; '));
    children.push({ id: child.runId as string, workDir });
  }
  parent.logMetrics(0, { best_bbox_mAP: 0.26 });
  await parent.finish('FINISHED');

  const exp = (await server.api<{ experiment: { experiment_id: string } }>('experiments/get-by-name?experiment_name=detlab-sweep')).experiment;
  const search = await server.api<{ runs?: ApiRun[] }>('runs/search', {
    experiment_ids: [exp.experiment_id],
    filter: `tags.\`mlflow.parentRunId\` = '${parent.runId}'`,
  });
  assert.deepEqual((search.runs ?? []).map((r) => r.info.run_id).sort(), children.map((c) => c.id).sort());

  const p = await getRun(parent.runId as string);
  assert.equal(p.info.status, 'FINISHED');
  assert.equal(tagsOf(p)['detlab.sweep'], 'true');
  assert.deepEqual(paramsOf(p), { 'sweep.param': 'train.lr', 'sweep.trials': '2' });

  for (const [i, c] of children.entries()) {
    const r = await getRun(c.id);
    assert.equal(r.info.experiment_id, exp.experiment_id);
    assert.equal(r.info.status, i === 0 ? 'FINISHED' : 'FAILED');
    assert.ok(r.info.end_time !== undefined && r.info.end_time >= r.info.start_time);
    const tags = tagsOf(r);
    assert.equal(tags['mlflow.parentRunId'], parent.runId);
    assert.equal(tags['mlflow.runName'], `trial-${i}`);
    assert.equal(tags['mlflow.source.type'], 'LOCAL');
    assert.equal(tags['mlflow.note.content'], `lr = ${[0.01, 0.02][i]}`);
    assert.equal(tags['detlab.trial_id'], `sweep-lr/${i}`);
    assert.equal(tags['detlab.best_step'], '1199');
    assert.match(tags['detlab.truncated_params'] ?? '', /^notes /);
    assert.ok(tags['mlflow.user']);
    const params = paramsOf(r);
    assert.equal(params['train.lr'], String([0.01, 0.02][i]));
    assert.equal(params.notes?.length, 6000);
    assert.equal(await assertExactlyMetricsJsonl(c.id, c.workDir), 3600);

    const base = `${server.url}/api/2.0/mlflow-artifacts/artifacts/${r.info.artifact_uri.replace(/^mlflow-artifacts:\/+/, '')}`;
    const evalRes = await fetch(`${base}/eval/final/eval.json`);
    assert.equal(evalRes.status, 200);
    assert.deepEqual(await evalRes.json(), { bbox_mAP: 0.25 + i / 100 });
    const config = await (await fetch(`${base}/config.yaml`)).text();
    assert.match(config, /type: RetinaNet/);
    assert.ok(config.includes('n'.repeat(7000)), 'the artifact keeps the full config');
  }

  // Re-running trial 0 in a fresh work dir continues its run.
  const rerun = await openRun({ uri, experimentName: 'detlab-sweep', runName: 'trial-0', workDir: join(tmp, 'trial-0-again'), parentRunId: parent.runId, trialId: 'sweep-lr/0', ...fastRetry() });
  assert.equal(rerun.runId, children[0]?.id);
  assert.equal((await getRun(rerun.runId as string)).info.status, 'RUNNING');
  await rerun.finish('FINISHED');
  assert.equal((await server.api<{ runs?: ApiRun[] }>('runs/search', { experiment_ids: [exp.experiment_id] })).runs?.length, 3);
});

test('experiment get-or-create is race-safe over REST', { skip }, async () => {
  const runs = await Promise.all(
    Array.from({ length: 5 }, (_, i) => openRun({ uri: server.url, experimentName: 'raced', runName: `r${i}`, workDir: join(tmp, `raced-${i}`), ...fastRetry() })),
  );
  const ids = new Set(await Promise.all(runs.map(async (r) => (await getRun(r.runId as string)).info.experiment_id)));
  assert.equal(ids.size, 1);
  await Promise.all(runs.map((r) => r.finish()));
});

test('hundreds of params and tags and 2500 points in one flush are split into batches the server accepts', { skip }, async () => {
  const workDir = join(tmp, 'wide');
  const run = await openRun({ uri: server.url, experimentName: 'wide', runName: 'wide', workDir, ...fastRetry({ flushIntervalMs: 60_000 }) });
  const params = Object.fromEntries(Array.from({ length: 250 }, (_, i) => [`p/${i}`, `v${i}`.repeat(50)]));
  const tags = Object.fromEntries(Array.from({ length: 150 }, (_, i) => [`t.${i}`, 'x'.repeat(7000)]));
  run.logParams(params);
  run.setTags(tags);
  for (let step = 0; step < 250; step++) run.logMetrics(step, Object.fromEntries(Array.from({ length: 10 }, (_, k) => [`m${k}`, step * k])));
  const report = await run.finish();
  assert.equal(report.delivered, true, report.problems.join('; '));
  const r = await getRun(run.runId as string);
  assert.deepEqual(paramsOf(r), params);
  const got = tagsOf(r);
  for (const [k, v] of Object.entries(tags)) assert.equal(got[k], v);
  assert.equal(await assertExactlyMetricsJsonl(run.runId as string, workDir), 2500);
});

test('500s, replies lost after the server applied a batch, and timeouts: exactly metrics.jsonl, nothing sent twice', { skip }, async () => {
  const proxy = new FaultProxy(server.url, await freePort());
  await proxy.open();
  try {
    let n = 0;
    proxy.fault = (req) => {
      if (!req.path.includes('log-batch') && !req.path.includes('get-history')) return 'pass';
      n += 1;
      // One hang: the timeout must exceed what a forwarded request takes on a loaded machine, or a slow
      // request that the server still applies after the client gave up is legitimately sent again.
      if (n === 5) return 'hang';
      return (['pass', 'fail500', 'applied-then-500', 'pass', 'reset', 'pass'] as const)[n % 6] ?? 'pass';
    };
    const workDir = join(tmp, 'faulty');
    const run = await openRun({ uri: proxy.url, experimentName: 'faults', runName: 'f', workDir, ...fastRetry({ http: { maxRetries: 1, backoffMs: 20, timeoutMs: 2000 } }) });
    for (let step = 0; step < 400; step++) {
      run.logMetrics(step, { loss: Math.cos(step), acc: step / 400 });
      if (step % 20 === 0) await new Promise((r) => setTimeout(r, 15));
    }
    let report = await run.finish('FINISHED');
    for (let i = 0; !report.delivered && i < 20; i++) {
      const sync = await syncWorkDir(workDir, { http: { maxRetries: 3, backoffMs: 20, timeoutMs: 300 } }).catch(() => undefined);
      report = { ...report, delivered: sync !== undefined };
    }
    assert.ok(proxy.log.some((l) => l.fault === 'applied-then-500'), 'the lost-reply fault happened');
    assert.ok(proxy.log.some((l) => l.fault === 'hang'), 'the timeout fault happened');
    proxy.fault = () => 'pass';
    const accepted = proxy.acceptedPoints;
    assert.equal(await assertExactlyMetricsJsonl(run.runId as string, workDir), 800);
    // Every point reached the server once: a lost reply was reconciled, not blindly re-sent.
    assert.equal(accepted, 800);
    assert.equal((await getRun(run.runId as string)).info.status, 'FINISHED');
    const again = await syncWorkDir(workDir);
    assert.deepEqual([again.metricsSent, again.eventsReplayed], [0, 0]);
    assert.equal(proxy.acceptedPoints, 800);
  } finally {
    await proxy.close();
  }
});

test('connection refused when a sweep and its trial open: training goes on; both appear, linked, when the server answers', { skip }, async () => {
  const proxy = new FaultProxy(server.url, await freePort());
  const workDir = join(tmp, 'refused');
  const notices: string[] = [];
  const parent = await openRun({ uri: proxy.url, experimentName: 'faults', runName: 'late-sweep', workDir: join(tmp, 'refused-parent'), ...fastRetry({ log: (l) => notices.push(l) }) });
  const run = await openRun({ uri: proxy.url, experimentName: 'faults', runName: 'late', workDir, parent, ...fastRetry({ log: (l) => notices.push(l) }) });
  assert.equal(parent.runId, undefined);
  assert.equal(run.runId, undefined);
  assert.match(notices[0] ?? '', /ECONNREFUSED.*training goes on/);
  run.logParams({ seed: 7 });
  for (let step = 0; step < 100; step++) run.logMetrics(step, { loss: step });
  await proxy.open();
  try {
    for (let step = 100; step < 200; step++) {
      run.logMetrics(step, { loss: step });
      if (step % 10 === 0) await new Promise((r) => setTimeout(r, 20));
    }
    await parent.flush();
    const report = await run.finish('FINISHED');
    assert.equal(report.delivered, true, report.problems.join('; '));
    assert.equal((await parent.finish('FINISHED')).delivered, true);
    assert.ok(run.runId);
    assert.ok(parent.runId);
    assert.equal(await assertExactlyMetricsJsonl(run.runId, workDir), 200);
    const r = await getRun(run.runId);
    assert.equal(tagsOf(r)['mlflow.parentRunId'], parent.runId, 'the child waited for its parent and links to it');
    assert.equal(paramsOf(r).seed, '7');
    assert.equal(r.info.status, 'FINISHED');
    assert.equal(proxy.acceptedPoints, 200);
  } finally {
    await proxy.close();
  }
});

test('server killed mid-run and restarted: the run finishes with exactly metrics.jsonl', { skip }, async () => {
  const workDir = join(tmp, 'killed');
  const run = await openRun({ uri: server.url, experimentName: 'faults', runName: 'survivor', workDir, ...fastRetry() });
  const step = { n: 0 };
  const logSome = async (count: number): Promise<void> => {
    for (let i = 0; i < count; i++, step.n++) {
      run.logMetrics(step.n, { loss: 1 / (step.n + 1) });
      if (i % 10 === 0) await new Promise((r) => setTimeout(r, 10));
    }
  };
  await logSome(100);
  await run.flush();
  await server.stop();
  await logSome(100);
  run.setTags({ during: 'outage' });
  await server.launch();
  await logSome(100);
  const report = await run.finish('FINISHED');
  assert.equal(report.delivered, true, report.problems.join('; '));
  assert.equal(await assertExactlyMetricsJsonl(run.runId as string, workDir), 300);
  const r = await getRun(run.runId as string);
  assert.equal(r.info.status, 'FINISHED');
  assert.equal(tagsOf(r).during, 'outage');
  assert.equal(JSON.parse(readFileSync(join(workDir, 'mlflow_run.json'), 'utf8')).runId, run.runId);
});
