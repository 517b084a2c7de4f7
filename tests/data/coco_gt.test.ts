import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluateCoco, loadGroundTruth, loadResults } from '../../src/eval/index.js';
import { ShapesDataset } from '../../src/data/shapes/shapes_dataset.js';
import { tempDir } from './fixtures.js';

test('the dataset GT feeds the evaluator; records mapped back to category ids score AP 1 in every size bucket', async () => {
  const ds = new ShapesDataset({ numTrain: 0, numVal: 30, size: 256, seed: 5, root: tempDir('gt'), split: 'val', filterEmptyGt: false, pipeline: [], source: 'shapes.val', log: () => undefined });
  await ds.prepare();
  const gt = loadGroundTruth(ds.cocoGt(), 'shapes.val');
  const detections: unknown[] = [];
  for (let i = 0; i < ds.length; i += 1) {
    const r = ds.record(i);
    r.labels.forEach((label, k) => {
      const [x1, y1, x2, y2] = r.boxes.slice(4 * k, 4 * k + 4) as [number, number, number, number];
      detections.push({ image_id: r.imageId, category_id: ds.labelToCategoryId(label), bbox: [x1, y1, x2 - x1, y2 - y1], score: 1 });
    });
  }
  const result = await evaluateCoco(gt, loadResults(detections, gt, 'perfect'), { workers: 0 });
  // pycocotools order: AP, AP50, AP75, AP_small, AP_medium, AP_large.
  assert.deepEqual([...result.stats.slice(0, 6)], [1, 1, 1, 1, 1, 1]);
});
