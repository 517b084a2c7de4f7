/** `detlab infer`, the library's loadDetector and `detlab data browse` on a tiny trained detector. */
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import fg from 'fast-glob';
import sharp from 'sharp';
import { loadDetector } from 'detlab';
import { tf } from '../../src/engine/tf.js';
import { loadGroundTruth, loadResults } from '../../src/eval/index.js';
import { runCli } from '../cli/run_cli.js';
import { TINY_CONFIG, settledCount, trainTinyDetector, type TinyDetector } from '../helpers/tiny_detector.js';

const dir = mkdtempSync(join(tmpdir(), 'detlab-infer-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let tiny: TinyDetector;
let valDir: string;
let annFile: string;
before(async () => {
  tiny = await trainTinyDetector(dir);
  const [ann] = await fg('*/annotations/val.json', { cwd: join(dir, 'shapes'), absolute: true });
  annFile = ann!;
  valDir = join(annFile, '../../val');
});
const setArgs = (): string[] => tiny.sets.flatMap((s) => ['--set', s]);

interface CocoDetection { image_id: number; category_id: number; bbox: number[]; score: number }

test('infer draws every image, writes results that the results loader accepts, and counts an unreadable file', async () => {
  const out = join(dir, 'infer');
  const junk = join(dir, 'notes.png');
  writeFileSync(junk, 'not an image');
  const r = await runCli(['infer', TINY_CONFIG, '--checkpoint', tiny.checkpoint, valDir, junk, '--out', out, '--score-thr', '0', '--batch', '3', ...setArgs()]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /infer: 1 × files that cannot be decoded as images \(.*notes\.png: cannot be read as an image/);
  assert.match(r.stdout, /^4 images, \d+ detections with score >= 0 /m);
  assert.deepEqual(readdirSync(out).sort(), ['000000.png', '000001.png', '000002.png', '000003.png', 'images.json', 'results.json']);
  const meta = await sharp(join(out, '000000.png')).metadata();
  assert.equal(meta.width, 256, '64 px images are drawn 4x');

  const gtJson = JSON.parse(readFileSync(annFile, 'utf8')) as { images: { id: number; file_name: string }[] };
  const images = JSON.parse(readFileSync(join(out, 'images.json'), 'utf8')) as { id: number; file_name: string }[];
  assert.deepEqual(images.map((i) => i.id), gtJson.images.map((i) => i.id), 'val images keep their COCO ids');
  const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as CocoDetection[];
  assert.ok(results.length > 0);
  const gt = loadGroundTruth(gtJson, annFile);
  assert.equal(loadResults(results, gt, 'results.json').count, results.length, 'every detection is valid against the ground truth');

  const missing = await runCli(['infer', TINY_CONFIG, '--checkpoint', tiny.checkpoint, join(dir, 'nope'), '--out', out, ...setArgs()]);
  assert.equal(missing.code, 1);
  assert.equal(missing.stderr.trim(), `${join(dir, 'nope')}: no such file or folder`);
});

test("loadDetector from 'detlab' predicts the same on a file, its tensor and in a batch, and matches detlab infer", async () => {
  const detector = await loadDetector(TINY_CONFIG, { checkpoint: tiny.checkpoint, overrides: tiny.sets, log: false });
  try {
    assert.deepEqual(detector.classes, ['circle', 'square', 'triangle', 'star', 'ring', 'cross']);
    const file = join(valDir, '000001.png');
    const { data, info } = await sharp(file).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    const tensor = tf.tensor3d(new Uint8Array(data), [info.height, info.width, 3], 'int32');
    const [fromFile] = await detector.predict(file);
    const [fromTensor] = await detector.predict(tensor);
    tensor.dispose();
    const batched = await detector.predict([join(valDir, '000000.png'), file], { batchSize: 2 });
    assert.deepEqual(fromTensor.detections, fromFile.detections);
    assert.equal(fromFile.width, 64);
    const scores = fromFile.detections.map((d) => d.score);
    const k = settledCount(scores, 10);
    assert.ok(k >= 1, `top scores ${scores.slice(0, 3).join(', ')} are apart`);
    batched[1].detections.slice(0, k).forEach((d, i) => {
      assert.equal(d.label, fromFile.detections[i].label);
      d.bbox.forEach((v, j) => assert.ok(Math.abs(v - fromFile.detections[i].bbox[j]) < 1e-3, `detection ${i} in a batch of 2`));
    });

    // detlab infer ran the same weights on the same file (image id 2 is 000001.png) in a batch of 3.
    const results = (JSON.parse(readFileSync(join(dir, 'infer/results.json'), 'utf8')) as CocoDetection[]).filter((r) => r.image_id === 2);
    assert.equal(results.length, fromFile.detections.length);
    results.slice(0, k).forEach((r, i) => {
      const [x1, y1, x2, y2] = fromFile.detections[i].bbox;
      [x1, y1, x2 - x1, y2 - y1].forEach((v, j) => assert.ok(Math.abs(r.bbox[j] - v) < 1e-3, `results.json detection ${i}`));
    });
  } finally {
    detector.dispose();
  }
});

test('data browse draws the pipeline output with its boxes, both views for a two-view pipeline', async () => {
  const sheet = join(dir, 'sheet.png');
  const r = await runCli(['data', 'browse', TINY_CONFIG, '--split', 'val', '--n', '3', '--out', sheet, ...setArgs()]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /3 images of data\.val after the pipeline/);
  const one = await sharp(sheet).metadata();
  // Three 256 px tiles (64 px images enlarged 4x) in 2 columns, 8 px gaps, 18 px titles.
  assert.deepEqual([one.width, one.height], [2 * 256 + 3 * 8, 2 * (256 + 18) + 3 * 8]);

  const two = join(dir, 'two.png');
  const views = 'data.train.dataset.pipeline=[{type: TwoViews, view1: [{type: Normalize}, {type: Pad, size_divisor: 32}], view2: [{type: RandomFlip, prob: 1.0}, {type: Normalize}, {type: Pad, size_divisor: 32}]}]';
  const r2 = await runCli(['data', 'browse', TINY_CONFIG, '--n', '2', '--out', two, ...setArgs(), '--set', views]);
  assert.equal(r2.code, 0, r2.stderr);
  assert.match(r2.stdout, /2 images of data\.train \(two views each\)/);
  const second = await sharp(two).metadata();
  assert.equal(second.width, 2 * 256 + 3 * 8, 'each image and its second view side by side');
});

test('a copy of a val image elsewhere is inferred under a new id', async () => {
  const other = join(dir, 'other');
  mkdirSync(other);
  copyFileSync(join(valDir, '000000.png'), join(other, 'copy.png'));
  const out = join(dir, 'infer-other');
  const r = await runCli(['infer', TINY_CONFIG, '--checkpoint', tiny.checkpoint, other, '--out', out, ...setArgs()]);
  assert.equal(r.code, 0, r.stderr);
  const images = JSON.parse(readFileSync(join(out, 'images.json'), 'utf8')) as { id: number; drawn: string }[];
  assert.deepEqual(images.map((i) => [i.id, i.drawn]), [[5, 'copy.png']], 'ids continue after the val set (4 images)');
});
