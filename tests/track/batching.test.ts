import assert from 'node:assert/strict';
import { test } from 'node:test';
import { chunkBatch } from '../../src/track/batching.js';
import { keyProblem } from '../../src/track/limits.js';
import { flattenConfig } from '../../src/track/params.js';
import type { MetricPoint } from '../../src/track/metrics_log.js';

const metrics = (n: number, key = 'loss'): MetricPoint[] => Array.from({ length: n }, (_, i) => ({ key, value: i / 7, timestamp: 1000 + i, step: i }));

test('log-batch chunks respect MLflow count limits and keep every entity once', () => {
  const params = Object.fromEntries(Array.from({ length: 250 }, (_, i) => [`p${i}`, String(i)]));
  const tags = Object.fromEntries(Array.from({ length: 120 }, (_, i) => [`t${i}`, 'v']));
  const chunks = chunkBatch({ metrics: metrics(2500), params, tags });
  for (const c of chunks) {
    assert.ok(Object.keys(c.params).length <= 100);
    assert.ok(Object.keys(c.tags).length <= 100);
    assert.ok(c.metrics.length <= 1000);
    assert.ok(c.metrics.length + Object.keys(c.params).length + Object.keys(c.tags).length <= 1000);
  }
  assert.equal(chunks.reduce((n, c) => n + c.metrics.length, 0), 2500);
  assert.deepEqual(Object.assign({}, ...chunks.map((c) => c.params)), params);
  assert.deepEqual(Object.assign({}, ...chunks.map((c) => c.tags)), tags);
  assert.deepEqual(chunks.flatMap((c) => c.metrics).map((m) => m.step), metrics(2500).map((m) => m.step));
});

test('log-batch chunks stay under the byte limit', () => {
  const big = 'x'.repeat(5000);
  const params = Object.fromEntries(Array.from({ length: 90 }, (_, i) => [`p${i}`, big]));
  const limits = { metrics: 1000, paramsOrTags: 100, entities: 1000, bytes: 100_000 };
  const chunks = chunkBatch({ metrics: [], params, tags: {} }, limits);
  assert.ok(chunks.length >= 5);
  for (const c of chunks) assert.ok(Buffer.byteLength(JSON.stringify(Object.entries(c.params).map(([key, value]) => ({ key, value })))) <= 100_000);
  assert.equal(chunks.reduce((n, c) => n + Object.keys(c.params).length, 0), 90);
});

test('keys are validated as the MLflow server does', () => {
  for (const ok of ['loss', 'train/loss_cls', 'mlflow.runName', 'eval bbox AP', 'a-b_c.d']) assert.equal(keyProblem(ok), undefined, ok);
  for (const bad of ['', '/x', 'x/', 'a//b', 'a/./b', '../x', 'a:b', 'q?', 'x'.repeat(251)]) assert.notEqual(keyProblem(bad), undefined, bad);
});

test('configs flatten to dotted params; long values are truncated and reported', () => {
  const { params, truncated } = flattenConfig(
    { model: { type: 'retinanet', head: { num_classes: 80, loss: null } }, data: { scales: [800, 1333], empty: [] }, note: 'x'.repeat(20) },
    10,
  );
  assert.deepEqual(params, {
    'model.type': 'retinanet',
    'model.head.num_classes': '80',
    'model.head.loss': 'null',
    'data.scales.0': '800',
    'data.scales.1': '1333',
    'data.empty': '[]',
    note: 'xxxxxxxxxx',
  });
  assert.deepEqual(truncated, ['note']);
  assert.throws(() => flattenConfig({ 'bad:key': 1 }), /config key "bad:key"/);
});
