/**
 * `np.argsort(-score, kind='mergesort')`: indices by descending score, equal
 * scores keeping their input order. numpy's stable sort is uniquely defined by
 * that rule, so any stable method gives the same permutation; ties decide
 * which detection takes a GT and where it sits in the PR curve.
 */
export function argsortByScoreDesc(score: Float64Array, from: number, count: number, out: Int32Array): void {
  for (let i = 0; i < count; i++) out[i] = i;
  if (count <= 32) {
    for (let i = 1; i < count; i++) {
      const idx = out[i];
      const s = score[from + idx];
      let j = i - 1;
      while (j >= 0 && score[from + out[j]] < s) {
        out[j + 1] = out[j];
        j--;
      }
      out[j + 1] = idx;
    }
    return;
  }
  // Finite scores: b - a is 0 only for equal scores, and then input order decides.
  out.subarray(0, count).sort((a, b) => score[from + b] - score[from + a] || a - b);
}
