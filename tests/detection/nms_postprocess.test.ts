import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ImageMeta } from '../../src/data/types.js';
import { batchedNms, nms } from '../../src/detection/nms.js';
import { DEFAULT_TEST_CONFIG, postprocessImage, toOriginal } from '../../src/detection/postprocess.js';

const boxes = Float32Array.of(0, 0, 10, 10, 1, 0, 11, 10, 0, 0, 10, 6, 20, 20, 30, 30);
const scores = Float32Array.of(0.9, 0.8, 0.7, 0.6);

test('greedy NMS suppresses above the threshold only', () => {
  // IoU(0,1) = 90/110 = 0.818, IoU(0,2) = 0.6, box 3 is disjoint.
  assert.deepEqual(nms(boxes, scores, 0.5), [0, 3]);
  assert.deepEqual(nms(boxes, scores, 0.7), [0, 2, 3]);
  assert.deepEqual(nms(boxes, scores, 0.6), [0, 2, 3], 'IoU exactly at the threshold is kept');
  assert.deepEqual(nms(boxes, scores, 0.5, 1), [0]);
});

test('batched NMS never suppresses across classes', () => {
  assert.deepEqual(batchedNms(boxes, scores, Int32Array.of(0, 1, 0, 0), 0.5), [0, 1, 3]);
  // class 0 holds boxes 0 (.5), 2 (.7), 3 (.6): box 2 suppresses box 0 (IoU 0.6).
  assert.deepEqual(batchedNms(boxes, Float32Array.of(0.5, 0.8, 0.7, 0.6), Int32Array.of(0, 1, 0, 0), 0.5), [1, 2, 3]);
});

test('NMS keeps equal scores in index order; batched NMS of nothing keeps nothing', () => {
  const tied = Float32Array.of(0.5, 0.5, 0.5, 0.5);
  assert.deepEqual(nms(boxes, tied, 0.5), [0, 3]);
  assert.deepEqual(nms(boxes, tied, 0.9), [0, 1, 2, 3]);
  assert.deepEqual(nms(new Float32Array(0), new Float32Array(0), 0.5), []);
  assert.deepEqual(batchedNms(new Float32Array(0), new Float32Array(0), new Int32Array(0), 0.5), []);
});

test('batched NMS keeps classes apart even at IoU threshold 0 and for boxes touching the largest coordinate', () => {
  const same = Float32Array.of(0, 0, 10, 10, 0, 0, 10, 10, 0.5, 0.5, 10, 10);
  assert.deepEqual(batchedNms(same, Float32Array.of(0.9, 0.8, 0.7), Int32Array.of(0, 1, 2), 0), [0, 1, 2]);
  assert.deepEqual(batchedNms(same, Float32Array.of(0.9, 0.8, 0.7), Int32Array.of(0, 1, 1), 0), [0, 1]);
});

test('NMS inputs of mismatched lengths are errors naming both lengths', () => {
  assert.throws(() => nms(boxes, Float32Array.of(0.9), 0.5), /^Error: nms: 4 boxes but 1 scores$/);
  assert.throws(() => nms(boxes.subarray(0, 6), scores, 0.5), /^Error: nms boxes: length 6 is not a multiple of 4$/);
  assert.throws(() => batchedNms(boxes, scores, Int32Array.of(0, 1), 0.5), /^Error: batchedNms: 4 boxes but 2 labels$/);
  assert.throws(() => batchedNms(boxes.subarray(0, 5), scores, Int32Array.of(0), 0.5), /^Error: batchedNms boxes: length 5 is not a multiple of 4$/);
});

const meta: ImageMeta = {
  imageId: 7, fileName: 'x.png', originalShape: [100, 200], imgShape: [50, 100], padShape: [64, 128], scaleFactor: [0.5, 0.5], flip: false,
};

test('boxes map back through flip, crop and resize, then clip', () => {
  assert.deepEqual([...toOriginal(Float32Array.of(10, 5, 30, 25), meta)], [20, 10, 60, 50]);
  // flipped about the 100-px content width: x ∈ [10, 30] came from [70, 90].
  assert.deepEqual([...toOriginal(Float32Array.of(10, 5, 30, 25), { ...meta, flip: true })], [140, 10, 180, 50]);
  // crop offset (20, 4) in resized pixels, then clipping to the 200 × 100 original.
  assert.deepEqual([...toOriginal(Float32Array.of(10, 5, 90, 60), { ...meta, cropBox: [20, 4, 120, 54] })], [60, 18, 200, 100]);
});

test('postprocess: score threshold, score factors, class-aware NMS, max per image', () => {
  // two priors, two classes; prior boxes are fixed, the decoder returns them by index.
  const priorBoxes = Float32Array.of(0, 0, 20, 20, 2, 0, 22, 20);
  const level = {
    scores: Float32Array.of(0.9, 0.04, 0.8, 0.3),
    numClasses: 2,
    scoreFactors: Float32Array.of(0.5, 1),
    decode: (idx: Int32Array) => {
      const out = new Float32Array(4 * idx.length);
      idx.forEach((p, j) => out.set(priorBoxes.subarray(4 * p, 4 * p + 4), 4 * j));
      return out;
    },
  };
  const r = postprocessImage([level], meta, DEFAULT_TEST_CONFIG);
  // candidates (prior, class, score·factor): (0,0,.45), (1,0,.8), (1,1,.3); (0,1) is under 0.05.
  // class 0: prior 1 (.8) suppresses prior 0 (IoU 0.818); class 1 kept.
  assert.equal(r.imageId, 7);
  assert.deepEqual([...r.labels], [0, 1]);
  assert.deepEqual([...r.scores].map((s) => +s.toFixed(4)), [0.8, 0.3]);
  assert.deepEqual([...r.boxes], [4, 0, 44, 40, 4, 0, 44, 40]);
  assert.equal(postprocessImage([level], meta, { ...DEFAULT_TEST_CONFIG, maxPerImg: 1 }).labels.length, 1);
});

test("score voting moves a kept box to the weighted mean of its class's candidates (PAA)", () => {
  const priorBoxes = Float32Array.of(0, 0, 20, 20, 2, 0, 22, 20, 40, 40, 60, 60);
  const level = {
    scores: Float32Array.of(0.9, 0.6, 0.04),
    numClasses: 1,
    decode: (idx: Int32Array) => {
      const out = new Float32Array(4 * idx.length);
      idx.forEach((p, j) => out.set(priorBoxes.subarray(4 * p, 4 * p + 4), 4 * j));
      return out;
    },
  };
  const identity: ImageMeta = { ...meta, originalShape: [100, 100], imgShape: [100, 100], scaleFactor: [1, 1] };
  const r = postprocessImage([level], identity, { ...DEFAULT_TEST_CONFIG, scoreVoting: true });
  // box 1 (IoU 360/440 with box 0) is suppressed but votes: weights e^{−(1−IoU)²/0.025}·score.
  const iou = 360 / 440;
  const w0 = 0.9, w1 = Math.exp(-((1 - iou) ** 2) / 0.025) * 0.6;
  assert.equal(r.scores.length, 1);
  const x1 = (w1 * 2) / (w0 + w1), x2 = (w0 * 20 + w1 * 22) / (w0 + w1);
  [x1, 0, x2, 20].forEach((v, k) => assert.ok(Math.abs(r.boxes[k] - v) < 1e-4, `coord ${k}: ${r.boxes[k]} vs ${v}`));
  assert.equal(r.scores[0], postprocessImage([level], identity, DEFAULT_TEST_CONFIG).scores[0], 'the score is unchanged');
});
