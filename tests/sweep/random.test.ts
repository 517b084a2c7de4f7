import assert from 'node:assert/strict';
import { test } from 'node:test';
import { randomPoints } from '../../src/sweep/expand.js';
import type { Distribution } from '../../src/sweep/spec.js';

const draws = (params: Record<string, Distribution>, trials = 400, seed = 7) => randomPoints({ trials, seed, params });

test('randint [a, b] draws every integer from a to b − 1 and never b', () => {
  const values = draws({ k: { randint: [2, 5] } }).map((p) => p.k as number);
  assert.deepEqual([...new Set(values)].sort(), [2, 3, 4]);
  const one = draws({ k: { randint: [-3, -2] } }).map((p) => p.k);
  assert.deepEqual(new Set(one), new Set([-3]));
});

test('uniform [a, b] and loguniform [a, b] stay inside the range and spread over it', () => {
  const points = draws({ lr: { loguniform: [1e-4, 1e-1] }, momentum: { uniform: [0.8, 0.99] } });
  const lr = points.map((p) => p.lr as number);
  const momentum = points.map((p) => p.momentum as number);
  assert.ok(lr.every((v) => v >= 1e-4 && v < 1e-1));
  assert.ok(momentum.every((v) => v >= 0.8 && v < 0.99));
  // Each decade of the log range and each half of the linear range gets about its share (400 draws).
  for (const [lo, hi] of [[1e-4, 1e-3], [1e-3, 1e-2], [1e-2, 1e-1]]) {
    const share = lr.filter((v) => v >= lo && v < hi).length / lr.length;
    assert.ok(share > 0.25 && share < 0.42, `loguniform share of [${lo}, ${hi}): ${share}`);
  }
  const low = momentum.filter((v) => v < 0.895).length / momentum.length;
  assert.ok(low > 0.42 && low < 0.58, `uniform share of the lower half: ${low}`);
});

test('choice draws each option, and the same seed draws the same trials (another seed others)', () => {
  const params: Record<string, Distribution> = { head: { choice: ['RetinaHead', 'FCOSHead', 'ATSSHead'] }, lr: { uniform: [0.001, 0.02] }, depth: { randint: [1, 100] } };
  const a = draws(params, 30, 11);
  assert.deepEqual(new Set(a.map((p) => p.head)), new Set(['RetinaHead', 'FCOSHead', 'ATSSHead']));
  assert.deepEqual(draws(params, 30, 11), a);
  const b = draws(params, 30, 12);
  assert.notDeepEqual(b, a);
  assert.equal(new Set([...a, ...b].map((p) => p.lr)).size, 60);
  assert.equal(a.length, 30);
  assert.deepEqual(Object.keys(a[0]).sort(), ['depth', 'head', 'lr']);
});

test('no random section is one empty point, so grid and zip are not multiplied away', () => {
  assert.deepEqual(randomPoints(undefined), [{}]);
});
