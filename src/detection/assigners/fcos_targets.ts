/**
 * FCOS target assignment (Tian et al., ICCV 2019, §3.1–3.2) as mmdet's
 * FCOSHead.get_targets: a point is a candidate for a gt when it lies inside
 * the box (or, with centre sampling, inside the box ∩ a square of half-side
 * `radius · stride` around the box centre) and its largest regression
 * distance falls in its level's range `lo ≤ d ≤ hi` (mmdet's inclusive test);
 * among candidates the gt of smallest area wins.
 */

export interface FcosTargetOptions {
  /** Per level `[lo, hi]` of max(l, t, r, b); mmdet's `regress_ranges`. */
  regressRanges: [number, number][];
  centerSampling: boolean;
  centerSampleRadius: number;
}

export interface FcosTargets {
  /** Label per point; `numClasses` marks background. */
  labels: Int32Array;
  /** `(l, t, r, b)` in pixels per point (0 for background). */
  distances: Float32Array;
  /** Index of the assigned gt, −1 for background. */
  gtIndex: Int32Array;
}

/**
 * `points` packed `[x, y]` over all levels, `levelSizes` points per level,
 * `strides` per level.
 */
export function fcosTargets(
  points: Float32Array,
  levelSizes: number[],
  strides: number[],
  gts: Float32Array,
  gtLabels: Int32Array,
  numClasses: number,
  opts: FcosTargetOptions,
): FcosTargets {
  const n = points.length / 2;
  const m = gts.length / 4;
  if (levelSizes.length !== opts.regressRanges.length || levelSizes.length !== strides.length) {
    throw new Error(`fcosTargets: ${levelSizes.length} levels but ${opts.regressRanges.length} regress ranges and ${strides.length} strides`);
  }
  if (gtLabels.length !== m) throw new Error(`fcosTargets: ${m} boxes but ${gtLabels.length} labels`);
  const bad = gtLabels.findIndex((l) => !(l >= 0 && l < numClasses));
  if (bad >= 0) throw new Error(`fcosTargets: box ${bad} has label ${gtLabels[bad]}, outside [0, ${numClasses})`);
  const labels = new Int32Array(n).fill(numClasses);
  const distances = new Float32Array(4 * n);
  const gtIndex = new Int32Array(n).fill(-1);
  if (m === 0) return { labels, distances, gtIndex };
  const areas = new Float32Array(m);
  for (let g = 0; g < m; g++) areas[g] = (gts[4 * g + 2] - gts[4 * g]) * (gts[4 * g + 3] - gts[4 * g + 1]);
  let level = 0, levelEnd = levelSizes[0];
  for (let i = 0; i < n; i++) {
    while (i >= levelEnd) levelEnd += levelSizes[++level];
    const [lo, hi] = opts.regressRanges[level];
    const stride = strides[level];
    const x = points[2 * i], y = points[2 * i + 1];
    let bestArea = Infinity, best = -1;
    for (let g = 0; g < m; g++) {
      const x1 = gts[4 * g], y1 = gts[4 * g + 1], x2 = gts[4 * g + 2], y2 = gts[4 * g + 3];
      const l = x - x1, t = y - y1, r = x2 - x, b = y2 - y;
      let inside: boolean;
      if (opts.centerSampling) {
        const cx = (x1 + x2) / 2, cy = (y1 + y2) / 2, rad = stride * opts.centerSampleRadius;
        const cx1 = Math.max(cx - rad, x1), cy1 = Math.max(cy - rad, y1);
        const cx2 = Math.min(cx + rad, x2), cy2 = Math.min(cy + rad, y2);
        inside = Math.min(x - cx1, y - cy1, cx2 - x, cy2 - y) > 0;
      } else {
        inside = Math.min(l, t, r, b) > 0;
      }
      const maxDist = Math.max(l, t, r, b);
      if (inside && maxDist >= lo && maxDist <= hi && areas[g] < bestArea) {
        bestArea = areas[g];
        best = g;
      }
    }
    if (best >= 0) {
      labels[i] = gtLabels[best];
      gtIndex[i] = best;
      distances.set([x - gts[4 * best], y - gts[4 * best + 1], gts[4 * best + 2] - x, gts[4 * best + 3] - y], 4 * i);
    }
  }
  return { labels, distances, gtIndex };
}

/** FCOS centerness √(min(l,r)/max(l,r) · min(t,b)/max(t,b)) of packed distances. */
export function centerness(distances: Float32Array): Float32Array {
  const n = distances.length / 4;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const l = distances[4 * i], t = distances[4 * i + 1], r = distances[4 * i + 2], b = distances[4 * i + 3];
    out[i] = Math.sqrt((Math.min(l, r) / Math.max(l, r)) * (Math.min(t, b) / Math.max(t, b)));
  }
  return out;
}
