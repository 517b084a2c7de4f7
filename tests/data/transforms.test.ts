import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ComponentConfig } from '../../src/registry/component.js';
import { fromOriginal, geometricOps, toOriginal } from '../../src/data/geometry.js';
import { applyPipeline } from '../../src/data/transform.js';
import { randInt, rngFor, type Rng } from '../../src/data/rng.js';
import type { Sample } from '../../src/data/types.js';
import { resizedSize } from '../../registry/transforms/resize.js';
import { pipeline } from './fixtures.js';

/** A black image with one filled box of a unique colour, the box as its only annotation. */
function boxSample(rng: Rng): Sample {
  const width = randInt(rng, 40, 120);
  const height = randInt(rng, 40, 120);
  const bw = randInt(rng, 8, Math.floor(width / 2));
  const bh = randInt(rng, 8, Math.floor(height / 2));
  const x1 = randInt(rng, 0, width - bw);
  const y1 = randInt(rng, 0, height - bh);
  const image = new Float32Array(width * height * 3);
  for (let y = y1; y < y1 + bh; y += 1) {
    for (let x = x1; x < x1 + bw; x += 1) image.set([200, 40, 120], (y * width + x) * 3);
  }
  return {
    image, height, width,
    boxes: Float32Array.from([x1, y1, x1 + bw, y1 + bh]),
    labels: Int32Array.from([3]),
    ignoreBoxes: new Float32Array(0),
    meta: { imageId: 1, fileName: 'box', originalShape: [height, width], imgShape: [height, width], padShape: [height, width], scaleFactor: [1, 1], flip: false, ops: [] },
  };
}

/** Bounding box of the pixels at least half as red as the drawn colour, or undefined. */
function findBox(s: Pick<Sample, 'image' | 'height' | 'width'>): [number, number, number, number] | undefined {
  let [x1, y1, x2, y2] = [Infinity, Infinity, -Infinity, -Infinity];
  for (let y = 0; y < s.height; y += 1) {
    for (let x = 0; x < s.width; x += 1) {
      if ((s.image[(y * s.width + x) * 3] as number) >= 100) {
        x1 = Math.min(x1, x);
        y1 = Math.min(y1, y);
        x2 = Math.max(x2, x + 1);
        y2 = Math.max(y2, y + 1);
      }
    }
  }
  return x2 < 0 ? undefined : [x1, y1, x2, y2];
}

function assertBoxFound(out: Sample, tolerance: number, what: string): void {
  const found = findBox(out);
  if (out.boxes.length === 0) {
    assert.equal(found, undefined, `${what}: the box was dropped but its pixels remain`);
    return;
  }
  assert.equal(out.boxes.length, 4, what);
  const [bx1, by1, bx2, by2] = out.boxes as unknown as [number, number, number, number];
  if (found === undefined) {
    // A crop can leave a sliver thinner than the pixel grid resolves.
    assert.ok(Math.min(bx2 - bx1, by2 - by1) < 1, `${what}: box ${[...out.boxes]} has no pixels`);
    return;
  }
  for (let k = 0; k < 4; k += 1) {
    const diff = Math.abs((out.boxes[k] as number) - found[k]);
    assert.ok(diff <= tolerance, `${what}: coordinate ${k} is ${out.boxes[k]}, pixels say ${found[k]} (box ${[...out.boxes]}, found ${found})`);
  }
  assert.equal(out.labels[0], 3, `${what}: label follows its box`);
}

function property(name: string, configs: ComponentConfig[], tolerance: number, trials = 60): void {
  test(`boxes stay exact under ${name}`, () => {
    const transforms = pipeline(configs);
    let kept = 0;
    for (let t = 0; t < trials; t += 1) {
      const sample = boxSample(rngFor(1234, t));
      const out = applyPipeline(transforms, sample, rngFor(99, t));
      assert.equal(out.image.length, out.height * out.width * 3);
      assertBoxFound(out, tolerance, `${name}, trial ${t}`);
      if (out.boxes.length > 0) kept += 1;
    }
    assert.ok(kept > trials / 2, `${name}: most trials keep their box (${kept}/${trials})`);
  });
}

property('Resize keep_ratio (up and down)', [{ type: 'Resize', scale: [[200, 150], [64, 48], [97, 311]], keep_ratio: true }], 1);
property('Resize multi-scale range', [{ type: 'Resize', scale: [[200, 60], [90, 40]], multiscale_mode: 'range' }], 1);
property('Resize to a fixed size', [{ type: 'Resize', scale: [150, 70], keep_ratio: false }], 1);
property('RandomFlip', [{ type: 'RandomFlip', prob: 0.5 }], 0);
property('RandomCrop (absolute, boxes may be cut)', [{ type: 'RandomCrop', crop_size: [40, 30], allow_negative_crop: true }], 0);
property('RandomCrop (relative)', [{ type: 'RandomCrop', crop_size: [0.6, 0.7], crop_type: 'relative' }], 0);
property('Pad (divisor and fixed size)', [{ type: 'Pad', size_divisor: 32 }, { type: 'Pad', size: [128, 160] }], 0);
property('Resize → RandomCrop → RandomFlip → Pad', [
  { type: 'Resize', scale: [[160, 160], [100, 100]], keep_ratio: true },
  { type: 'RandomCrop', crop_size: [70, 60] },
  { type: 'RandomFlip', prob: 0.5 },
  { type: 'Pad', size_divisor: 16 },
], 1);
property('RandomFlip → RandomCrop → Resize', [
  { type: 'RandomFlip', prob: 0.5 },
  { type: 'RandomCrop', crop_size: [50, 50] },
  { type: 'Resize', scale: [90, 90], keep_ratio: false },
], 1);

