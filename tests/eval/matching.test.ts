/**
 * pycocotools' matching rules on hand-built cases, so they are checked without
 * Python: an IoU equal to a threshold matches at it, equal scores keep the
 * results-file order, and of two GTs with equal IoU the later one is taken.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { evaluateCoco, loadGroundTruth, loadResults } from '../../src/eval/index.js';

type Box = [number, number, number, number];

async function evaluate(gts: { id: number; image: number; box: Box }[], dts: { image: number; box: Box; score: number }[]) {
  const gt = loadGroundTruth(
    {
      images: [...new Set(gts.map((g) => g.image))].map((id) => ({ id })),
      categories: [{ id: 1, name: 'thing' }],
      annotations: gts.map((g) => ({ id: g.id, image_id: g.image, category_id: 1, bbox: g.box, area: g.box[2] * g.box[3], iscrowd: 0 })),
    },
    'gt.json',
  );
  const dt = loadResults(dts.map((d) => ({ image_id: d.image, category_id: 1, bbox: d.box, score: d.score })), gt, 'dt.json');
  return evaluateCoco(gt, dt, { detectionMatches: true });
}

/** The GT id each detection (in results-file order) matched at each of the 10 IoU thresholds. */
function matchedGt(result: Awaited<ReturnType<typeof evaluate>>): number[][] {
  const { gtId } = result.matches!;
  const n = gtId.length / 10;
  return Array.from({ length: n }, (_, d) => Array.from({ length: 10 }, (_, t) => gtId[t * n + d]));
}

test('an IoU equal to a threshold matches at that threshold and fails above it', async () => {
  // IoU 75/100 = 0.75 and 50/100 = 0.5 exactly; the thresholds are 0.5, 0.55, ..., 0.95.
  const result = await evaluate(
    [{ id: 1, image: 1, box: [0, 0, 10, 10] }, { id: 2, image: 2, box: [0, 0, 10, 10] }],
    [{ image: 1, box: [0, 0, 7.5, 10], score: 0.9 }, { image: 2, box: [0, 0, 5, 10], score: 0.8 }],
  );
  assert.deepEqual(matchedGt(result), [
    [1, 1, 1, 1, 1, 1, 0, 0, 0, 0],
    [2, 0, 0, 0, 0, 0, 0, 0, 0, 0],
  ]);
  // AP50: both TP. AP55..AP75: the 0.9 detection is a TP, the other an FP, so precision 1 up to recall 0.5 (51 of 101 recall points).
  assert.equal(result.stats[1], 1);
  assert.ok(Math.abs(result.stats[2] - 51 / 101) < 1e-12, `AP75 ${result.stats[2]}`);
  assert.ok(Math.abs(result.stats[0] - (1 + 5 * (51 / 101)) / 10) < 1e-12, `AP ${result.stats[0]}`);
});

test('detections with equal scores are matched in results-file order; a higher score goes first wherever it sits', async () => {
  const gts = [{ id: 5, image: 1, box: [0, 0, 10, 10] as Box }];
  const loose = { image: 1, box: [0, 0, 6, 10] as Box }; // IoU 0.6
  const exact = { image: 1, box: [0, 0, 10, 10] as Box }; // IoU 1
  // Tied: the loose one, first in the file, takes the GT wherever its IoU reaches the threshold (0.5, 0.55, 0.6).
  assert.deepEqual(matchedGt(await evaluate(gts, [{ ...loose, score: 0.5 }, { ...exact, score: 0.5 }])), [
    [5, 5, 5, 0, 0, 0, 0, 0, 0, 0],
    [0, 0, 0, 5, 5, 5, 5, 5, 5, 5],
  ]);
  assert.deepEqual(matchedGt(await evaluate(gts, [{ ...exact, score: 0.5 }, { ...loose, score: 0.5 }])), [
    [5, 5, 5, 5, 5, 5, 5, 5, 5, 5],
    [0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
  ]);
  assert.deepEqual(matchedGt(await evaluate(gts, [{ ...loose, score: 0.4 }, { ...exact, score: 0.6 }])), [
    [0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
    [5, 5, 5, 5, 5, 5, 5, 5, 5, 5],
  ]);
});

test('of two GTs with equal IoU the later in the file is taken, leaving the earlier to the next detection', async () => {
  // The first detection overlaps both GTs with IoU 100/120; the second overlaps GT 1 with 120/140 and GT 2 with 100/160.
  const result = await evaluate(
    [{ id: 1, image: 1, box: [0, 0, 10, 12] }, { id: 2, image: 1, box: [0, -2, 10, 12] }],
    [{ image: 1, box: [0, 0, 10, 10], score: 0.9 }, { image: 1, box: [0, 0, 10, 14], score: 0.8 }],
  );
  assert.deepEqual(matchedGt(result), [
    [2, 2, 2, 2, 2, 2, 2, 0, 0, 0],
    [1, 1, 1, 1, 1, 1, 1, 1, 0, 0],
  ]);
  assert.equal(result.stats[1], 1, 'both detections are TPs at IoU 0.5');
});
