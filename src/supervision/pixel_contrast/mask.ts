/**
 * PixelContrast's positives mask (paper Eq. 3), built on the CPU from the two
 * views' op logs. Each feature cell's centre `((x + ½)·s_x, (y + ½)·s_y)` in
 * network-input pixels is mapped back to the original image through the
 * view's recorded resize, crop and flip (src/data/geometry.ts), so a flipped
 * view's cells land mirrored. Distances between the cells of the online view
 * (i) and of the momentum view (j) are Euclidean in original-image pixels,
 * divided by the larger of the two views' cell diagonals (in original pixels),
 * as PixPro normalises them. Cells whose centre lies in the padding are
 * invalid: neither anchors, positives nor negatives.
 *
 * Threshold:
 * - `fixed`: `d(i, j) ≤ value` (PixPro uses 0.7).
 * - `adaptive`: the paper writes `th = 1/(S|C|) Σ_c d(i, j)_c` with S = 9. We
 *   read C as the set of all valid (i, j) cell pairs of the image, so
 *   `th = mean d / S`: one threshold per image that grows with the spread of
 *   the two crops, which is what the paper says it is for (random resizing
 *   changes the scale of d).
 */
import { geometricOps, toOriginal } from '../../data/geometry.js';
import type { ImageMeta } from '../../data/types.js';

export type ThresholdRule = { type: 'fixed'; value: number } | { type: 'adaptive'; s: number };

/** One view's feature map: cell grid `h × w` over a padded input of `inputShape` `[H, W]` pixels. */
export interface ViewGrid {
  meta: ImageMeta;
  h: number;
  w: number;
  inputShape: [number, number];
}

export interface CellCentres {
  /** `[h·w, 2]` centres `(x, y)` in original-image pixels, row-major cells. */
  xy: Float64Array;
  /** 1 where the cell centre lies inside the image content (not padding). */
  valid: Uint8Array;
  /** Cell diagonal in original-image pixels. */
  diagonal: number;
}

export function cellCentres(g: ViewGrid): CellCentres {
  const sx = g.inputShape[1] / g.w;
  const sy = g.inputShape[0] / g.h;
  const [ih, iw] = g.meta.imgShape;
  const xy = new Float64Array(g.h * g.w * 2);
  const valid = new Uint8Array(g.h * g.w);
  for (let y = 0; y < g.h; y++) {
    for (let x = 0; x < g.w; x++) {
      const px = (x + 0.5) * sx;
      const py = (y + 0.5) * sy;
      const k = y * g.w + x;
      valid[k] = px < iw && py < ih ? 1 : 0;
      const [ox, oy] = toOriginal(g.meta, px, py);
      xy[2 * k] = ox;
      xy[2 * k + 1] = oy;
    }
  }
  let scaleX = 1;
  let scaleY = 1;
  for (const op of geometricOps(g.meta)) {
    if (op.op === 'resize') {
      scaleX *= op.scaleFactor[0];
      scaleY *= op.scaleFactor[1];
    }
  }
  return { xy, valid, diagonal: Math.hypot(sx / scaleX, sy / scaleY) };
}

export interface PairMask {
  /** `[n_i, n_j]` normalised distances (row-major). */
  distance: Float32Array;
  /** `[n_i, n_j]` 1 for positive pairs. */
  positive: Float32Array;
  /** `[n_i, n_j]` 1 for negative pairs (valid, not positive). */
  negative: Float32Array;
  threshold: number;
}

export function pairMask(online: ViewGrid, momentum: ViewGrid, rule: ThresholdRule): PairMask {
  if (online.meta.imageId !== momentum.meta.imageId) {
    throw new Error(`PixelContrast: the two views come from different images (${online.meta.imageId} vs ${momentum.meta.imageId})`);
  }
  const a = cellCentres(online);
  const b = cellCentres(momentum);
  const ni = a.valid.length;
  const nj = b.valid.length;
  const norm = Math.max(a.diagonal, b.diagonal);
  const distance = new Float32Array(ni * nj);
  let sum = 0;
  let count = 0;
  for (let i = 0; i < ni; i++) {
    for (let j = 0; j < nj; j++) {
      const d = Math.hypot(a.xy[2 * i] - b.xy[2 * j], a.xy[2 * i + 1] - b.xy[2 * j + 1]) / norm;
      distance[i * nj + j] = d;
      if (a.valid[i] === 1 && b.valid[j] === 1) {
        sum += d;
        count += 1;
      }
    }
  }
  const threshold = rule.type === 'fixed' ? rule.value : count === 0 ? 0 : sum / count / rule.s;
  const positive = new Float32Array(ni * nj);
  const negative = new Float32Array(ni * nj);
  for (let i = 0; i < ni; i++) {
    if (a.valid[i] === 0) continue;
    for (let j = 0; j < nj; j++) {
      if (b.valid[j] === 0) continue;
      if (distance[i * nj + j] <= threshold) positive[i * nj + j] = 1;
      else negative[i * nj + j] = 1;
    }
  }
  return { distance, positive, negative, threshold };
}
