import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { MLflowTracker } from '../../registry/trackers/mlflow_tracker.js';
import type { BuildContext } from '../../src/registry/component.js';
import { FileStore } from '../../src/track/file_store.js';

const run = promisify(execFile);
const cli = join(dirname(fileURLToPath(import.meta.url)), '../../src/cli/main.js');
const tmp = mkdtempSync(join(tmpdir(), 'detlab-mlcli-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

const ctx: BuildContext = { path: 'tracker', build: () => { throw new Error('no nested components'); }, extras: {} };
const defaults = { uri: '', flush_interval_ms: 60_000, retry_interval_ms: 15_000, finish_timeout_ms: 60_000, tags: {} };

test('MLflowTracker builds a tracker whose runs get the configured URI and tags; `detlab mlflow sync` finds runs under a sweep folder', async () => {
  const root = join(tmp, 'mlruns');
  const tracker = MLflowTracker.build({ ...defaults, uri: root, tags: { team: 'det' } }, ctx);
  const ids: string[] = [];
  for (const t of ['a', 'b']) {
    const r = await tracker.openRun({ experimentName: 'cli', runName: t, workDir: join(tmp, 'sweep', t), tags: { trial: t }, log: () => {}, handleSignals: false });
    for (let s = 0; s < 10; s++) r.logMetrics(s, { loss: s });
    ids.push(r.runId as string);
    // Left unfinished and unflushed (flush period of a minute): only metrics.jsonl has the points.
  }
  const store = new FileStore(root);
  for (const id of ids) {
    const info = await store.getRun(id);
    assert.equal(info.tags.team, 'det');
    assert.equal((await store.getMetricHistory(id, 'loss')).length, 0);
  }
  const { stdout } = await run(process.execPath, [cli, 'mlflow', 'sync', join(tmp, 'sweep')]);
  assert.equal(stdout.match(/10 metric points sent \(0 already there\)/g)?.length, 2, stdout);
  for (const id of ids) assert.equal((await store.getMetricHistory(id, 'loss')).length, 10);
  const second = await run(process.execPath, [cli, 'mlflow', 'sync', join(tmp, 'sweep')]);
  assert.equal(second.stdout.match(/0 metric points sent \(10 already there\)/g)?.length, 2, second.stdout);
});

test('`detlab mlflow sync` on a folder without runs is a one-line user error', async () => {
  await assert.rejects(run(process.execPath, [cli, 'mlflow', 'sync', tmp + '/nothing']), (err: { code?: number; stderr?: string }) => {
    assert.equal(err.code, 1);
    assert.match(err.stderr ?? '', /nothing: no such directory/);
    assert.doesNotMatch(err.stderr ?? '', /at .*\.js:\d+/);
    return true;
  });
});
