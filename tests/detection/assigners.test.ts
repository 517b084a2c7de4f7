import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assignAtss } from '../../src/detection/assigners/atss_assigner.js';
import { centerness, fcosTargets } from '../../src/detection/assigners/fcos_targets.js';
import { assignMaxIoU, RETINANET_ASSIGNER } from '../../src/detection/assigners/max_iou_assigner.js';

test('MaxIoU assigner: thresholds 0.5 / 0.4 and a low-quality match', () => {
  const gts = Float32Array.of(0, 0, 10, 10, 40, 40, 50, 50);
  const priors = Float32Array.of(
    0, 0, 10, 10, // IoU 1 with gt 0 → positive
    0, 0, 10, 20, // IoU 0.5 → positive (≥ pos_iou_thr)
    0, 0, 10, 22, // IoU 0.4545: between the thresholds → ignored (−1)
    20, 20, 30, 30, // IoU 0 → negative
    45, 40, 55, 50, // IoU 1/3 with gt 1, its best prior → low-quality positive
  );
  const r = assignMaxIoU(priors, gts, RETINANET_ASSIGNER);
  assert.deepEqual([...r.gtInds], [1, 1, -1, 0, 2]);
  assert.ok(Math.abs(r.maxOverlaps[4] - 1 / 3) < 1e-6);
  const strict = assignMaxIoU(priors, gts, { ...RETINANET_ASSIGNER, matchLowQuality: false });
  assert.deepEqual([...strict.gtInds], [1, 1, -1, 0, 0]);
  assert.deepEqual([...assignMaxIoU(priors, new Float32Array(0), RETINANET_ASSIGNER).gtInds], [0, 0, 0, 0, 0]);
});

test('MaxIoU assigner: negatives lie strictly below neg_iou_thr, so a prior exactly at it is ignored', () => {
  const gts = Float32Array.of(0, 0, 10, 10);
  const priors = Float32Array.of(
    0, 0, 10, 10, // IoU 1 → positive
    0, 0, 4, 10, // IoU 0.4 exactly → ignored (−1), as in mmdet
    0, 0, 3.9, 10, // IoU 0.39 → negative
    0, 0, 5, 10, // IoU 0.5 exactly → positive
  );
  assert.deepEqual([...assignMaxIoU(priors, gts, RETINANET_ASSIGNER).gtInds], [1, -1, 0, 1]);
  // 0.4 has no float32 value; at a threshold IoUs can hit exactly (3/8) the prior on it is still not a negative.
  const eighths = assignMaxIoU(Float32Array.of(0, 0, 10, 10, 0, 0, 3.75, 10, 0, 0, 3.7, 10), gts, { ...RETINANET_ASSIGNER, negIouThr: 0.375 });
  assert.deepEqual([...eighths.gtInds], [1, -1, 0]);
  assert.equal(eighths.maxOverlaps[1], 0.375);
});

test('MaxIoU assigner ignores priors inside an ignore region', () => {
  const r = assignMaxIoU(Float32Array.of(0, 0, 10, 10, 100, 100, 110, 110), Float32Array.of(0, 0, 10, 10), { ...RETINANET_ASSIGNER, ignoreIofThr: 0.5 }, Float32Array.of(95, 95, 120, 120));
  assert.deepEqual([...r.gtInds], [1, -1]);
});