test('the op log maps transformed boxes back to the original box', () => {
  const transforms = pipeline([
    { type: 'RandomFlip', prob: 0.5 },
    { type: 'Resize', scale: [[160, 160], [100, 100]], keep_ratio: true },
    { type: 'RandomCrop', crop_size: [70, 60] },
    { type: 'RandomFlip', prob: 0.5 },
    { type: 'Pad', size_divisor: 32 },
  ]);
  let checked = 0;
  for (let t = 0; t < 40; t += 1) {
    const sample = boxSample(rngFor(7, t));
    const out = applyPipeline(transforms, sample, rngFor(8, t));
    if (out.boxes.length === 0) continue;
    const [a, b] = [toOriginal(out.meta, out.boxes[0] as number, out.boxes[1] as number), toOriginal(out.meta, out.boxes[2] as number, out.boxes[3] as number)];
    const back = [Math.min(a[0], b[0]), Math.min(a[1], b[1]), Math.max(a[0], b[0]), Math.max(a[1], b[1])];
    // The crop may cut the box; the mapped box then lies inside the original one.
    const orig = [...sample.boxes];
    assert.ok(back[0] >= (orig[0] as number) - 1e-3 && back[1] >= (orig[1] as number) - 1e-3, `trial ${t}: ${back} inside ${orig}`);
    assert.ok(back[2] <= (orig[2] as number) + 1e-3 && back[3] <= (orig[3] as number) + 1e-3, `trial ${t}: ${back} inside ${orig}`);
    const uncut = out.meta.cropBox === undefined || out.boxes[0] as number > 0 && out.boxes[2] as number < out.meta.imgShape[1] && out.boxes[1] as number > 0 && out.boxes[3] as number < out.meta.imgShape[0];
    if (uncut) back.forEach((v, k) => assert.ok(Math.abs(v - (orig[k] as number)) < 1e-3, `trial ${t}: ${back} equals ${orig}`));
    checked += 1;
  }
  assert.ok(checked > 20);
});

test('fromOriginal inverts toOriginal; metas without an op log use resize → crop → flip', () => {
  const meta = {
    imageId: 1, fileName: 'x', originalShape: [100, 200] as [number, number], imgShape: [40, 60] as [number, number], padShape: [64, 64] as [number, number],
    scaleFactor: [0.5, 0.5] as [number, number], flip: true, cropBox: [10, 5, 70, 45] as [number, number, number, number],
  };
  assert.deepEqual(geometricOps(meta).map((o) => o.op), ['resize', 'crop', 'flip']);
  // Input x = 0 is the crop's right edge after the flip: resized x 70, original x 140.
  assert.deepEqual(toOriginal(meta, 0, 0), [140, 10]);
  for (const [x, y] of [[3.5, 7.25], [59.5, 0.5], [30, 20]] as [number, number][]) {
    const [ox, oy] = toOriginal(meta, x, y);
    const [bx, by] = fromOriginal(meta, ox, oy);
    assert.ok(Math.abs(bx - x) < 1e-9 && Math.abs(by - y) < 1e-9);
  }
});

test('Resize follows MMDetection keep-ratio sizes and records the scale factor', () => {
  assert.deepEqual(resizedSize(640, 480, [1333, 800], true), [1067, 800]);
  assert.deepEqual(resizedSize(480, 640, [1333, 800], true), [800, 1067]);
  assert.deepEqual(resizedSize(2000, 500, [1333, 800], true), [1333, 333]);
  const [resize] = pipeline([{ type: 'Resize', scale: [100, 100], keep_ratio: true }]);
  const out = applyPipeline([resize!], boxSample(rngFor(1, 1)), rngFor(0));
  assert.equal(Math.max(out.height, out.width), 100);
  assert.ok(Math.abs(out.meta.scaleFactor[0] - out.width / out.meta.originalShape[1]) < 1e-12);
  assert.deepEqual(out.meta.imgShape, [out.height, out.width]);
});

