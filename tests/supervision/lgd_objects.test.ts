/**
 * What LGD's teacher is built from, by hand: descriptors of several images (a dummy object where an image
 * has none, labels checked), inside masks at the level's edges, the masks split per image, the label encoder.
 */
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { initEngine } from '../../src/engine/init.js';
import { tf, type Tensor2D } from '../../src/engine/tf.js';
import { PointNetLabelEncoder, splitRows } from '../../src/supervision/lgd/label_encoder.js';
import { insideMasks, teacherObjects } from '../../src/supervision/lgd/objects.js';
import { DynamicTeacher } from '../../src/supervision/lgd/teacher.js';

before(async () => {
  await initEngine({ backend: 'wasm', log: false });
});

const close = (got: Float32Array, want: number[], what: string): void => {
  assert.equal(got.length, want.length, `${what}: length`);
  want.forEach((v, i) => assert.ok(Math.abs(got[i] - v) < 1e-6, `${what}[${i}]: ${got[i]} vs ${v}`));
};

test('descriptors of a batch: 2·[x1/W, y1/H, x2/W, y2/H, one-hot] − 1 per object, the official dummy (0, 0, 1, 1) of class 0 for an image without boxes', () => {
  const gt = {
    boxes: [Float32Array.of(8, 16, 24, 48, 4, 4, 12, 12), new Float32Array(0)],
    labels: [Int32Array.of(0, 2), new Int32Array(0)],
  };
  // W = 32, H = 64, three classes.
  const o = teacherObjects(gt, 3, 64, 32, false);
  assert.deepEqual(o.counts, [2, 1]);
  const rows = [
    [8 / 32, 16 / 64, 24 / 32, 48 / 64, 1, 0, 0],
    [4 / 32, 4 / 64, 12 / 32, 12 / 64, 0, 0, 1],
    [0, 0, 1 / 32, 1 / 64, 1, 0, 0],
  ];
  close(o.descriptors, rows.flat().map((v) => 2 * v - 1), 'descriptors');
  close(o.boxes, [8, 16, 24, 48, 4, 4, 12, 12, 0, 0, 1, 1], 'boxes');
  for (const bad of [3, -1]) {
    assert.throws(() => teacherObjects({ boxes: [Float32Array.of(0, 0, 4, 4)], labels: [Int32Array.of(bad)] }, 3, 64, 32, false), new RegExp(`^Error: LGD: label ${bad} of image 0 is outside \\[0, 3\\)$`));
  }
});

test('inside masks at the right and bottom edges of a level stay within their own object', () => {
  // Level 4×4 of a 16×16 input. Object 0 covers columns 2–3 and rows 2–3 (the corner); object 1 covers only (0, 0).
  const m = insideMasks(Float32Array.of(8, 8, 16, 16, 0, 0, 2, 2), 0, 2, 4, 4, 16, 16);
  const corner = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0, 0, 1, 1];
  assert.deepEqual(Array.from(m.subarray(0, 16)), corner);
  assert.deepEqual(Array.from(m.subarray(16)), [1, ...new Array<number>(15).fill(0)]);
  // A box on the right edge only: the next row's first column stays outside.
  assert.deepEqual(Array.from(insideMasks(Float32Array.of(12, 0, 16, 4), 0, 1, 4, 4, 16, 16)), [0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0]);
});

test("the teacher's level masks are each image's own objects", () => {
  const teacher = new DynamicTeacher({ numClasses: 3, channels: 8, numHeads: 1, pattern: 'student' });
  const gt = { boxes: [Float32Array.of(0, 0, 4, 4), Float32Array.of(12, 12, 16, 16, 0, 12, 4, 16)], labels: [Int32Array.of(0), Int32Array.of(1, 2)] };
  const objects = teacherObjects(gt, 3, 16, 16, false);
  const masks = teacher.levelMasks(objects, 4, 4, 16, 16).map((t) => Array.from(t.dataSync()));
  assert.deepEqual(masks.map((m) => m.length), [16, 32]);
  assert.deepEqual(masks[0], Array.from(insideMasks(objects.boxes, 0, 1, 4, 4, 16, 16)));
  assert.deepEqual(masks[1], Array.from(insideMasks(objects.boxes, 1, 2, 4, 4, 16, 16)));
  assert.notDeepEqual(masks[1].slice(0, 16), masks[0]);
});

test('the label encoder normalises without affine parameters (official LayerNorm(elementwise_affine=False)) and splits rows by exact object counts', () => {
  const encoder = new PointNetLabelEncoder(7, 8);
  const names = encoder.namedParameters().map(([n]) => n);
  assert.ok(names.some((n) => n.endsWith('fc.weight')));
  assert.deepEqual(names.filter((n) => n.includes('.ln.')), []);
  const rows = tf.zeros([3, 2]) as Tensor2D;
  assert.deepEqual(splitRows(rows, [2, 1]).map((t) => t.shape), [[2, 2], [1, 2]]);
  assert.throws(() => splitRows(rows, [2, 2]), /^Error: object counts sum to 4 but there are 3 rows$/);
});