test('MaxIoU assigner: ignore regions by IoF strictly above the threshold, for every ignore box, never a positive', () => {
  const gts = Float32Array.of(0, 0, 10, 10);
  const priors = Float32Array.of(
    0, 0, 10, 10, // the gt itself → positive, though inside the first ignore box
    300, 300, 310, 310, // outside both → negative
    50, 50, 60, 60, // wholly inside the first ignore box (IoF 1, IoU 0.01) → ignored
    100, 100, 110, 110, // half inside the second ignore box (IoF exactly 0.5) → stays negative
    120, 200, 130, 210, // inside the second ignore box (IoF 1) → ignored
    400, 400, 410, 410, // outside both → negative
  );
  const ignore = Float32Array.of(0, 0, 100, 100, 105, 100, 200, 300);
  const r = assignMaxIoU(priors, gts, { ...RETINANET_ASSIGNER, ignoreIofThr: 0.5 }, ignore);
  assert.deepEqual([...r.gtInds], [1, 0, -1, 0, -1, 0]);
  assert.deepEqual([...assignMaxIoU(priors, gts, RETINANET_ASSIGNER, ignore).gtInds], [1, 0, 0, 0, 0, 0], 'ignore_iof_thr −1 disables ignoring');
  assert.deepEqual([...assignMaxIoU(priors, gts, { ...RETINANET_ASSIGNER, ignoreIofThr: 0.5 }, new Float32Array(0)).gtInds], [1, 0, 0, 0, 0, 0]);
});

test('MaxIoU assigner: a prior tied between two gts goes to the first; min_pos_iou gates low-quality matches inclusively', () => {
  const gts = Float32Array.of(0, 0, 10, 10, 5, 0, 15, 10);
  // IoU 1/3 with each gt; without low-quality matching it is ignored, its best gt being the first.
  const tied = Float32Array.of(0, 0, 15, 10, 100, 100, 110, 110);
  const strict = assignMaxIoU(tied, gts, { ...RETINANET_ASSIGNER, negIouThr: 0.3, posIouThr: 0.3, matchLowQuality: false });
  assert.deepEqual([...strict.gtInds], [1, 0]);
  // A gt whose best IoU is 1/3 claims that prior at min_pos_iou 1/3 (float32 IoU) and not above it.
  const lone = Float32Array.of(0, 0, 10, 10);
  const third = Float32Array.of(0, 0, 30, 10);
  const atMin = assignMaxIoU(third, lone, { ...RETINANET_ASSIGNER, minPosIou: Math.fround(1 / 3) });
  assert.deepEqual([...atMin.gtInds], [1]);
  assert.deepEqual([...assignMaxIoU(third, lone, { ...RETINANET_ASSIGNER, minPosIou: 0.34 }).gtInds], [0]);
  assert.throws(() => assignMaxIoU(third.subarray(0, 3), lone, RETINANET_ASSIGNER), /^Error: assignMaxIoU priors: length 3 is not a multiple of 4$/);
  assert.throws(() => assignMaxIoU(third, lone.subarray(0, 2), RETINANET_ASSIGNER), /^Error: assignMaxIoU gts: length 2 is not a multiple of 4$/);
});

test('ATSS assigner: top-k per level, mean + std threshold, centre inside', () => {
  const gts = Float32Array.of(0, 0, 10, 10);
  // level 0: IoUs 1, 2/3, 3/7 (nearest three), and one far prior; level 1: IoUs 1/9, 0.
  const priors = Float32Array.of(0, 0, 10, 10, 2, 0, 12, 10, 0, 4, 10, 14, 50, 50, 60, 60, -10, -10, 20, 20, 20, -10, 50, 20);
  // candidates' IoUs [1, .667, .429, .111, 0]: mean + unbiased std = 0.8496, so only the first passes.
  const r = assignAtss(priors, [4, 2], gts, { topk: 3, ignoreIofThr: -1 });
  assert.deepEqual([...r.gtInds], [1, 0, 0, 0, 0, 0]);
  // With top-1 per level the candidates are IoUs [1, 1/9]: threshold 0.556 + 0.629 > 1, nobody is positive.
  assert.deepEqual([...assignAtss(priors, [4, 2], gts, { topk: 1, ignoreIofThr: -1 }).gtInds], [0, 0, 0, 0, 0, 0]);
  // A prior positive for two gts (IoU 0.909 and 0.917, thresholds ≈ 0.59) goes to the one it overlaps most.
  const shared = Float32Array.of(0, 0, 10, 11, 40, 40, 50, 50, 60, 40, 70, 50, 40, 60, 50, 70, 60, 60, 70, 70);
  const two = Float32Array.of(0, 0, 10, 10, 0, 0, 10, 12);
  assert.deepEqual([...assignAtss(shared, [5], two, { topk: 9, ignoreIofThr: -1 }).gtInds], [2, 0, 0, 0, 0]);
  assert.deepEqual([...assignAtss(shared, [5], two.subarray(0, 4), { topk: 9, ignoreIofThr: -1 }).gtInds], [1, 0, 0, 0, 0]);
});

