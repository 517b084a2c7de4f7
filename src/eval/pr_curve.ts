/** Precision-recall curves read from an evaluation's precision and scores arrays. */
import { meanOfValid } from './pairwise_sum.js';
import type { AreaLabel } from './params.js';
import type { CocoEvalResult } from './coco_eval.js';
import { UserError } from '../config/errors.js';

export interface PrCurveQuery {
  /** One category id; omitted: the mean over categories with GT at each recall threshold. */
  categoryId?: number;
  /** An IoU threshold of the evaluation (default 0.5). */
  iouThr?: number;
  area?: AreaLabel;
  /** A maxDets value of the evaluation (default the largest). */
  maxDets?: number;
}

export interface PrCurve {
  /** The recall thresholds (`np.linspace(0, 1, 101)`). */
  recall: Float64Array;
  /** Interpolated precision at each recall threshold; -1 when no category has GT there. */
  precision: Float64Array;
  /** For one category: the score of the detection that sets each precision value (0 past the last). */
  scores?: Float64Array;
}

export function prCurve(result: CocoEvalResult, query: PrCurveQuery = {}): PrCurve {
  const [, R, K, A, M] = result.shape;
  const p = result.params;
  const iouThr = query.iouThr ?? 0.5;
  const t = Array.from(p.iouThrs).indexOf(iouThr);
  const a = p.areaLabels.indexOf(query.area ?? 'all');
  const m = p.maxDets.indexOf(query.maxDets ?? p.maxDets[M - 1]);
  if (t < 0) throw new UserError(`prCurve: IoU threshold ${iouThr} is not one of ${Array.from(p.iouThrs).join(', ')}`);
  if (a < 0) throw new UserError(`prCurve: unknown area "${query.area}"`);
  if (m < 0) throw new UserError(`prCurve: maxDets ${query.maxDets} is not one of ${p.maxDets.join(', ')}`);
  const at = (r: number, k: number) => (((t * R + r) * K + k) * A + a) * M + m;
  const precision = new Float64Array(R);
  if (query.categoryId !== undefined) {
    const k = result.perClass.findIndex((c) => c.categoryId === query.categoryId);
    if (k < 0) throw new UserError(`prCurve: category ${query.categoryId} was not evaluated`);
    const scores = new Float64Array(R);
    for (let r = 0; r < R; r++) {
      precision[r] = result.precision[at(r, k)];
      scores[r] = result.scores[at(r, k)];
    }
    return { recall: p.recThrs.slice(), precision, scores };
  }
  const column = new Float64Array(K);
  for (let r = 0; r < R; r++) {
    for (let k = 0; k < K; k++) column[k] = result.precision[at(r, k)];
    precision[r] = meanOfValid(column);
  }
  return { recall: p.recThrs.slice(), precision };
}