test('Resize range mode draws edges between the two scales', () => {
  const [resize] = pipeline([{ type: 'Resize', scale: [[400, 100], [200, 50]], multiscale_mode: 'range', keep_ratio: false }]);
  const seen = new Set<string>();
  for (let t = 0; t < 30; t += 1) {
    const out = resize!.apply(boxSample(rngFor(2, t)), rngFor(3, t));
    assert.ok(out.width >= 200 && out.width <= 400 && out.height >= 50 && out.height <= 100, `${out.width}x${out.height}`);
    seen.add(`${out.width}x${out.height}`);
  }
  assert.ok(seen.size > 20, 'sizes vary between the two scales');
  assert.throws(() => pipeline([{ type: 'Resize', scale: [[1, 2], [3, 4], [5, 6]], multiscale_mode: 'range' }]), /needs exactly two scales/);
});

test('RandomCrop records its window; without negative crops a box always survives', () => {
  const [cropT] = pipeline([{ type: 'RandomCrop', crop_size: [12, 12] }]);
  for (let t = 0; t < 50; t += 1) {
    const sample = boxSample(rngFor(3, t));
    const out = cropT!.apply(sample, rngFor(4, t));
    assert.equal(out.boxes.length, 4, `trial ${t}: the box survives`);
    const [x1, y1, x2, y2] = out.meta.cropBox!;
    assert.equal(x2 - x1, 12);
    assert.equal(y2 - y1, 12);
    for (let y = 0; y < 12; y += 1) {
      for (let x = 0; x < 12; x += 1) {
        assert.equal(out.image[(y * 12 + x) * 3], sample.image[((y1 + y) * sample.width + x1 + x) * 3]);
      }
    }
  }
});

test('Normalize and PhotometricJitter change pixels only, deterministically per seed', () => {
  const sample = boxSample(rngFor(5, 5));
  const transforms = pipeline([{ type: 'PhotometricJitter', prob: 1 }, { type: 'Normalize', mean: [1, 2, 3], std: [2, 4, 8], to_rgb: false }]);
  const a = applyPipeline(transforms, sample, rngFor(11));
  const b = applyPipeline(transforms, sample, rngFor(11));
  const c = applyPipeline(transforms, sample, rngFor(12));
  assert.deepEqual(a.image, b.image);
  assert.notDeepEqual(a.image, c.image);
  assert.deepEqual(a.boxes, sample.boxes);
  const [norm] = pipeline([{ type: 'Normalize', mean: [1, 2, 3], std: [2, 4, 8], to_rgb: false }]);
  const n = norm!.apply(sample, rngFor(0));
  const i = (sample.boxes[1]! * sample.width + sample.boxes[0]!) * 3;
  // BGR output: channel 0 is the input's blue (120), channel 2 its red (200).
  assert.deepEqual([n.image[i], n.image[i + 1], n.image[i + 2]], [(120 - 1) / 2, (40 - 2) / 4, (200 - 3) / 8]);
});

test('TwoViews gives two independent views, each with its own crop box, flip and exact boxes', () => {
  const transforms = pipeline([
    { type: 'TwoViews', view1: [{ type: 'RandomCrop', crop_size: [36, 36] }, { type: 'RandomFlip', prob: 0.5 }] },
    { type: 'Pad', size_divisor: 32 },
  ]);
  let differ = 0;
  let flipsDiffer = 0;
  for (let t = 0; t < 30; t += 1) {
    const out = applyPipeline(transforms, boxSample(rngFor(21, t)), rngFor(22, t));
    const second = out.secondView;
    assert.ok(second !== undefined, 'the second view is attached');
    assert.equal((second as Sample).secondView, undefined);
    assertBoxFound(out, 0, `view 1, trial ${t}`);
    assertBoxFound(second as Sample, 0, `view 2, trial ${t}`);
    assert.ok(out.meta.cropBox !== undefined && second.meta.cropBox !== undefined);
    assert.deepEqual(second.meta.padShape, [64, 64], 'transforms after TwoViews run on both views');
    if (out.meta.cropBox.join() !== second.meta.cropBox.join()) differ += 1;
    if (out.meta.flip !== second.meta.flip) flipsDiffer += 1;
  }
  assert.ok(differ > 20, `crops are drawn independently (${differ}/30 differ)`);
  assert.ok(flipsDiffer > 5, `flips are drawn independently (${flipsDiffer}/30 differ)`);
});

test('bad transform configs are errors naming the config path', () => {
  assert.throws(() => pipeline([{ type: 'Resize' }, { type: 'Rezise' }]), /test\.pipeline\[1\]: unknown transform type 'Rezise' \(known: .*Resize/);
  assert.throws(() => pipeline([{ type: 'RandomFlip', prob: 2 }]), /test\.pipeline\[0\] \(RandomFlip\): \/prob must be <= 1/);
  assert.throws(() => pipeline([{ type: 'Pad', size_divisr: 32 }]), /test\.pipeline\[0\] \(Pad\): .*additional properties/);
  assert.throws(() => pipeline([{ type: 'Resize', scale: [[10]] }]), /test\.pipeline\[0\]\.scale: expected \[width, height\]/);
  assert.throws(() => pipeline([{ type: 'TwoViews', view1: [{ type: 'Nope' }] }]), /test\.pipeline\[0\]\.view1\[0\]: unknown transform type 'Nope'/);
});
