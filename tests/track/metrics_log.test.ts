/** metrics.jsonl as the store's ground truth: what a crash leaves is read back, what is broken is named by line. */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { appendMetricsLine, cutTornTail, decodeMetricValue, encodeMetricValue, pointIdentity, readMetricsLog } from '../../src/track/metrics_log.js';

const tmp = mkdtempSync(join(tmpdir(), 'detlab-mlog-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

test('lines read back as one point per metric, in file order; non-finite values round-trip', () => {
  const file = join(tmp, 'round.jsonl');
  appendMetricsLine(file, 1, 1001, { loss: 0.5, lr: 0.01 });
  appendMetricsLine(file, 2, 1002, { loss: NaN, up: Infinity, down: -Infinity });
  assert.equal(readFileSync(file, 'utf8'), '{"step":1,"ts":1001,"metrics":{"loss":0.5,"lr":0.01}}\n{"step":2,"ts":1002,"metrics":{"loss":"NaN","up":"Infinity","down":"-Infinity"}}\n');
  assert.deepEqual(readMetricsLog(file), [
    { key: 'loss', value: 0.5, timestamp: 1001, step: 1 },
    { key: 'lr', value: 0.01, timestamp: 1001, step: 1 },
    { key: 'loss', value: NaN, timestamp: 1002, step: 2 },
    { key: 'up', value: Infinity, timestamp: 1002, step: 2 },
    { key: 'down', value: -Infinity, timestamp: 1002, step: 2 },
  ]);
  assert.deepEqual(readMetricsLog(join(tmp, 'absent.jsonl')), []);
  for (const v of [0, -2.5, NaN, Infinity, -Infinity]) assert.deepEqual(decodeMetricValue(encodeMetricValue(v)), v);
  assert.throws(() => decodeMetricValue('nan'), /not a metric value: "nan"/);
});

test('a torn last line is skipped on read and cut before the next append; blank lines are skipped', () => {
  const file = join(tmp, 'torn.jsonl');
  writeFileSync(file, '{"step":1,"ts":1,"metrics":{"a":1}}\n  \n{"step":2,"ts":2,"metrics":{"a":2}}\n{"step":3,"ts":3,"met');
  assert.deepEqual(readMetricsLog(file).map((p) => p.step), [1, 2], 'a line of spaces counts as blank');
  cutTornTail(file);
  assert.equal(readFileSync(file, 'utf8'), '{"step":1,"ts":1,"metrics":{"a":1}}\n  \n{"step":2,"ts":2,"metrics":{"a":2}}\n');
  cutTornTail(file);
  appendMetricsLine(file, 3, 3, { a: 3 });
  assert.deepEqual(readMetricsLog(file).map((p) => p.value), [1, 2, 3]);
  cutTornTail(join(tmp, 'absent.jsonl'));
  const empty = join(tmp, 'empty.jsonl');
  writeFileSync(empty, '');
  cutTornTail(empty);
  assert.equal(readFileSync(empty, 'utf8'), '');
});

test('a broken line before the last is an error naming file and line', () => {
  const cases: [string, RegExp][] = [
    ['{"step":1,"ts":1,"metrics":{"a":1}}\n{"step":2,"ts"\n{"step":3,"ts":3,"metrics":{}}\n', /broken\.jsonl:2: not a JSON line$/],
    ['{"step":1.5,"ts":1,"metrics":{"a":1}}\n', /broken\.jsonl:1: expected \{"step":int,"ts":int,"metrics":\{\.\.\.\}\}$/],
    ['{"step":1,"ts":"now","metrics":{"a":1}}\n', /broken\.jsonl:1: expected/],
    ['{"step":1,"ts":1,"metrics":null}\n', /broken\.jsonl:1: expected/],
    ['{"step":1,"ts":1}\n', /broken\.jsonl:1: expected/],
    ['{"step":1,"ts":1,"metrics":{"a":1}}\n{"step":2,"ts":2,"metrics":{"a":"high"}}\n', /broken\.jsonl:2: metric "a": not a metric value: "high"$/],
  ];
  const file = join(tmp, 'broken.jsonl');
  for (const [text, error] of cases) {
    writeFileSync(file, text);
    assert.throws(() => readMetricsLog(file), error);
  }
});

test('point identity: step, timestamp and value; NaN and values a SQL store clamps compare equal to what it returns', () => {
  const p = { key: 'loss', value: 0.25, timestamp: 1000, step: 4 };
  assert.equal(pointIdentity(p), '4 1000 0.25');
  assert.notEqual(pointIdentity({ ...p, timestamp: 1001 }), pointIdentity(p));
  assert.notEqual(pointIdentity({ ...p, step: 5 }), pointIdentity(p));
  assert.equal(pointIdentity({ ...p, value: Infinity }), pointIdentity({ ...p, value: Number.MAX_VALUE }));
  assert.equal(pointIdentity({ ...p, value: -Infinity }), pointIdentity({ ...p, value: -Number.MAX_VALUE }));
  assert.equal(pointIdentity({ ...p, value: NaN }), '4 1000 NaN');
  assert.equal(pointIdentity({ ...p, value: 1e308 }), '4 1000 1e+308');
  assert.equal(pointIdentity({ ...p, value: -1e308 }), '4 1000 -1e+308');
});
