/**
 * The shared vector: 100 COCO val2014 images with the cocoapi demo's fake
 * detections. All 12 stats must equal pycocotools' (README) bit for bit.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { test } from 'node:test';
import { evaluateCocoFiles } from '../../src/eval/index.js';
import { vectorDir } from './paths.js';

const gtFile = resolve(vectorDir, 'instances_val2014_100.json');
const dtFile = resolve(vectorDir, 'instances_val2014_fakebbox100_results.json');

/** The 12 values as printed in the README, parsed from it rather than copied. */
function readmeStats(): number[] {
  const text = readFileSync(resolve(vectorDir, 'README.md'), 'utf8');
  const block = /```\n([\s\S]*?)```/.exec(text);
  assert.ok(block, 'README.md has the stats block');
  const values = block[1].trim().split('\n').map((line) => Number(line.trim().split(/\s+/)[0]));
  assert.equal(values.length, 12);
  return values;
}

for (const workers of [0, 1]) {
  test(`vector: 12 stats equal pycocotools bit for bit (workers: ${workers})`, async () => {
    const expected = readmeStats();
    const result = await evaluateCocoFiles(gtFile, dtFile, { workers });
    assert.deepEqual(Array.from(result.stats), expected);
    assert.deepEqual(result.deviations, {});
  });
}

test('vector: shapes, absent categories and per-class AP', async () => {
  const result = await evaluateCocoFiles(gtFile, dtFile);
  const [T, R, K, A, M] = result.shape;
  assert.deepEqual([T, R, K, A, M], [10, 101, 80, 4, 3]);
  assert.ok(result.precision instanceof Float64Array && result.precision.length === T * R * K * A * M);
  assert.ok(result.recall instanceof Float64Array && result.recall.length === T * K * A * M);
  assert.deepEqual(result.recallShape, [T, K, A, M]);
  assert.equal(result.counts.groundTruth, 839);
  assert.equal(result.counts.detections, 734);
  // Some of the 80 categories have no GT among these 100 images: their whole slice stays -1.
  const absent = result.perClass.filter((c) => c.stats[0] === -1);
  assert.ok(absent.length > 0);
  for (const c of absent) {
    const k = result.perClass.indexOf(c);
    for (let t = 0; t < T; t++) assert.equal(result.recall[((t * K + k) * A + 0) * M + 2], -1);
  }
  const present = result.perClass.filter((c) => c.stats[0] >= 0);
  assert.ok(present.every((c) => c.stats[0] <= 1));
  assert.equal(result.perClass.find((c) => c.categoryId === 1)?.name, 'person');
});
