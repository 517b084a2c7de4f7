import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CocoJson } from '../../src/data/coco_json.js';
import { ensureShapes, shapesCacheDir } from '../../src/data/shapes/cache.js';
import { annotationFile, generateShapes, imageFolder } from '../../src/data/shapes/generate.js';
import { SHAPE_CLASSES } from '../../src/data/shapes/raster.js';
import { DEFAULT_SCENE } from '../../src/data/shapes/scene.js';
import { decodeRgb } from '../../src/data/decode.js';
import dataCommand from '../../src/cli/commands/data.js';
import { UserError } from '../../src/cli/command.js';
import { tempDir } from './fixtures.js';

const PARAMS = { numTrain: 24, numVal: 4, size: 128, seed: 7 };

function files(root: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (const sub of ['train', 'val', 'annotations']) {
    for (const f of readdirSync(join(root, sub)).sort()) out.set(`${sub}/${f}`, readFileSync(join(root, sub, f)));
  }
  return out;
}

test('the shapes generator is deterministic: same seed, identical files; another seed, other files', async () => {
  const [a, b, c] = [tempDir('shapes-a'), tempDir('shapes-b'), tempDir('shapes-c')];
  await generateShapes(a, PARAMS);
  await generateShapes(b, PARAMS);
  await generateShapes(c, { ...PARAMS, seed: 8 });
  const [fa, fb, fc] = [files(a), files(b), files(c)];
  assert.equal(fa.size, 24 + 4 + 2);
  assert.deepEqual([...fa.keys()], [...fb.keys()]);
  for (const [name, bytes] of fa) assert.ok(bytes.equals(fb.get(name) as Buffer), `${name} is identical`);
  assert.ok(!(fa.get('train/000000.png') as Buffer).equals(fc.get('train/000000.png') as Buffer));
  assert.notDeepEqual(fa.get('annotations/train.json'), fc.get('annotations/train.json'));
});

test('shapes annotations: six classes, boxes inside the image, sizes across the COCO small/medium/large buckets', async () => {
  const root = tempDir('shapes-sizes');
  await generateShapes(root, { numTrain: 60, numVal: 0, size: 256, seed: 3 });
  const gt = JSON.parse(readFileSync(annotationFile(root, 'train'), 'utf8')) as CocoJson;
  assert.deepEqual(gt.categories.map((c) => c.name), [...SHAPE_CLASSES]);
  assert.ok(SHAPE_CLASSES.length >= 6);
  const buckets = { small: 0, medium: 0, large: 0 };
  const perImage = new Map<number, number>();
  const seenClasses = new Set<number>();
  for (const a of gt.annotations) {
    const [x, y, w, h] = a.bbox;
    assert.ok(x >= 0 && y >= 0 && x + w <= 256 && y + h <= 256 && w >= 8 && h >= 8, `box ${a.bbox} inside the image, at least 8 px`);
    assert.ok(a.area > 0 && a.area <= w * h + 1e-6, 'area is the shape area, within its box');
    if (a.area < 32 * 32) buckets.small += 1;
    else if (a.area < 96 * 96) buckets.medium += 1;
    else buckets.large += 1;
    perImage.set(a.image_id, (perImage.get(a.image_id) ?? 0) + 1);
    seenClasses.add(a.category_id);
  }
  assert.equal(seenClasses.size, 6);
  const total = gt.annotations.length;
  for (const [bucket, n] of Object.entries(buckets)) assert.ok(n >= 0.1 * total, `${bucket}: ${n} of ${total} objects`);
  const multi = [...perImage.values()].filter((n) => n >= 2).length;
  assert.ok(multi >= 40, `most images hold several objects (${multi}/60)`);
  const maxSide = Math.max(...gt.annotations.map((a) => Math.max(a.bbox[2], a.bbox[3])));
  assert.ok(maxSide >= 150, `some objects cover most of the image (largest side ${maxSide})`);
  // Overlap: some pair of boxes in one image intersects.
  const boxesOf = new Map<number, number[][]>();
  for (const a of gt.annotations) boxesOf.set(a.image_id, [...(boxesOf.get(a.image_id) ?? []), a.bbox]);
  const overlapping = [...boxesOf.values()].filter((bs) => bs.some((p, i) => bs.some((q, j) => j > i
    && Math.min(p[0]! + p[2]!, q[0]! + q[2]!) > Math.max(p[0]!, q[0]!) && Math.min(p[1]! + p[3]!, q[1]! + q[3]!) > Math.max(p[1]!, q[1]!)))).length;
  assert.ok(overlapping >= 10, `objects overlap in several images (${overlapping})`);
  const image = await decodeRgb(join(imageFolder(root, 'train'), gt.images[0]!.file_name));
  assert.deepEqual([image.height, image.width], [256, 256]);
});

