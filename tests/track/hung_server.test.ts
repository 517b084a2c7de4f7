import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UserError } from '../../src/cli/command.js';
import { readMetricsLog } from '../../src/track/metrics_log.js';
import { openRun, TRAINING_CONNECT_WAIT_MS } from '../../src/track/tracker.js';
import { writeTree } from '../config/files.js';
import { killAll, readLog, ROOT, startDetlab, waitFor } from '../helpers/processes.js';
import { TINY_CONFIG } from '../sweep/paths.js';

/** A TCP server that accepts connections and never answers: the worst tracking server. */
async function hungServer(): Promise<{ url: string; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((s) => void sockets.add(s));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise((r) => server.close(() => r()));
    },
  };
}

test('a server that accepts and never answers: opening a training run returns in about a second, finish gives up after 10 s and the process exits', async () => {
  const server = await hungServer();
  const dir = mkdtempSync(join(tmpdir(), 'detlab-hung-'));
  const lines: string[] = [];
  try {
    const t0 = performance.now();
    const run = await openRun({ uri: server.url, experimentName: 'hung', runName: 'r', workDir: dir, handleSignals: false, connectWaitMs: TRAINING_CONNECT_WAIT_MS, log: (l) => lines.push(l), env: {} });
    const openMs = performance.now() - t0;
    assert.ok(openMs < 3000, `openRun took ${openMs.toFixed(0)} ms (it used to wait for 4 timeouts of 30 s)`);
    assert.equal(run.runId, undefined, 'the run is created in the background');
    for (let step = 1; step <= 5; step++) run.logMetrics(step, { loss: 1 / step });
    const t1 = performance.now();
    const report = await run.finish('FINISHED');
    const finishMs = performance.now() - t1;
    assert.ok(finishMs >= 9_500 && finishMs < 15_000, `finish took ${finishMs.toFixed(0)} ms`);
    assert.equal(report.delivered, false);
    assert.deepEqual(report.problems, ['delivery took longer than 10000 ms']);
    assert.match(lines.at(-1)!, new RegExp(`run \`detlab mlflow sync ${dir}\` to send the rest`));
    assert.deepEqual(readMetricsLog(join(dir, 'metrics.jsonl')).map((p) => p.step), [1, 2, 3, 4, 5], 'everything is kept in the work dir');

    // The same in a process of its own: nothing waiting for the server keeps it alive after finish.
    const tracker = join(import.meta.dirname, '../../src/track/tracker.js');
    const child = `const { openRun } = await import(${JSON.stringify(tracker)});
      const run = await openRun({ uri: ${JSON.stringify(server.url)}, experimentName: 'hung', runName: 'c', workDir: ${JSON.stringify(join(dir, 'child'))}, handleSignals: false, connectWaitMs: 1000, log: () => {}, env: {} });
      run.logMetrics(1, { loss: 1 });
      await run.finish('FINISHED');`;
    const t2 = performance.now();
    const exit = spawnSync(process.execPath, ['--input-type=module', '-e', child], { encoding: 'utf8' });
    const childMs = performance.now() - t2;
    assert.equal(exit.status, 0, exit.stderr);
    assert.ok(childMs < 15_000, `the process exited ${childMs.toFixed(0)} ms after it started`);
  } finally {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a port Node\'s fetch refuses is a user error with a hint, not a server that is down', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'detlab-badport-'));
  try {
    await assert.rejects(
      openRun({ uri: 'http://127.0.0.1:5060', experimentName: 'x', runName: 'r', workDir: dir, handleSignals: false, log: () => undefined, env: {} }),
      (err: Error) => {
        assert.ok(err instanceof UserError);
        assert.match(err.message, /Node's fetch refuses port 5060 \(a "bad port" of the Fetch standard, reserved for other protocols\); run the MLflow server on another port, e\.g\. 5000/);
        return true;
      },
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

after(killAll);

test('a sweep on the local executor starts its first trial within seconds when the tracking server never answers', async () => {
  const server = await hungServer();
  try {
    const dir = writeTree({ 'spec.yaml': `base: ${TINY_CONFIG}\nset: { train.max_iters: 2 }\nseeds: [0]\nmetric: loss\nmode: min\n` });
    const log = join(dir, 'sweep.log');
    const t0 = performance.now();
    startDetlab(['sweep', 'run', join(dir, 'spec.yaml'), '--sweep-dir', join(dir, 'sweep')], { cwd: ROOT, env: { MLFLOW_TRACKING_URI: server.url }, log });
    await waitFor('the first trial to start', 25_000, () => /^start {3}[0-9a-f]{12}/m.test(readLog(log)));
    const startMs = performance.now() - t0;
    // Before, the parent run waited for the server (4 timeouts of 30 s at most) before any trial started.
    assert.ok(startMs < 25_000, `the first trial started ${startMs.toFixed(0)} ms after the sweep`);
    await killAll();
  } finally {
    await server.close();
  }
});
