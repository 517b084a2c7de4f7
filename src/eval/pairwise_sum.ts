/**
 * numpy's float64 summation, reproduced so that means equal `np.mean` bit for bit.
 *
 * `np.add.reduce` over a contiguous float64 array calls `pairwise_sum`
 * (numpy/_core/src/umath/loops_utils.h.src): below 8 elements a plain loop;
 * up to 128 (PW_BLOCKSIZE) eight accumulators over blocks of 8 combined as
 * ((r0+r1)+(r2+r3))+((r4+r5)+(r6+r7)) and the remainder added one by one;
 * above that, a split at n/2 rounded down to a multiple of 8, recursively.
 * Plain left-to-right summation differs from it by up to ~2e-14 on COCO stats.
 */
const BLOCK = 128;

export function pairwiseSum(a: ArrayLike<number>, start = 0, n = a.length - start): number {
  if (n < 8) {
    let res = 0;
    for (let i = 0; i < n; i++) res += a[start + i];
    return res;
  }
  if (n <= BLOCK) {
    let r0 = a[start], r1 = a[start + 1], r2 = a[start + 2], r3 = a[start + 3];
    let r4 = a[start + 4], r5 = a[start + 5], r6 = a[start + 6], r7 = a[start + 7];
    const whole = n - (n % 8);
    let i = 8;
    for (; i < whole; i += 8) {
      const p = start + i;
      r0 += a[p]; r1 += a[p + 1]; r2 += a[p + 2]; r3 += a[p + 3];
      r4 += a[p + 4]; r5 += a[p + 5]; r6 += a[p + 6]; r7 += a[p + 7];
    }
    let res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7));
    for (; i < n; i++) res += a[start + i];
    return res;
  }
  let n2 = Math.floor(n / 2);
  n2 -= n2 % 8;
  return pairwiseSum(a, start, n2) + pairwiseSum(a, start + n2, n - n2);
}

/** `np.mean(x)` of a float64 array: the pairwise sum divided by the count. */
export function numpyMean(a: ArrayLike<number>): number {
  return pairwiseSum(a) / a.length;
}

/**
 * pycocotools' `_summarize` reduction: `mean(s[s > -1])`, or -1 when no
 * element is > -1. `values` is visited in the given order (numpy's C order of `s`).
 */
export function meanOfValid(values: ArrayLike<number>): number {
  const kept = new Float64Array(values.length);
  let n = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v > -1) kept[n++] = v;
  }
  return n === 0 ? -1 : pairwiseSum(kept, 0, n) / n;
}
