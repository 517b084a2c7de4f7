/**
 * The little statistics a sweep report needs: mean, sample std, Student's t
 * distribution (CDF, quantile) and the one-sample t-test that, applied to
 * seed-paired differences, is the paired t-test. Pure functions, no
 * dependency: the t CDF is the regularized incomplete beta function,
 * evaluated as a continued fraction.
 */

/** A p-value below this marks a difference as significant. */
export const ALPHA = 0.05;

export function mean(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

/** Sample standard deviation (n − 1), 0 for a single value. */
export function std(xs: number[]): number {
  if (xs.length < 2) return 0;
  const m = mean(xs);
  return Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / (xs.length - 1));
}

// Lanczos approximation of ln Γ (g = 7, nine terms): about 15 significant digits for x > 0.
const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012,
  9.9843695780195716e-6, 1.5056327351493116e-7,
];

export function logGamma(x: number): number {
  // Reflection keeps the series where it converges: Γ(x) Γ(1 − x) = π / sin(πx).
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - logGamma(1 - x);
  const z = x - 1;
  let sum = LANCZOS[0];
  for (let i = 1; i < LANCZOS.length; i++) sum += LANCZOS[i] / (z + i);
  const t = z + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(sum);
}

const TINY = 1e-300;
const EPS = 1e-16;

/**
 * The continued fraction of I_x(a, b) (without its prefactor), evaluated by
 * the modified Lentz method: 1 / (1 + d1 / (1 + d2 / (1 + …))) with
 * d(2m+1) = −(a+m)(a+b+m)x / ((a+2m)(a+2m+1)) and d(2m) = m(b−m)x / ((a+2m−1)(a+2m)).
 * It converges quickly for x < (a+1)/(a+b+2); the caller uses the symmetry for larger x.
 */
function betaFraction(a: number, b: number, x: number): number {
  let c = 1;
  let d = 0;
  let k = 1;
  for (let j = 1; j <= 1000; j++) {
    const m = Math.floor(j / 2);
    const term = j % 2 === 1 ? (-(a + m) * (a + b + m) * x) / ((a + 2 * m) * (a + 2 * m + 1)) : (m * (b - m) * x) / ((a + 2 * m - 1) * (a + 2 * m));
    d = 1 + term * d;
    d = 1 / (Math.abs(d) < TINY ? TINY : d);
    c = 1 + term / c;
    if (Math.abs(c) < TINY) c = TINY;
    k *= c * d;
    if (Math.abs(c * d - 1) < EPS) break;
  }
  return 1 / k;
}

/** The regularized incomplete beta function I_x(a, b) for a, b > 0 and x in [0, 1]. */
export function incompleteBeta(a: number, b: number, x: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const lnFront = a * Math.log(x) + b * Math.log1p(-x) - (logGamma(a) + logGamma(b) - logGamma(a + b));
  if (x < (a + 1) / (a + b + 2)) return (Math.exp(lnFront) * betaFraction(a, b, x)) / a;
  return 1 - (Math.exp(lnFront) * betaFraction(b, a, 1 - x)) / b;
}

/** P(|T| ≥ |t|) for T ~ Student's t with `df` degrees of freedom: the two-sided p-value of t. */
export function twoSidedP(t: number, df: number): number {
  if (Number.isNaN(t)) return NaN;
  // Computed as one tail integral (not 1 − 2·CDF), so that small p-values keep their digits.
  return incompleteBeta(df / 2, 0.5, df / (df + t * t));
}

/** P(T ≤ t) for Student's t with `df` degrees of freedom. */
export function studentTCdf(t: number, df: number): number {
  const tail = twoSidedP(t, df) / 2;
  return t > 0 ? 1 - tail : tail;
}

/** The t with P(T ≤ t) = p, for p in (0, 1), by bisection (both masses below are monotonic in t). */
export function studentTQuantile(p: number, df: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`studentTQuantile: p must be in (0, 1), got ${p}`);
  if (p < 0.5) return -studentTQuantile(1 - p, df);
  if (p === 0.5) return 0;
  // Solve for the smaller of the central mass P(|T| < t) = 2p − 1 and the tails 2(1 − p): a mass near 1 has
  // lost the digits that place t (near the centre, 1 − p(t) would leave t with a few correct digits only).
  const central = 2 * p - 1;
  const tails = 2 * (1 - p);
  const below = central < tails ? (t: number): boolean => incompleteBeta(0.5, df / 2, (t * t) / (df + t * t)) < central : (t: number): boolean => twoSidedP(t, df) > tails;
  let lo = 0;
  let hi = 1;
  while (below(hi)) {
    lo = hi;
    hi *= 2;
  }
  for (let i = 0; i < 200 && hi - lo > 1e-15 * hi; i++) {
    const mid = (lo + hi) / 2;
    if (below(mid)) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

export interface TTest {
  n: number;
  mean: number;
  sd: number;
  /** Standard error of the mean, sd / √n. */
  se: number;
  t: number;
  df: number;
  /** The confidence interval mean ± t_{(1+level)/2, n−1} · se. */
  low: number;
  high: number;
  /** Two-sided p-value of the hypothesis that the true mean is 0. */
  p: number;
}

/**
 * Student's one-sample t-test of mean 0 with its confidence interval; on the
 * differences d_s = a_s − b_s of paired values it is the paired t-test.
 * Undefined for fewer than two values (no variance to estimate).
 * Identical values give se = 0: p = 0 unless they are all 0 (then t = 0, p = 1).
 */
export function tTest(xs: number[], level = 0.95): TTest | undefined {
  const n = xs.length;
  if (n < 2) return undefined;
  const m = mean(xs);
  const sd = std(xs);
  const se = sd / Math.sqrt(n);
  const df = n - 1;
  const t = m === 0 ? 0 : m / se;
  const half = studentTQuantile((1 + level) / 2, df) * se;
  return { n, mean: m, sd, se, t, df, low: m - half, high: m + half, p: twoSidedP(t, df) };
}
