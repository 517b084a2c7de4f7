import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolvePoint } from '../../src/train/iter_point.js';
import { constantSchedule, cosineSchedule, multiStepSchedule } from '../../src/train/lr_schedules.js';

test('points: integers are iterations, [0, 1) fractions and "x%" percentages of the run', () => {
  assert.equal(resolvePoint(30000, 180000, 'p'), 30000);
  assert.equal(resolvePoint(1 / 6, 180000, 'p'), 30000);
  assert.equal(resolvePoint('25%', 120, 'p'), 30);
  assert.equal(resolvePoint('100%', 120, 'p'), 120);
  assert.throws(() => resolvePoint(2.5, 100, 'train.steps[0]'), /train.steps\[0\]: 2.5 is neither an integer/);
  assert.throws(() => resolvePoint(200, 100, 'p'), /beyond max_iters 100/);
  assert.throws(() => resolvePoint('1e3', 100, 'p'), /is not an iteration/);
});

test('multistep: the LR drops exactly at each step point, given as iterations or fractions', () => {
  const s = multiStepSchedule([60, '80%'], 0.1, { type: 'none', iters: 0, ratio: 1 })(100);
  const f = (i: number): number => s.factor(i);
  assert.deepEqual([f(0), f(59), f(60), f(79), f(80), f(99)].map((x) => +x.toFixed(12)), [1, 1, 0.1, 0.1, 0.01, 0.01]);
  assert.throws(() => multiStepSchedule([80, 60], 0.1, { type: 'none', iters: 0, ratio: 1 })(100), /must increase/);
});

test('a paper schedule scales by fractions: 120k/160k of 180k at 900 iterations', () => {
  const s = multiStepSchedule([2 / 3, 8 / 9], 0.1, { type: 'linear', iters: 1000 / 180000, ratio: 0.001 })(900);
  assert.equal(s.factor(599), 1);
  assert.ok(Math.abs(s.factor(600) - 0.1) < 1e-12);
  assert.ok(Math.abs(s.factor(800) - 0.01) < 1e-12);
  assert.ok(s.factor(0) < s.factor(4) && s.factor(4) < 1 && s.factor(5) === 1, 'warm-up of 5 iterations');
});

test('warm-up: linear ramps from the ratio, constant holds it, both end at the warm-up length', () => {
  const lin = constantSchedule({ type: 'linear', iters: 10, ratio: 0.1 })(100);
  assert.ok(Math.abs(lin.factor(0) - 0.1) < 1e-12);
  assert.ok(Math.abs(lin.factor(5) - 0.55) < 1e-12);
  assert.equal(lin.factor(10), 1);
  const con = constantSchedule({ type: 'constant', iters: '10%', ratio: 1 / 3 })(100);
  assert.equal(con.factor(9), 1 / 3);
  assert.equal(con.factor(10), 1);
});

test('cosine: 1 at the start, the floor at the end, the midpoint half-way', () => {
  const s = cosineSchedule(0.01, { type: 'none', iters: 0, ratio: 1 })(200);
  assert.equal(s.factor(0), 1);
  assert.ok(Math.abs(s.factor(100) - 0.505) < 1e-12);
  assert.ok(Math.abs(s.factor(200) - 0.01) < 1e-12);
});