test('the shapes cache is keyed by parameters and safe when two generations race', async () => {
  const root = tempDir('shapes-cache');
  const params = { numTrain: 6, numVal: 2, size: 64, seed: 1 };
  const [d1, d2] = await Promise.all([ensureShapes(root, params), ensureShapes(root, params)]);
  assert.equal(d1, d2);
  assert.equal(d1, shapesCacheDir(root, params));
  assert.notEqual(shapesCacheDir(root, { ...params, seed: 2 }), d1);
  assert.deepEqual(readdirSync(root), [d1.split('/').pop()], 'the losing copy is removed, nothing half-written remains');
  assert.equal(readdirSync(join(d1, 'train')).length, 6);
  const lines: string[] = [];
  await ensureShapes(root, params, (l) => lines.push(l));
  assert.deepEqual(lines, [], 'a complete cache is reused without generating');
});

test('scene options set the difficulty: object count, smallest side, occlusion; the standard dataset keeps its cache key', async () => {
  const root = tempDir('shapes-easy');
  const scene = { minSide: 20, objects: [1, 3] as [number, number], maxOcclusion: 0.2, clutterLines: 0, classColours: true };
  await generateShapes(root, { numTrain: 40, numVal: 0, size: 128, seed: 5, scene });
  const gt = JSON.parse(readFileSync(annotationFile(root, 'train'), 'utf8')) as CocoJson;
  const perImage = new Map<number, number>();
  for (const a of gt.annotations) {
    assert.ok(a.bbox[2] >= 20 && a.bbox[3] >= 20, `box ${a.bbox} has sides of at least min_side`);
    perImage.set(a.image_id, (perImage.get(a.image_id) ?? 0) + 1);
  }
  assert.ok(Math.max(...perImage.values()) <= 3, 'at most objects[1] per image');
  assert.ok(perImage.size >= 35, `occlusion above 0.2 drops few objects when there are at most 3 (${perImage.size}/40 images annotated)`);
  assert.deepEqual((gt.info as { scene: unknown }).scene, scene, 'the annotation file records the scene');
  // class_colours: a square fills its box, so the median of its box is its (jittered, noisy) class colour, green.
  const squares = gt.annotations.filter((a) => a.category_id === SHAPE_CLASSES.indexOf('square') + 1);
  assert.ok(squares.length >= 3, `some squares (${squares.length})`);
  let green = 0;
  for (const a of squares) {
    const img = await decodeRgb(join(imageFolder(root, 'train'), gt.images.find((i) => i.id === a.image_id)!.file_name));
    const [x, y, w, h] = a.bbox as [number, number, number, number];
    const median = [0, 1, 2].map((c) => {
      const v: number[] = [];
      for (let yy = y; yy < y + h; yy++) for (let xx = x; xx < x + w; xx++) v.push(img.data[(yy * img.width + xx) * 3 + c]!);
      return v.sort((p, q) => p - q)[v.length >> 1]!;
    });
    if (median[1]! > 140 && median[0]! < 100 && median[2]! < 100) green += 1;
  }
  assert.ok(green >= 0.8 * squares.length, `squares are green (${green}/${squares.length})`);

  const params = { numTrain: 6, numVal: 2, size: 64, seed: 1 };
  assert.equal(shapesCacheDir(root, { ...params, scene: { ...DEFAULT_SCENE } }), shapesCacheDir(root, params), 'the defaults spelled out are the standard dataset');
  assert.notEqual(shapesCacheDir(root, { ...params, scene: { ...DEFAULT_SCENE, clutterLines: 0 } }), shapesCacheDir(root, params));
  await assert.rejects(generateShapes(tempDir('shapes-bad'), { ...params, scene: { ...DEFAULT_SCENE, objects: [3, 1] } }), /objects must be \[min, max\]/);
  await assert.rejects(generateShapes(tempDir('shapes-bad2'), { ...params, scene: { ...DEFAULT_SCENE, minSide: 60 } }), /min_side must be/);
});

test('detlab data shapes writes the dataset; bad arguments are user errors', async () => {
  const out = join(tempDir('shapes-cli'), 'set');
  const log = console.log;
  const printed: string[] = [];
  console.log = (line: string) => printed.push(line);
  try {
    assert.equal(await dataCommand.run(['shapes', '--out', out, '--train', '3', '--val', '2', '--size', '64', '--seed', '4']), 0);
  } finally {
    console.log = log;
  }
  assert.match(printed[0] ?? '', /wrote 3 train \+ 2 val images \(64px, seed 4\)/);
  assert.equal(readdirSync(join(out, 'val')).length, 2);
  assert.ok(existsSync(join(out, 'annotations', 'train.json')));
  await assert.rejects(dataCommand.run(['shapes', '--train', '3']), (e: Error) => e instanceof UserError && /--out DIR is required/.test(e.message));
  await assert.rejects(dataCommand.run(['shapes', '--out', out, '--train', 'x']), /--train must be a non-negative integer, got 'x'/);
  await assert.rejects(dataCommand.run(['shapes', '--out', out, '--trian', '3']), (e: Error) => e instanceof UserError && /unknown option --trian/.test(e.message));
});
