import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TrackingUriError, resolveTrackingUri } from '../../src/track/uri.js';

const cwd = '/work/proj';

test('unset URI means ./mlruns under the working directory', () => {
  assert.deepEqual(resolveTrackingUri(undefined, {}, cwd), { kind: 'file', root: '/work/proj/mlruns', uri: '/work/proj/mlruns' });
});

test('MLFLOW_TRACKING_URI wins over the config', () => {
  const t = resolveTrackingUri('./local', { MLFLOW_TRACKING_URI: 'http://mlflow.example:5000/' }, cwd);
  assert.deepEqual(t, { kind: 'rest', baseUrl: 'http://mlflow.example:5000', uri: 'http://mlflow.example:5000/' });
});

test('http(s) URIs keep their path prefix', () => {
  const t = resolveTrackingUri('https://host/team/mlflow/', {}, cwd);
  assert.equal(t.kind, 'rest');
  assert.equal(t.kind === 'rest' && t.baseUrl, 'https://host/team/mlflow');
});

test('file: URIs and plain paths are file stores', () => {
  assert.equal(resolveTrackingUri('file:///data/mlruns', {}, cwd).kind, 'file');
  assert.equal((resolveTrackingUri('file:///data/my%20runs', {}, cwd) as { root: string }).root, '/data/my runs');
  assert.equal((resolveTrackingUri('file:rel/runs', {}, cwd) as { root: string }).root, '/work/proj/rel/runs');
  assert.equal((resolveTrackingUri('runs/x', {}, cwd) as { root: string }).root, '/work/proj/runs/x');
  assert.equal((resolveTrackingUri('/abs/runs', {}, cwd) as { root: string }).root, '/abs/runs');
});

test('database URIs are refused with a pointer to mlflow server', () => {
  for (const uri of ['sqlite:///mlflow.db', 'postgresql://u@h/db', 'postgresql+psycopg2://u@h/db', 'mysql://h/db']) {
    assert.throws(() => resolveTrackingUri(uri, {}, cwd), (err: Error) => {
      assert.ok(err instanceof TrackingUriError);
      assert.match(err.message, /mlflow server --backend-store-uri/);
      assert.match(err.message, /tracking\.uri/);
      return true;
    });
  }
  assert.throws(() => resolveTrackingUri(undefined, { MLFLOW_TRACKING_URI: 'sqlite:///x.db' }, cwd), /MLFLOW_TRACKING_URI/);
});

test('unknown schemes are errors, not folder names', () => {
  assert.throws(() => resolveTrackingUri('s3://bucket/runs', {}, cwd), /unsupported tracking URI scheme "s3:"/);
  assert.throws(() => resolveTrackingUri('databricks', {}, cwd), /Databricks/);
});
