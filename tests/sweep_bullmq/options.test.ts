/** The BullMQ executor's options: Redis URLs, the spec's retry: section, the CLI switches, sweep dirs on workers. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { UserError } from '../../src/cli/command.js';
import { ConfigError } from '../../src/config/errors.js';
import { queueExecutor } from '../../src/sweep/bullmq/cli_hooks.js';
import { redisConnection } from '../../src/sweep/bullmq/queues.js';
import { retryPolicy } from '../../src/sweep/bullmq/retry.js';
import { localSweepDir } from '../../src/sweep/bullmq/worker.js';
import { loadSpec } from '../../src/sweep/spec.js';
import type { TrialJob } from '../../src/sweep/trial_runner.js';
import { ROOT } from '../helpers/processes.js';

const SPEC = join(ROOT, 'tests/sweep_bullmq/fixtures/six_trials.yaml');
const BASE = join(ROOT, 'tests/sweep/fixtures/tiny_retinanet.yaml');

describe('bullmq executor options', () => {
  const dir = mkdtempSync(join(tmpdir(), 'detlab-bullmq-opts-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const spec = (name: string, text: string): string => {
    const file = join(dir, name);
    writeFileSync(file, `base: ${BASE}\n${text}`);
    return file;
  };

  it('accepts redis:// and rediss:// URLs and names a bad one', () => {
    assert.equal(redisConnection('redis://h:6379/2').url, 'redis://h:6379/2');
    assert.equal(redisConnection('rediss://user:pw@h:6380').maxRetriesPerRequest, null);
    assert.throws(() => redisConnection('http://h:6379'), (e: Error) => e instanceof UserError && /'http:\/\/h:6379' is not a redis:\/\//.test(e.message));
    assert.throws(() => redisConnection('queue-host', '--redis'), (e: Error) => e instanceof UserError && /--redis: 'queue-host' is not a URL/.test(e.message));
  });

  it('takes attempts and backoff from the spec, with defaults when retry: is absent', () => {
    assert.deepEqual(retryPolicy(loadSpec(SPEC).spec), { attempts: 3, backoff: 'fixed', delay: 200 });
    assert.deepEqual(retryPolicy(loadSpec(spec('plain.yaml', 'seeds: [0]\n')).spec), { attempts: 3, backoff: 'exponential', delay: 10_000 });
    assert.deepEqual(retryPolicy(loadSpec(spec('once.yaml', 'retry: { attempts: 1 }\n')).spec), { attempts: 1, backoff: 'exponential', delay: 10_000 });
  });

  it('reports a bad retry: section at its line', () => {
    const file = spec('bad.yaml', 'seeds: [0]\nretry:\n  attempts: 0\n');
    assert.throws(() => loadSpec(file), (e: Error) => e instanceof ConfigError && e.message.includes(`${file}:4`) && /retry\.attempts/.test(e.message));
    const typo = spec('typo.yaml', 'retry: { backof: fixed }\n');
    assert.throws(() => loadSpec(typo), (e: Error) => e instanceof ConfigError && /backof/.test(e.message));
  });

  it('--executor and --redis go together', () => {
    assert.equal(queueExecutor(undefined, undefined, SPEC), undefined);
    assert.equal(queueExecutor('local', undefined, SPEC), undefined);
    assert.equal(queueExecutor('bullmq', 'redis://127.0.0.1:6379', SPEC)?.name, 'bullmq');
    assert.throws(() => queueExecutor('bullmq', undefined, SPEC), /needs the Redis server the workers listen to: set REDIS_URL=redis:\/\/HOST:PORT \(kept off the command line\) or pass --redis/);
    assert.throws(() => queueExecutor(undefined, 'redis://h:1', SPEC), /--redis goes with --executor bullmq/);
    assert.throws(() => queueExecutor('celery', 'redis://h:1', SPEC), /expected one of local, bullmq, got 'celery'/);
  });

  it('puts a sweep under --work-dir-root by sweep name and directory name', () => {
    const job = { sweepDir: '/home/ana/sweeps/lgd/20260101-120000', sweepName: 'lgd' } as TrialJob;
    assert.equal(localSweepDir(job, undefined), '/home/ana/sweeps/lgd/20260101-120000');
    assert.equal(localSweepDir(job, '/scratch/sweeps'), '/scratch/sweeps/lgd/20260101-120000');
  });
});
