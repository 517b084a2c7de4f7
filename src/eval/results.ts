/**
 * Detection results in COCO results format, validated against the ground
 * truth with pycocotools' `loadRes` semantics (coco.py:307-368, bbox branch):
 * every `image_id` must be a GT image, `area` is recomputed as `w*h` and ids
 * are the 1-based file positions (so a result id is never the "unmatched" 0).
 * An empty list is valid here (every stat comes out 0, or -1 without GT),
 * where pycocotools' loadRes fails on `anns[0]`.
 */
import { UserError } from '../config/errors.js';
import type { GroundTruth } from './ground_truth.js';
import { describe, isRecord, requireArray, requireBox, requireFiniteNumber } from './validate.js';

export interface Detections {
  readonly source: string;
  readonly count: number;
  readonly imageId: Float64Array;
  readonly categoryId: Float64Array;
  /** `[x, y, w, h]` per detection. */
  readonly bbox: Float64Array;
  readonly score: Float64Array;
}

/** Validates a parsed results document (a JSON array of `{image_id, category_id, bbox, score}`). */
export function loadResults(doc: unknown, gt: GroundTruth, source: string): Detections {
  const list = requireArray(doc, `${source}: a COCO results file`);
  const n = list.length;
  const out = {
    source,
    count: n,
    imageId: new Float64Array(n),
    categoryId: new Float64Array(n),
    bbox: new Float64Array(4 * n),
    score: new Float64Array(n),
  };
  const known = new Set<number>(gt.imageIds);
  for (let i = 0; i < n; i++) {
    const det = list[i];
    const where = `${source}: result [${i}]`;
    if (!isRecord(det)) throw new UserError(`${where} must be an object, got ${describe(det)}`);
    const imageId = requireFiniteNumber(det.image_id, `${where}.image_id`);
    if (!known.has(imageId)) {
      throw new UserError(`${where}: image_id ${imageId} is not an image of the ground truth ${gt.source}`);
    }
    out.imageId[i] = imageId;
    out.categoryId[i] = requireFiniteNumber(det.category_id, `${where}.category_id`);
    requireBox(det.bbox, out.bbox, 4 * i, `${where}.bbox`);
    out.score[i] = requireFiniteNumber(det.score, `${where}.score`);
  }
  return out;
}
