/**
 * The report's statistics against values computed with SciPy 1.17
 * (scipy.stats.t.ppf / .cdf / .sf, scipy.special.betainc, scipy.stats.ttest_1samp).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { incompleteBeta, logGamma, std, studentTCdf, studentTQuantile, tTest, twoSidedP } from '../../src/sweep/stats.js';

function close(actual: number, expected: number, rel = 1e-10, what = ''): void {
  assert.ok(Math.abs(actual - expected) <= rel * Math.max(1, Math.abs(expected)), `${what} ${actual} ≠ ${expected}`);
}

test('paired t-test of d = [1, 2, 3, 4, 5]: mean 3, sd 1.5811, se 0.7071, t 4.2426 on 4 df, 95 % CI [1.0368, 4.9632], p 0.013236', () => {
  const r = tTest([1, 2, 3, 4, 5])!;
  assert.equal(r.n, 5);
  assert.equal(r.df, 4);
  close(r.mean, 3, 1e-15, 'mean');
  close(r.sd, 1.5811388300841898, 1e-14, 'sd');
  close(r.se, 0.7071067811865476, 1e-14, 'se');
  close(r.t, 4.242640687119285, 1e-14, 't');
  close(r.low, 1.0367568385224428, 1e-12, 'CI low');
  close(r.high, 4.963243161477557, 1e-12, 'CI high');
  close(r.p, 0.01323559956368269, 1e-12, 'p');
});

test('Student t quantiles for df = 1, 2, 10, 30 at 0.9, 0.975, 0.995 and 0.999999, and their negatives below 0.5', () => {
  const expected: Record<number, [number, number, number, number]> = {
    1: [3.0776835371752544, 12.706204736174694, 63.656741162871526, 318309.88617359026],
    2: [1.8856180831641272, 4.302652729749462, 9.924843200918287, 707.1057205157672],
    10: [1.372183641110336, 2.228138851986274, 3.16927267261695, 9.751995490909856],
    30: [1.3104150253913955, 2.0422724563012378, 2.7499956535672254, 5.871117120408624],
  };
  for (const [df, qs] of Object.entries(expected)) {
    [0.9, 0.975, 0.995, 0.999999].forEach((p, i) => close(studentTQuantile(p, Number(df)), qs[i], 1e-9, `t_{${p}, ${df}}`));
  }
  close(studentTQuantile(0.025, 10), -2.2281388519862753, 1e-9, 't_{0.025, 10}');
  assert.equal(studentTQuantile(0.5, 7), 0);
  assert.throws(() => studentTQuantile(1, 3), RangeError);
});

test('Student t CDF and two-sided p-values, from near 1 to 1e-6', () => {
  close(twoSidedP(0.01, 10), 0.9922179749909714, 1e-12, 'p(t=0.01, df 10)');
  close(studentTCdf(0.01, 10), 0.5038910125045143, 1e-12, 'cdf(0.01, 10)');
  close(studentTCdf(-2.5, 3), 0.04385332350403278, 1e-12, 'cdf(−2.5, 3)');
  close(studentTCdf(40, 1), 0.9920439100879742, 1e-12, 'cdf(40, 1)');
  close(twoSidedP(30, 5), 7.718648620496053e-7, 1e-9, 'p(t=30, df 5)');
  assert.equal(twoSidedP(0, 4), 1);
  assert.equal(twoSidedP(Infinity, 4), 0);
  // A paired test whose mean difference is tiny against its spread: p near 1.
  close(tTest([0.1, -0.2, 0.15, -0.05, 0.01])!.p, 0.9755235891687922, 1e-12, 'p near 1');
});

test('incomplete beta and log gamma against SciPy and closed forms', () => {
  close(incompleteBeta(2, 3, 0.4), 0.5248, 1e-13, 'I_0.4(2, 3)');
  close(incompleteBeta(0.5, 0.5, 0.9), 0.7951672353008665, 1e-13, 'I_0.9(0.5, 0.5)');
  close(incompleteBeta(15, 0.5, 0.99), 0.5860649647763355, 1e-12, 'I_0.99(15, 0.5)');
  close(logGamma(0.5), Math.log(Math.sqrt(Math.PI)), 1e-14, 'ln Γ(1/2)');
  close(logGamma(10), Math.log(362880), 1e-14, 'ln Γ(10)');
  close(logGamma(1), 0, 1e-14, 'ln Γ(1)');
});

test('t-test edge cases: fewer than two values, identical differences, all-zero differences', () => {
  assert.equal(tTest([]), undefined);
  assert.equal(tTest([0.3]), undefined);
  const same = tTest([2, 2, 2])!;
  assert.deepEqual([same.sd, same.low, same.high, same.p], [0, 2, 2, 0]);
  const zero = tTest([0, 0, 0, 0])!;
  assert.deepEqual([zero.t, zero.low, zero.high, zero.p], [0, 0, 0, 1]);
});

test('two seeds are enough for a paired test: d = [1, 3] gives sd √2, t 2 on 1 df, p 0.29517 and the interval 2 ± 12.706', () => {
  const r = tTest([1, 3])!;
  assert.equal(r.df, 1);
  close(r.sd, Math.SQRT2, 1e-15, 'sd');
  close(r.t, 2, 1e-14, 't');
  close(r.p, 0.2951672353008665, 1e-12, 'p');
  close(r.low, 2 - 12.706204736174694, 1e-9, 'CI low');
  close(r.high, 2 + 12.706204736174694, 1e-9, 'CI high');
  assert.equal(std([1, 3]), Math.SQRT2);
  assert.equal(std([5]), 0, 'one value has no spread (not 0/0)');
});

test('quantiles between 0.5 and 0.75 (solved on the central mass), log Γ below 1/2 (by reflection), and I_x outside [0, 1]', () => {
  close(studentTQuantile(0.6, 10), 0.2601848294920803, 1e-9, 't_{0.6, 10}');
  close(studentTQuantile(0.7, 3), 0.5843897274398182, 1e-9, 't_{0.7, 3}');
  close(studentTQuantile(0.55, 1), 0.15838444032453658, 1e-9, 't_{0.55, 1}');
  close(logGamma(0.25), 1.2880225246980772, 1e-13, 'ln Γ(1/4)');
  close(logGamma(0.1), 2.2527126517342055, 1e-13, 'ln Γ(0.1)');
  close(logGamma(-0.5), 1.265512123484645, 1e-13, 'ln |Γ(−1/2)|');
  assert.equal(incompleteBeta(2, 3, -0.1), 0);
  assert.equal(incompleteBeta(2, 3, 1.5), 1);
  assert.throws(() => studentTQuantile(0, 3), /p must be in \(0, 1\), got 0$/);
});

test('a quantile a hair above the median keeps its digits: t = (p − 1/2) / f(0) to 1e-12 relative', () => {
  // Student's t density at 0 for 10 df: Γ(11/2) / (√(10π) Γ(5)) = (945/32)√π / (24 √(10π)) = 945 / (768 √10).
  // Near 0 the CDF is 1/2 + f(0) t + O(t³), so t = e / f(0) for p = 1/2 + e (e = 2^-34, exact in binary).
  const e = 2 ** -34;
  const t = studentTQuantile(0.5 + e, 10);
  const want = e / (945 / (768 * Math.sqrt(10)));
  assert.ok(Math.abs(t / want - 1) < 1e-12, `t ${t} vs ${want}`);
  assert.ok(Math.abs(studentTQuantile(0.5 - e, 10) / -want - 1) < 1e-12);
});
