/**
 * Minimum-cost assignment (the Hungarian method, in the O(n²m) shortest
 * augmenting path form with row/column potentials) on a dense rectangular
 * cost matrix, as scipy's `linear_sum_assignment`: every row is matched when
 * rows ≤ columns, every column otherwise; the total cost is minimal.
 */

export interface Assignment {
  /** Matched row indices, ascending. */
  rows: Int32Array;
  /** The column matched to each entry of `rows`. */
  cols: Int32Array;
}

/**
 * `cost` is row-major `[numRows, numCols]`. Entries must be finite (an
 * infinite cost cannot be compared, so it is an error, as in scipy).
 */
export function linearSumAssignment(cost: ArrayLike<number>, numRows: number, numCols: number): Assignment {
  if (!Number.isInteger(numRows) || !Number.isInteger(numCols) || numRows < 0 || numCols < 0) {
    throw new Error(`linearSumAssignment: invalid shape [${numRows}, ${numCols}]`);
  }
  if (cost.length !== numRows * numCols) {
    throw new Error(`linearSumAssignment: ${cost.length} costs for a [${numRows}, ${numCols}] matrix`);
  }
  for (let i = 0; i < cost.length; i++) {
    if (!Number.isFinite(cost[i])) throw new Error(`linearSumAssignment: cost[${Math.floor(i / numCols)}][${i % numCols}] is ${cost[i]}`);
  }
  if (numRows === 0 || numCols === 0) return { rows: new Int32Array(0), cols: new Int32Array(0) };
  const transposed = numRows > numCols;
  const n = transposed ? numCols : numRows;
  const m = transposed ? numRows : numCols;
  const at = transposed ? (i: number, j: number) => cost[j * numCols + i] : (i: number, j: number) => cost[i * numCols + j];
  const colOfRow = solve(n, m, at);
  const pairs = Array.from(colOfRow, (c, r) => (transposed ? [c, r] : [r, c]) as [number, number]).sort((a, b) => a[0] - b[0]);
  return { rows: Int32Array.from(pairs, (p) => p[0]), cols: Int32Array.from(pairs, (p) => p[1]) };
}

/** n ≤ m; returns the column of each row. Potentials u (rows), v (columns); 1-based with a virtual column 0. */
function solve(n: number, m: number, at: (i: number, j: number) => number): Int32Array {
  const u = new Float64Array(n + 1);
  const v = new Float64Array(m + 1);
  const rowOfCol = new Int32Array(m + 1); // 0 = free
  const way = new Int32Array(m + 1);
  const minSlack = new Float64Array(m + 1);
  const used = new Uint8Array(m + 1);
  for (let i = 1; i <= n; i++) {
    rowOfCol[0] = i;
    let j0 = 0;
    minSlack.fill(Infinity);
    used.fill(0);
    // Grow a shortest-path tree from row i until it reaches a free column.
    do {
      used[j0] = 1;
      const i0 = rowOfCol[j0];
      let delta = Infinity;
      let j1 = 0;
      for (let j = 1; j <= m; j++) {
        if (used[j] === 1) continue;
        const reduced = at(i0 - 1, j - 1) - u[i0] - v[j];
        if (reduced < minSlack[j]) {
          minSlack[j] = reduced;
          way[j] = j0;
        }
        if (minSlack[j] < delta) {
          delta = minSlack[j];
          j1 = j;
        }
      }
      for (let j = 0; j <= m; j++) {
        if (used[j] === 1) {
          u[rowOfCol[j]] += delta;
          v[j] -= delta;
        } else {
          minSlack[j] -= delta;
        }
      }
      j0 = j1;
    } while (rowOfCol[j0] !== 0);
    // Flip the alternating path back to the root.
    do {
      const j1 = way[j0];
      rowOfCol[j0] = rowOfCol[j1];
      j0 = j1;
    } while (j0 !== 0);
  }
  const colOfRow = new Int32Array(n);
  for (let j = 1; j <= m; j++) if (rowOfCol[j] !== 0) colOfRow[rowOfCol[j] - 1] = j - 1;
  return colOfRow;
}
