import assert from 'node:assert/strict';
import { test } from 'node:test';
import { linearSumAssignment } from '../../src/detection/hungarian.js';

function total(cost: number[], cols: number, a: { rows: Int32Array; cols: Int32Array }): number {
  let s = 0;
  for (let k = 0; k < a.rows.length; k++) s += cost[a.rows[k] * cols + a.cols[k]];
  return s;
}

/** Minimum over every injective map of the smaller side into the larger. */
function bruteForce(cost: number[], r: number, c: number): number {
  const at = r <= c ? (i: number, j: number) => cost[i * c + j] : (i: number, j: number) => cost[j * c + i];
  const n = Math.min(r, c);
  const m = Math.max(r, c);
  let best = Infinity;
  const taken = new Array<boolean>(m).fill(false);
  const go = (i: number, acc: number): void => {
    if (i === n) {
      best = Math.min(best, acc);
      return;
    }
    for (let j = 0; j < m; j++) {
      if (taken[j]) continue;
      taken[j] = true;
      go(i + 1, acc + at(i, j));
      taken[j] = false;
    }
  };
  go(0, 0);
  return best;
}

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

test('crafted square matrix: greedy row by row is wrong, the anti-diagonal is the unique optimum', () => {
  // cost[i][j] = (i + 1)(j + 1): the rearrangement inequality pairs large with small (3 + 4 + 3 = 10).
  const cost = [1, 2, 3, 2, 4, 6, 3, 6, 9];
  const a = linearSumAssignment(cost, 3, 3);
  assert.deepEqual([...a.rows], [0, 1, 2]);
  assert.deepEqual([...a.cols], [2, 1, 0]);
  assert.equal(total(cost, 3, a), 10);
});

test('crafted rectangular matrices: more columns leaves columns free, more rows leaves rows free', () => {
  // 2 x 4: row 0 wants column 3, row 1 too but pays less elsewhere.
  const wide = [9, 9, 5, 0, 9, 1, 9, 0.5];
  const a = linearSumAssignment(wide, 2, 4);
  assert.deepEqual([...a.rows], [0, 1]);
  assert.deepEqual([...a.cols], [3, 1]);
  // Its transpose, 4 x 2: rows 1 and 3 are matched, rows listed ascending.
  const tall = [9, 9, 9, 1, 5, 9, 0, 0.5];
  const b = linearSumAssignment(tall, 4, 2);
  assert.deepEqual([...b.rows], [1, 3]);
  assert.deepEqual([...b.cols], [1, 0]);
});

test('negative costs, ties and degenerate shapes', () => {
  const a = linearSumAssignment([-5, -5, -5, -5], 2, 2);
  assert.equal(total([-5, -5, -5, -5], 2, a), -10);
  assert.equal(new Set(a.cols).size, 2);
  assert.deepEqual(linearSumAssignment([], 0, 3).rows.length, 0);
  assert.deepEqual(linearSumAssignment([], 4, 0).cols.length, 0);
  const one = linearSumAssignment([7], 1, 1);
  assert.deepEqual([[...one.rows], [...one.cols]], [[0], [0]]);
});

test('bad input is a clear error', () => {
  assert.throws(() => linearSumAssignment([1, 2, 3], 2, 2), /3 costs for a \[2, 2\] matrix/);
  assert.throws(() => linearSumAssignment([1, NaN, 3, 4], 2, 2), /cost\[0\]\[1\] is NaN/);
  assert.throws(() => linearSumAssignment([1, Infinity], 1, 2), /cost\[0\]\[1\] is Infinity/);
});

test('random matrices up to 6 x 6 match brute force (a valid matching of minimal cost)', () => {
  const rand = rng(7);
  for (let trial = 0; trial < 300; trial++) {
    const r = 1 + Math.floor(rand() * 6);
    const c = 1 + Math.floor(rand() * 6);
    // Integers half the time, so that ties occur.
    const ints = trial % 2 === 0;
    const cost = Array.from({ length: r * c }, () => (ints ? Math.floor(rand() * 5) : rand() * 10 - 3));
    const a = linearSumAssignment(cost, r, c);
    assert.equal(a.rows.length, Math.min(r, c));
    assert.equal(new Set(a.rows).size, a.rows.length);
    assert.equal(new Set(a.cols).size, a.cols.length);
    assert.ok([...a.rows].every((x, k) => x < r && (k === 0 || x > a.rows[k - 1])));
    assert.ok([...a.cols].every((x) => x < c));
    assert.ok(Math.abs(total(cost, c, a) - bruteForce(cost, r, c)) < 1e-9, `trial ${trial} (${r} x ${c})`);
  }
});