test('FCOS targets: regress ranges, smallest area, centre sampling', () => {
  // two levels, stride 8 (points at 4, 12, 20, ...) and stride 16; one row of points each.
  const points = Float32Array.of(4, 4, 12, 4, 20, 4, 28, 4, 8, 8, 24, 8);
  const gts = Float32Array.of(0, 0, 32, 10, 10, 0, 30, 8);
  const labels = Int32Array.of(0, 1);
  const opts = { regressRanges: [[-1, 16], [16, 1e8]] as [number, number][], centerSampling: false, centerSampleRadius: 1.5 };
  const t = fcosTargets(points, [4, 2], [8, 16], gts, labels, 2, opts);
  // point (4,4): only gt0, max distance 28 > 16 → background on level 0.
  // (12,4): gt1 (area 160 < 320) has l,t,r,b = 2,4,18,4, max 18 > 16, gt0 max 20 → background.
  // (20,4): gt1 max 10 → label 1. (28,4): gt1 max 18, gt0 max 28 → background.
  // level 1, (8,8): gt0 max(8,8,24,2) = 24 ∈ [16, ∞) → gt0; (24,8): gt1 has b = 0 → not inside; gt0 → label 0.
  assert.deepEqual([...t.labels], [2, 2, 1, 2, 0, 0]);
  assert.deepEqual([...t.distances.subarray(16, 20)], [8, 8, 24, 2]);
  const wide = fcosTargets(points, [4, 2], [8, 16], gts, labels, 2, { ...opts, regressRanges: [[-1, 1e8], [-1, 1e8]] });
  // (20,4) lies in both gts: the smaller gt1 wins.
  assert.deepEqual([...wide.labels], [0, 1, 1, 1, 0, 0]);
  assert.deepEqual([...wide.gtIndex], [0, 1, 1, 1, 0, 0]);
  // centre sampling, radius 0.5 (open intervals): level 0 (±4): gt0 x ∈ (12, 20), gt1 x ∈ (16, 24) → only (20,4) in gt1;
  // level 1 (±8, clipped to the gt): gt0 x ∈ (8, 24), gt1 x ∈ (12, 28) but y ∈ (0, 8) → none.
  const cs = fcosTargets(points, [4, 2], [8, 16], gts, labels, 2, { ...opts, regressRanges: [[-1, 1e8], [-1, 1e8]], centerSampling: true, centerSampleRadius: 0.5 });
  assert.deepEqual([...cs.labels], [2, 2, 1, 2, 2, 2]);
  assert.ok(Math.abs(centerness(Float32Array.of(2, 3, 8, 5))[0] - Math.sqrt((2 / 8) * (3 / 5))) < 1e-7);
});

