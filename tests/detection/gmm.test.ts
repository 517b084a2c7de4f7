import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fitGmm2 } from '../../src/detection/assigners/gmm1d.js';
import { paaReassign, type PaaCandidate } from '../../src/detection/assigners/paa_reassign.js';

function close(actual: ArrayLike<number>, expected: number[], tol: number): void {
  assert.equal(actual.length, expected.length);
  for (let i = 0; i < expected.length; i++) assert.ok(Math.abs(actual[i] - expected[i]) <= tol, `[${i}] ${actual[i]} vs ${expected[i]}`);
}

// Reference values from scikit-learn 1.9.1: GaussianMixture(2, weights_init=[.5, .5],
// means_init=[[min], [max]], precisions_init=[[1], [1]], covariance_type='diag'), as PAA calls it.
test('two-component GMM matches scikit-learn on a spread sample', () => {
  const fit = fitGmm2([0.2, 0.25, 0.3, 0.9, 1.1, 1.3, 2.5, 2.7]);
  close(fit.means, [0.6750766752931934, 2.6000094084551777], 1e-6);
  close(fit.variances, [0.1949265631328055, 0.01000099991149103], 1e-6);
  close(fit.weights, [0.7500310964547795, 0.2499689035452206], 1e-6);
  assert.deepEqual([...fit.assignment], [0, 0, 0, 0, 0, 0, 1, 1]);
  close(fit.scores, [-0.967943, -0.852496, -0.749873, -0.518781, -0.852161, -1.390747, -0.502648, -0.502648], 1e-5);
  assert.equal(fit.iterations, 9);
});

test('two-component GMM matches scikit-learn when one component collapses to reg_covar', () => {
  const fit = fitGmm2([0.5, 0.51, 0.52, 0.53, 3.0]);
  close(fit.means, [0.515, 3.0], 1e-9);
  close(fit.variances, [0.000126, 1.0000000195399252e-6], 1e-9);
  assert.deepEqual([...fit.assignment], [0, 0, 0, 0, 1]);
  close(fit.scores, [2.454675, 3.248326, 3.248326, 2.454675, 4.379379], 1e-5);
  assert.equal(fit.iterations, 5);
  assert.throws(() => fitGmm2([1]), /at least 2 samples/);
});

test('PAA reassignment keeps the low-cost component per gt, top-k per level, and drops gts with one candidate', () => {
  const cands: PaaCandidate[] = [
    // gt 0: costs as the first GMM case, all on level 0 except two on level 1.
    ...[0.2, 0.25, 0.3, 0.9, 1.1, 1.3].map((cost, i) => ({ prior: i, gt: 0, level: 0, cost })),
    { prior: 10, gt: 0, level: 1, cost: 2.5 },
    { prior: 11, gt: 0, level: 1, cost: 2.7 },
    // gt 1 has a single candidate: mmdet skips the GMM and the candidate is dropped.
    { prior: 20, gt: 1, level: 0, cost: 0.1 },
  ];
  // component 0 holds the six level-0 costs; the likeliest of them is cost 0.9 (score −0.5188), so 0.2..0.9 stay.
  assert.deepEqual([...paaReassign(cands, 9)].sort((a, b) => a - b), [0, 1, 2, 3]);
  // top-2 per level keeps costs 0.2, 0.25 (level 0) and 2.5, 2.7 (level 1).
  const two = paaReassign(cands, 2);
  assert.ok(two.has(0) && !two.has(2) && !two.has(20));
});

test('PAA reassignment: the top-k of each level by cost whatever the input order, a gt with two candidates is split, equal costs go by prior index', () => {
  const cands: PaaCandidate[] = [
    // gt 0: level 0 costlier than level 1, neither given in cost order.
    { prior: 0, gt: 0, level: 0, cost: 1.3 }, { prior: 1, gt: 0, level: 0, cost: 0.9 }, { prior: 2, gt: 0, level: 0, cost: 1.2 },
    { prior: 10, gt: 0, level: 1, cost: 0.3 }, { prior: 11, gt: 0, level: 1, cost: 0.25 }, { prior: 12, gt: 0, level: 1, cost: 0.2 },
    // gt 1: two candidates are enough for the mixture, which keeps the cheaper.
    { prior: 20, gt: 1, level: 0, cost: 0.5 }, { prior: 21, gt: 1, level: 0, cost: 0.1 },
  ];
  // top-2: level 0 keeps costs 0.9 and 1.2, level 1 keeps 0.2 and 0.25; the low component is {0.2, 0.25}.
  assert.deepEqual([...paaReassign(cands, 2)].sort((a, b) => a - b), [11, 12, 21]);
  assert.deepEqual([...paaReassign(cands, 9)].sort((a, b) => a - b), [10, 11, 12, 21]);
  // Three candidates of equal cost on a level cut to two: the lowest prior indices, 3 and 5. Their mixture scores
  // are equal too, and the first of the likeliest ends the positives (mmdet's topk(1) on a tie), so only 3 stays.
  const tied: PaaCandidate[] = [
    { prior: 5, gt: 0, level: 0, cost: 0.2 }, { prior: 3, gt: 0, level: 0, cost: 0.2 }, { prior: 9, gt: 0, level: 0, cost: 0.2 },
    { prior: 12, gt: 0, level: 1, cost: 1.1 }, { prior: 11, gt: 0, level: 1, cost: 1.0 },
  ];
  assert.deepEqual([...paaReassign(tied, 2)], [3]);
});
