/**
 * From per-level head outputs (already on the CPU) to a DetectionResult, as
 * mmdet's `_predict_by_feat_single` + `_bbox_post_process`: per level keep
 * scores above `scoreThr` and the `nmsPre` best (prior, class) pairs, decode
 * those boxes clipped to the image, multiply by the score factor
 * (centerness / IoU) when there is one, map boxes to original-image
 * pixels, drop empty boxes, class-aware NMS, keep `maxPerImg`, and, for PAA,
 * score voting.
 */
import type { ImageMeta } from '../data/types.js';
import type { DetectionResult } from './types.js';
import { pairIoU } from './boxes.js';
import { batchedNms } from './nms.js';

export interface TestConfig {
  nmsPre: number;
  scoreThr: number;
  iouThr: number;
  maxPerImg: number;
  minBboxSize: number;
  /** PAA's score voting: each kept box becomes the IoU- and score-weighted mean of its same-class candidates. */
  scoreVoting?: boolean;
}

export const DEFAULT_TEST_CONFIG: TestConfig = { nmsPre: 1000, scoreThr: 0.05, iouThr: 0.5, maxPerImg: 100, minBboxSize: 0 };

/** One level of one image: class probabilities `[P, C]`, optional factor `[P]`, a decoder for chosen priors. */
export interface LevelScores {
  scores: Float32Array;
  numClasses: number;
  scoreFactors?: Float32Array;
  /** Boxes (network-input pixels, clipped) of the given prior indices, packed by four. */
  decode(priorIdx: Int32Array): Float32Array;
  /** How factor and class score combine (default product; PAA uses √(p·IoU)). */
  combine?: (score: number, factor: number) => number;
}

export function postprocessImage(levels: LevelScores[], meta: ImageMeta, cfg: TestConfig): DetectionResult {
  const allBoxes: Float32Array[] = [];
  const allScores: number[] = [];
  const allLabels: number[] = [];
  for (const lvl of levels) {
    const c = lvl.numClasses;
    const cand: number[] = [];
    for (let k = 0; k < lvl.scores.length; k++) if (lvl.scores[k] > cfg.scoreThr) cand.push(k);
    cand.sort((a, b) => lvl.scores[b] - lvl.scores[a] || a - b);
    const top = cand.slice(0, cfg.nmsPre);
    const priorIdx = Int32Array.from(top, (k) => Math.floor(k / c));
    const boxes = lvl.decode(priorIdx);
    allBoxes.push(boxes);
    top.forEach((k, j) => {
      const f = lvl.scoreFactors?.[priorIdx[j]];
      const s = lvl.scores[k];
      allScores.push(f === undefined ? s : (lvl.combine ?? ((a, b) => a * b))(s, f));
      allLabels.push(k % c);
    });
  }
  const boxes = concat(allBoxes);
  toOriginal(boxes, meta);
  const valid: number[] = [];
  for (let i = 0; i < allScores.length; i++) {
    const w = boxes[4 * i + 2] - boxes[4 * i], h = boxes[4 * i + 3] - boxes[4 * i + 1];
    if (w > cfg.minBboxSize && h > cfg.minBboxSize) valid.push(i);
  }
  const vb = new Float32Array(4 * valid.length);
  valid.forEach((i, j) => vb.set(boxes.subarray(4 * i, 4 * i + 4), 4 * j));
  const vs = Float32Array.from(valid, (i) => allScores[i]);
  const vl = Int32Array.from(valid, (i) => allLabels[i]);
  const keep = batchedNms(vb, vs, vl, cfg.iouThr, cfg.maxPerImg);
  const out: DetectionResult = {
    imageId: meta.imageId,
    boxes: new Float32Array(4 * keep.length),
    scores: Float32Array.from(keep, (i) => vs[i]),
    labels: Int32Array.from(keep, (i) => vl[i]),
  };
  keep.forEach((i, j) => out.boxes.set(cfg.scoreVoting === true ? votedBox(i, vb, vs, vl, cfg.scoreThr) : vb.subarray(4 * i, 4 * i + 4), 4 * j));
  return out;
}

/** PAA's score voting (mmdet `PAAHead.score_voting`): σ = 0.025, candidates above the score threshold with IoU > 0.01. */
function votedBox(det: number, boxes: Float32Array, scores: Float32Array, labels: Int32Array, scoreThr: number): Float32Array {
  const sum = new Float64Array(4);
  let norm = 0;
  for (let j = 0; j < scores.length; j++) {
    if (labels[j] !== labels[det] || !(scores[j] > scoreThr)) continue;
    const iou = pairIoU(boxes, det, boxes, j);
    if (!(iou > 0.01)) continue;
    const w = Math.exp(-((1 - iou) ** 2) / 0.025) * scores[j];
    for (let k = 0; k < 4; k++) sum[k] += w * boxes[4 * j + k];
    norm += w;
  }
  // A kept box scoring at or under the threshold has no candidates (not even itself): unchanged.
  return norm > 0 ? Float32Array.from(sum, (v) => v / norm) : boxes.slice(4 * det, 4 * det + 4);
}

/**
 * Network-input pixels → original-image pixels, in place: undo the flip
 * (about the content width), add the crop offset, divide by the resize
 * scale, clip to the original image.
 */
export function toOriginal(boxes: Float32Array, meta: ImageMeta): Float32Array {
  const [, w] = meta.imgShape;
  const [sx, sy] = meta.scaleFactor;
  const [ox, oy] = meta.cropBox === undefined ? [0, 0] : [meta.cropBox[0], meta.cropBox[1]];
  const [oh, ow] = meta.originalShape;
  for (let i = 0; i < boxes.length; i += 4) {
    let x1 = boxes[i], x2 = boxes[i + 2];
    if (meta.flip) [x1, x2] = [w - x2, w - x1];
    boxes[i] = clamp((x1 + ox) / sx, ow);
    boxes[i + 1] = clamp((boxes[i + 1] + oy) / sy, oh);
    boxes[i + 2] = clamp((x2 + ox) / sx, ow);
    boxes[i + 3] = clamp((boxes[i + 3] + oy) / sy, oh);
  }
  return boxes;
}

function clamp(v: number, hi: number): number {
  return v < 0 ? 0 : v > hi ? hi : v;
}

function concat(parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
