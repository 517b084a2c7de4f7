/**
 * A distributed sweep that cannot start: Redis does not answer. The sweep
 * fails with one line naming the server, queues nothing, and its MLflow parent
 * run ends FAILED (KILLED when the user stops the sweep while it waits)
 * instead of staying RUNNING for ever.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { UserError } from '../../src/cli/command.js';
import { BullmqExecutor } from '../../src/sweep/bullmq/executor.js';
import { runSweep } from '../../src/sweep/run.js';
import { readState } from '../../src/sweep/state.js';
import { FileStore } from '../../src/track/file_store.js';
import { freePort } from '../helpers/mlflow_server.js';
import { ROOT } from '../helpers/processes.js';

const SPEC = join(ROOT, 'tests/sweep_bullmq/fixtures/six_trials.yaml');

describe('sweep run --executor bullmq with Redis unreachable', () => {
  let dir: string;
  let url: string;
  const savedUri = process.env.MLFLOW_TRACKING_URI;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'detlab-bullmq-down-'));
    // A port nothing listens on: connections are refused at once.
    url = `redis://127.0.0.1:${await freePort()}`;
    process.env.MLFLOW_TRACKING_URI = join(dir, 'mlruns');
  });

  after(() => {
    if (savedUri === undefined) delete process.env.MLFLOW_TRACKING_URI;
    else process.env.MLFLOW_TRACKING_URI = savedUri;
    rmSync(dir, { recursive: true, force: true });
  });

  const sweep = (name: string, connectTimeoutMs: number, signal?: AbortSignal): ReturnType<typeof runSweep> =>
    runSweep({
      specFile: SPEC,
      sweepDir: join(dir, name),
      signal,
      print: () => undefined,
      executor: () => new BullmqExecutor({ redis: url, retry: { attempts: 1, backoff: 'fixed', delay: 0 }, connectTimeoutMs, log: () => undefined }),
    });

  async function parentRun(name: string): Promise<Awaited<ReturnType<FileStore['getRun']>>> {
    const state = readState(join(dir, name));
    assert.deepEqual(state.trials.map((t) => t.status), state.trials.map(() => 'pending'), 'no trial was started');
    assert.ok(state.parentRunId !== undefined);
    return new FileStore(join(dir, 'mlruns')).getRun(state.parentRunId);
  }

  it('fails with one line naming the Redis URL, and the parent run ends FAILED', async () => {
    const expected = `--redis ${url}: no answer within 1.5 s (connect ECONNREFUSED ${url.slice('redis://'.length)}); is the server running and reachable?`;
    await assert.rejects(sweep('down', 1500), (err: Error) => {
      assert.ok(err instanceof UserError, `${err.name}: ${err.message}`);
      assert.equal(err.message, expected);
      return true;
    });
    const parent = await parentRun('down');
    assert.equal(parent.status, 'FAILED');
    assert.ok(parent.endTime !== undefined && parent.endTime >= parent.startTime);
    assert.equal(parent.tags['detlab.sweep_error'], expected);
  });

  for (const [when, name, ms] of [['while waiting for Redis', 'stopped', 500], ['while the sweep is planned', 'stopped-early', 0]] as const) {
    it(`stopped ${when}: nothing is queued and the parent run ends KILLED`, async () => {
      const controller = new AbortController();
      if (ms === 0) controller.abort();
      else setTimeout(() => controller.abort(), ms);
      const report = await sweep(name, 120_000, controller.signal);
      assert.equal(report.outcome, 'interrupted');
      const parent = await parentRun(name);
      assert.equal(parent.status, 'KILLED');
      assert.ok(parent.endTime !== undefined);
    });
  }
});
