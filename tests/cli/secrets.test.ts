import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { redactSecrets, redactUrl, registerEnvironmentSecrets } from '../../src/config/secrets.js';
import { writeTree } from '../config/files.js';
import { freePort } from '../helpers/mlflow_server.js';
import { ROOT } from '../registry/paths.js';
import { runCli } from './run_cli.js';

const PASSWORD = 'S3cret-pw%40x';

test('URL passwords and registered secrets become ***', () => {
  assert.equal(redactUrl(`redis://:${PASSWORD}@10.0.0.5:6379/2`), 'redis://:***@10.0.0.5:6379/2');
  assert.equal(redactUrl('rediss://worker:pw@host:6380 and http://u:p:q@h/x'), 'rediss://worker:***@host:6380 and http://u:***@h/x');
  assert.equal(redactUrl('redis://host:6379 http://user@h'), 'redis://host:6379 http://user@h', 'URLs without a password are kept');
  registerEnvironmentSecrets({ MLFLOW_TRACKING_TOKEN: 'tok-123456', REDIS_URL: `redis://:${PASSWORD}@h:1` });
  assert.equal(redactSecrets('Bearer tok-123456; auth S3cret-pw@x failed; S3cret-pw%40x'), 'Bearer ***; auth *** failed; ***');
});

test('sweep run --executor bullmq takes REDIS_URL and never prints or records its password', async () => {
  const dir = writeTree({});
  const spec = join(dir, 'spec.yaml');
  writeFileSync(spec, `base: ${join(ROOT, 'tests/sweep/fixtures/tiny_retinanet.yaml')}\ngrid: { optimizer.lr: [0.01] }\nmetric: loss\nmode: min\n`);
  const port = await freePort();
  const url = `redis://:${PASSWORD}@127.0.0.1:${port}`;
  const run = await runCli(['sweep', 'run', spec, '--executor', 'bullmq', '--sweep-dir', join(dir, 'sweep')], { REDIS_URL: url, MLFLOW_TRACKING_URI: join(dir, 'mlruns') });
  assert.equal(run.code, 1);
  assert.ok(run.stderr.includes(`--redis redis://:***@127.0.0.1:${port}: no answer within 15 s`), run.stderr);
  const files = readdirSync(join(dir, 'sweep'), { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
  assert.ok(files.some((f) => f.endsWith('sweep.json')), 'the sweep wrote its state');
  for (const [what, text] of [['stdout', run.stdout], ['stderr', run.stderr], ...files.map((f) => [f, readFileSync(f, 'utf8')])]) {
    assert.ok(!text.includes('S3cret'), `${what} holds the password:\n${text}`);
  }
});

test('detlab worker without --redis or REDIS_URL says how to pass the URL off the command line', async () => {
  const run = await runCli(['worker'], { REDIS_URL: '' });
  assert.equal(run.code, 1);
  assert.match(run.stderr, /^worker: the queue's URL is required: set REDIS_URL \(kept off the command line\) or pass --redis URL/);
});

test('config show prints a tracking URI\'s password as ***', async () => {
  const dir = writeTree({ 'c.yaml': `tracking: { uri: 'https://alice:${PASSWORD}@mlflow.example:5000' }\n` });
  const shown = await runCli(['config', 'show', join(dir, 'c.yaml')]);
  assert.equal(shown.code, 0, shown.stderr);
  assert.match(shown.stdout, /uri: "https:\/\/alice:\*\*\*@mlflow\.example:5000"/);
  assert.ok(!shown.stdout.includes("S3cret"));
});
