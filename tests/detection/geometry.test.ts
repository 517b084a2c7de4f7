import { test } from 'node:test';
import assert from 'node:assert/strict';
import { alignedGIoU, boxOverlaps } from '../../src/detection/boxes.js';
import { DeltaXYWHCoder } from '../../src/detection/coders/delta_xywh.js';
import { decodeDistances, encodeDistances } from '../../src/detection/coders/distance_point.js';
import { AnchorGenerator } from '../../src/detection/priors/anchor_generator.js';
import { PointGenerator } from '../../src/detection/priors/point_generator.js';

function close(actual: ArrayLike<number>, expected: number[], tol = 1e-4): void {
  assert.equal(actual.length, expected.length);
  for (let i = 0; i < expected.length; i++) assert.ok(Math.abs(actual[i] - expected[i]) <= tol, `[${i}] ${actual[i]} vs ${expected[i]}`);
}

test('IoU and IoF matrices', () => {
  const a = Float32Array.of(0, 0, 10, 10, 5, 5, 15, 15);
  const b = Float32Array.of(0, 0, 10, 10, 0, 0, 5, 5, 20, 20, 30, 30);
  // row 1: intersection 25 with b0 (union 175), 0 with b1 (touching corner), 0 with b2.
  close(boxOverlaps(a, b), [1, 0.25, 0, 25 / 175, 0, 0]);
  close(boxOverlaps(a, b, 'iof'), [1, 0.25, 0, 0.25, 0, 0]);
});

test('GIoU of overlapping and disjoint pairs', () => {
  // inter 1, union 7, enclosing 3×3: 1/7 − 2/9; disjoint: 0 − (3 − 2)/3.
  close(alignedGIoU(Float32Array.of(0, 0, 2, 2, 0, 0, 1, 1, 1, 1, 4, 4), Float32Array.of(1, 1, 3, 3, 2, 0, 3, 1, 1, 1, 4, 4)), [1 / 7 - 2 / 9, -1 / 3, 1]);
});

test('delta-xywh coder: hand-computed deltas and a round trip with stds', () => {
  const plain = new DeltaXYWHCoder();
  // anchor centre (5,5) size 10; gt centre (7,4) size 20×5.
  close(plain.encode(Float32Array.of(0, 0, 10, 10), Float32Array.of(-3, 1.5, 17, 6.5)), [0.2, -0.1, Math.log(2), Math.log(0.5)]);
  const coder = new DeltaXYWHCoder({ means: [0, 0, 0, 0], stds: [0.1, 0.1, 0.2, 0.2] });
  const anchors = Float32Array.of(0, 0, 10, 10, 16, 8, 48, 72);
  const gts = Float32Array.of(-3, 1.5, 17, 6.5, 20, 0, 40, 100);
  close(coder.decode(anchors, coder.encode(anchors, gts)), [...gts]);
  close(coder.decode(anchors, coder.encode(anchors, gts), [50, 30]), [0, 1.5, 17, 6.5, 20, 0, 30, 50]);
});

test('distance-point coder round trip', () => {
  const points = Float32Array.of(4, 4, 20, 12);
  const boxes = Float32Array.of(0, 1, 10, 9, 8, 8, 24, 40);
  const d = encodeDistances(points, boxes);
  close(d, [4, 3, 6, 5, 12, 4, 4, 28]);
  close(decodeDistances(points, d), [...boxes]);
});

test("anchor generator reproduces mmdet's RetinaNet base anchors at stride 8", () => {
  const gen = new AnchorGenerator({ strides: [8, 16, 32, 64, 128], ratios: [0.5, 1, 2], octaveBaseScale: 4, scalesPerOctave: 3 });
  assert.equal(gen.numBaseAnchors, 9);
  close(gen.base(0), [
    -22.6274, -11.3137, 22.6274, 11.3137, -28.5088, -14.2544, 28.5088, 14.2544, -35.9188, -17.9594, 35.9188, 17.9594,
    -16, -16, 16, 16, -20.1587, -20.1587, 20.1587, 20.1587, -25.3984, -25.3984, 25.3984, 25.3984,
    -11.3137, -22.6274, 11.3137, 22.6274, -14.2544, -28.5088, 14.2544, 28.5088, -17.9594, -35.9188, 17.9594, 35.9188,
  ]);
  // Level 1 (stride 16), ratio 1, scale 4: a 64-px square centred on the cell corner.
  close(gen.base(1).subarray(12, 16), [-32, -32, 32, 32]);
  const grid = gen.gridAnchors(0, 3, 4);
  assert.equal(grid.length, 3 * 4 * 9 * 4);
  // cell (y=1, x=2), anchor 3 (ratio 1, scale 4) is shifted by (16, 8).
  const i = ((1 * 4 + 2) * 9 + 3) * 4;
  close(grid.subarray(i, i + 4), [0, -8, 32, 24]);
});

test('point generator places cell centres row-major', () => {
  const pts = new PointGenerator([8, 16]).gridPoints(1, 2, 3);
  close(pts, [8, 8, 24, 8, 40, 8, 8, 24, 24, 24, 40, 24]);
});
