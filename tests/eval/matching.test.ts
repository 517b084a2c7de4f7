/**
 * pycocotools' matching rules on hand-built cases, so they are checked without
 * Python: an IoU equal to a threshold matches at it, equal scores keep the
 * results-file order, and of two GTs with equal IoU the later one is taken.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { evaluateCoco, loadGroundTruth, loadResults } from '../../src/eval/index.js';

type Box = [number, number, number, number];

async function evaluate(gts: { id: number; image: number; box: Box; crowd?: boolean }[], dts: { image: number; box: Box; score: number }[], images: number[] = []) {
  const gt = loadGroundTruth(
    {
      images: [...new Set([...gts.map((g) => g.image), ...images])].map((id) => ({ id })),
      categories: [{ id: 1, name: 'thing' }],
      annotations: gts.map((g) => ({ id: g.id, image_id: g.image, category_id: 1, bbox: g.box, area: g.box[2] * g.box[3], iscrowd: g.crowd === true ? 1 : 0 })),
    },
    'gt.json',
  );
  const dt = loadResults(dts.map((d) => ({ image_id: d.image, category_id: 1, bbox: d.box, score: d.score })), gt, 'dt.json');
  return evaluateCoco(gt, dt, { detectionMatches: true });
}

/** The GT id each detection (in results-file order) matched at each of the 10 IoU thresholds. */
function matchedGt(result: Awaited<ReturnType<typeof evaluate>>): number[][] {
  return perThreshold(result.matches!.gtId);
}

/** Whether each detection's match is ignored (a crowd or out-of-range GT), per IoU threshold. */
function matchIgnored(result: Awaited<ReturnType<typeof evaluate>>): number[][] {
  return perThreshold(result.matches!.ignored);
}

function perThreshold(values: ArrayLike<number>): number[][] {
  const n = values.length / 10;
  return Array.from({ length: n }, (_, d) => Array.from({ length: 10 }, (_, t) => values[t * n + d]));
}

const ALL = (v: number): number[] => Array.from({ length: 10 }, () => v);

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

test("matches are those of area 'all': a medium match is neither dropped nor ignored because the small and large ranges ignore it; a crowd match is ignored", async () => {
  const result = await evaluate(
    [{ id: 3, image: 1, box: [0, 0, 50, 50] }, { id: 4, image: 1, box: [200, 0, 100, 100], crowd: true }],
    [{ image: 1, box: [0, 0, 50, 50], score: 0.9 }, { image: 1, box: [210, 10, 20, 20], score: 0.8 }],
  );
  assert.deepEqual(matchedGt(result), [ALL(3), ALL(4)]);
  assert.deepEqual(matchIgnored(result), [ALL(0), ALL(1)]);
  assert.deepEqual([result.stats[3], result.stats[5]], [-1, -1], 'APs and APl have no GT');
  // APm is perfect; pycocotools gives 0.9999999999999998 (its 101 recall thresholds are not exact binary fractions).
  assert.ok(Math.abs(result.stats[4] - 1) < 1e-12, `APm ${result.stats[4]}`);
});

test('each detection of an image without GT is an unmatched, unignored false positive, and the other images keep their matches', async () => {
  const result = await evaluate(
    [{ id: 7, image: 1, box: [0, 0, 50, 50] }],
    [{ image: 1, box: [0, 0, 50, 50], score: 0.5 }, { image: 2, box: [0, 0, 50, 50], score: 0.9 }, { image: 2, box: [60, 0, 50, 50], score: 0.8 }],
    [2],
  );
  assert.deepEqual(matchedGt(result), [ALL(7), ALL(0), ALL(0)]);
  assert.deepEqual(matchIgnored(result), [ALL(0), ALL(0), ALL(0)]);
  // In score order FP, FP, TP: the precision reaching recall 1 is 1/3 at every recall threshold.
  assert.ok(Math.abs(result.stats[0] - 1 / 3) < 1e-12, `AP ${result.stats[0]}`);
});

test('an area equal to a range bound is inside it, for a GT and for an unmatched detection', async () => {
  // 32² = 1024 is both the top of "small" and the bottom of "medium" (pycocotools ignores area < lo or area > hi).
  const result = await evaluate([{ id: 1, image: 1, box: [0, 0, 32, 32] }], [{ image: 1, box: [100, 100, 32, 32], score: 0.9 }, { image: 1, box: [0, 0, 32, 32], score: 0.8 }]);
  // In both ranges: the unmatched 1024 detection is a false positive ranked first, so precision is 1/2 at recall 1.
  assert.deepEqual([result.stats[1], result.stats[3], result.stats[4], result.stats[5]], [0.5, 0.5, 0.5, -1]);
  assert.deepEqual([result.stats[9], result.stats[10], result.stats[11]], [1, 1, -1], 'ARs and ARm find the GT; ARl has none');
});

test('a detection of zero width or height overlaps nothing, not even the crowd region it lies in (maskApi bbIou: w > 0 and h > 0)', async () => {
  const result = await evaluate(
    [{ id: 1, image: 1, box: [0, 0, 100, 100], crowd: true }, { id: 2, image: 1, box: [200, 200, 10, 10] }],
    [{ image: 1, box: [50, 50, 0, 10], score: 0.9 }, { image: 1, box: [50, 50, 10, 0], score: 0.8 }, { image: 1, box: [200, 200, 10, 10], score: 0.5 }],
  );
  assert.deepEqual(matchedGt(result), [ALL(0), ALL(0), ALL(2)]);
  assert.deepEqual(matchIgnored(result), [ALL(0), ALL(0), ALL(0)]);
  // Two false positives ranked above the one TP: precision 1/3 at recall 1.
  assert.ok(Math.abs(result.stats[0] - 1 / 3) < 1e-12, `AP ${result.stats[0]}`);
});