test('FCOS targets: range bounds are inclusive, equal areas go to the first gt, areas are w·h, distances are from the point', () => {
  const opts = { regressRanges: [[8, 16]] as [number, number][], centerSampling: false, centerSampleRadius: 1.5 };
  // Point (20, 20) in a gt whose farthest side is exactly 8 (lo) and in one exactly 16 (hi) away.
  const at = Float32Array.of(20, 20);
  assert.deepEqual([...fcosTargets(at, [1], [8], Float32Array.of(12, 14, 26, 26), Int32Array.of(1), 3, opts).distances], [8, 6, 6, 6]);
  assert.deepEqual([...fcosTargets(at, [1], [8], Float32Array.of(4, 10, 30, 30), Int32Array.of(2), 3, opts).labels], [2]);
  assert.deepEqual([...fcosTargets(at, [1], [8], Float32Array.of(3, 10, 30, 30), Int32Array.of(2), 3, opts).labels], [3], 'just past hi: background');
  const wide = { ...opts, regressRanges: [[-1, 1e8]] as [number, number][] };
  // Equal areas (20×20 each): the first gt in the list wins.
  const tie = fcosTargets(at, [1], [8], Float32Array.of(10, 10, 30, 30, 15, 12, 35, 32), Int32Array.of(0, 1), 3, wide);
  assert.deepEqual([[...tie.labels], [...tie.gtIndex]], [[0], [0]]);
  // A 40×10 gt (area 400) and a 30×30 one (area 900): the smaller area wins, not the smaller w/h or w + h.
  const areas = fcosTargets(at, [1], [8], Float32Array.of(5, 5, 35, 35, 0, 15, 40, 25), Int32Array.of(0, 1), 3, wide);
  assert.deepEqual([[...areas.labels], [...areas.gtIndex], [...areas.distances]], [[1], [1], [20, 5, 20, 5]]);
  // Centre sampling clips the centre region to the gt on every side: a tall gt near the top edge.
  const centre = { regressRanges: [[-1, 1e8]] as [number, number][], centerSampling: true, centerSampleRadius: 1 };
  const points = Float32Array.of(20, 2, 20, 9, 20, 11);
  // gt y ∈ [1, 17], centre 9, radius 8 → y ∈ (max(1, 1), min(17, 17)) = (1, 17): all three inside; a gt y ∈ [5, 13]: (5, 13).
  assert.deepEqual([...fcosTargets(points, [3], [8], Float32Array.of(10, 1, 30, 17), Int32Array.of(0), 1, centre).labels], [0, 0, 0]);
  assert.deepEqual([...fcosTargets(points, [3], [8], Float32Array.of(10, 5, 30, 13), Int32Array.of(0), 1, centre).labels], [1, 0, 0]);
});

test('FCOS targets: without gts every point is background with gt index −1; inconsistent inputs are refused by name', () => {
  const opts = { regressRanges: [[-1, 64], [64, 1e8]] as [number, number][], centerSampling: false, centerSampleRadius: 1.5 };
  const points = Float32Array.of(4, 4, 12, 4, 8, 8);
  const empty = fcosTargets(points, [2, 1], [8, 16], new Float32Array(0), new Int32Array(0), 4, opts);
  assert.deepEqual([[...empty.labels], [...empty.gtIndex], [...empty.distances]], [[4, 4, 4], [-1, -1, -1], new Array(12).fill(0)]);
  const one = fcosTargets(points, [2, 1], [8, 16], Float32Array.of(0, 0, 10, 10), Int32Array.of(3), 4, opts);
  assert.deepEqual([[...one.labels], [...one.gtIndex]], [[3, 4, 4], [0, -1, -1]]);
  const gts = Float32Array.of(0, 0, 10, 10);
  assert.throws(() => fcosTargets(points, [2, 1], [8, 16], gts, Int32Array.of(0), 4, { ...opts, regressRanges: [[-1, 1e8]] }), /^Error: fcosTargets: 2 levels but 1 regress ranges and 2 strides$/);
  assert.throws(() => fcosTargets(points, [2, 1], [8], gts, Int32Array.of(0), 4, opts), /^Error: fcosTargets: 2 levels but 2 regress ranges and 1 strides$/);
  assert.throws(() => fcosTargets(points, [2, 1], [8, 16], gts, Int32Array.of(0, 1), 4, opts), /^Error: fcosTargets: 1 boxes but 2 labels$/);
  assert.throws(() => fcosTargets(points, [2, 1], [8, 16], gts, Int32Array.of(4), 4, opts), /^Error: fcosTargets: box 0 has label 4, outside \[0, 4\)$/);
  assert.throws(() => fcosTargets(points, [2, 1], [8, 16], gts, Int32Array.of(-1), 4, opts), /^Error: fcosTargets: box 0 has label -1, outside \[0, 4\)$/);
});
