/**
 * A two-component 1-D Gaussian mixture fitted by EM exactly as PAA calls
 * scikit-learn's GaussianMixture: weights (0.5, 0.5), means (min, max),
 * precisions (1, 1), 'diag' covariances, reg_covar 1e-6, tol 1e-3 on the
 * mean log-likelihood, at most 100 iterations, then a final E-step.
 */

export interface GmmFit {
  means: [number, number];
  variances: [number, number];
  weights: [number, number];
  /** Most likely component per sample (sklearn `predict`). */
  assignment: Int32Array;
  /** Log-likelihood of each sample under the mixture (sklearn `score_samples`). */
  scores: Float64Array;
  iterations: number;
}

const REG_COVAR = 1e-6;
const TOL = 1e-3;
const MAX_ITER = 100;
/** sklearn adds 10·eps(float64) to each component mass. */
const MASS_EPS = 10 * Number.EPSILON;

export function fitGmm2(x: ArrayLike<number>): GmmFit {
  const n = x.length;
  if (n < 2) throw new Error(`fitGmm2: needs at least 2 samples, got ${n}`);
  let min = Infinity, max = -Infinity;
  for (let i = 0; i < n; i++) {
    min = Math.min(min, x[i]);
    max = Math.max(max, x[i]);
  }
  let means: [number, number] = [min, max];
  let variances: [number, number] = [1, 1];
  let weights: [number, number] = [0.5, 0.5];
  const logResp = [new Float64Array(n), new Float64Array(n)];
  const eStep = (): number => {
    let total = 0;
    for (let i = 0; i < n; i++) {
      const a = logGauss(x[i], means[0], variances[0]) + Math.log(weights[0]);
      const b = logGauss(x[i], means[1], variances[1]) + Math.log(weights[1]);
      const norm = Math.max(a, b) + Math.log1p(Math.exp(-Math.abs(a - b)));
      logResp[0][i] = a - norm;
      logResp[1][i] = b - norm;
      total += norm;
    }
    return total / n;
  };
  let lowerBound = -Infinity;
  let iterations = 0;
  for (let it = 1; it <= MAX_ITER; it++) {
    iterations = it;
    const prev = lowerBound;
    lowerBound = eStep();
    const nextMeans: [number, number] = [0, 0], nextVars: [number, number] = [0, 0], mass: [number, number] = [0, 0];
    for (let k = 0; k < 2; k++) {
      let nk = MASS_EPS, sx = 0, sxx = 0;
      for (let i = 0; i < n; i++) {
        const r = Math.exp(logResp[k][i]);
        nk += r;
        sx += r * x[i];
        sxx += r * x[i] * x[i];
      }
      const m = sx / nk;
      mass[k] = nk;
      nextMeans[k] = m;
      // sklearn's diag estimate: E[x²] − 2·m·E[x] + m² + reg_covar.
      nextVars[k] = sxx / nk - 2 * m * (sx / nk) + m * m + REG_COVAR;
    }
    means = nextMeans;
    variances = nextVars;
    weights = [mass[0] / (mass[0] + mass[1]), mass[1] / (mass[0] + mass[1])];
    if (Math.abs(lowerBound - prev) < TOL) break;
  }
  eStep();
  const assignment = new Int32Array(n);
  const scores = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const a = logGauss(x[i], means[0], variances[0]) + Math.log(weights[0]);
    const b = logGauss(x[i], means[1], variances[1]) + Math.log(weights[1]);
    assignment[i] = b > a ? 1 : 0;
    scores[i] = Math.max(a, b) + Math.log1p(Math.exp(-Math.abs(a - b)));
  }
  return { means, variances, weights, assignment, scores, iterations };
}

function logGauss(x: number, mean: number, variance: number): number {
  return -0.5 * (Math.log(2 * Math.PI) + Math.log(variance) + ((x - mean) * (x - mean)) / variance);
}
