/** Deviation flags, PR curves, per-class figures and the pycocotools-style text. */
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { test } from 'node:test';
import {
  evaluateCoco,
  evaluateCocoFiles,
  formatFixed3,
  formatPerClass,
  formatSummary,
  IOU_THRESHOLDS,
  jsonReport,
  linspace,
  loadGroundTruth,
  loadResults,
  prCurve,
  RECALL_THRESHOLDS,
} from '../../src/eval/index.js';
import { vectorDir } from './paths.js';

const gtFile = resolve(vectorDir, 'instances_val2014_100.json');
const dtFile = resolve(vectorDir, 'instances_val2014_fakebbox100_results.json');

test('thresholds are the doubles numpy.linspace gives', () => {
  // Values from specs/cocoeval.md (checked there against numpy 2.4.6).
  assert.deepEqual(Array.from(IOU_THRESHOLDS), [0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.8999999999999999, 0.95]);
  assert.equal(RECALL_THRESHOLDS.length, 101);
  assert.equal(RECALL_THRESHOLDS[35], 0.35000000000000003);
  assert.equal(RECALL_THRESHOLDS[95], 0.9500000000000001);
  assert.equal(RECALL_THRESHOLDS[100], 1);
  const differing = Array.from(RECALL_THRESHOLDS).filter((v, i) => v !== i / 100).length;
  assert.equal(differing, 10);
  assert.deepEqual(Array.from(linspace(2, 3, 1)), [2]);
});

/** One image: GT 1 carries "ignore": 1 (not crowd), GT 2 is regular; one detection hits GT 1 exactly. */
const ignoreGt = {
  images: [{ id: 7 }],
  categories: [{ id: 1, name: 'thing' }],
  annotations: [
    { id: 1, image_id: 7, category_id: 1, bbox: [0, 0, 10, 10], area: 100, iscrowd: 0, ignore: 1 },
    { id: 2, image_id: 7, category_id: 1, bbox: [50, 50, 10, 10], area: 100, iscrowd: 0 },
  ],
};
const ignoreDt = [{ image_id: 7, category_id: 1, bbox: [0, 0, 10, 10], score: 0.9 }];

test('an explicit ignore field has no effect by default (pycocotools overwrites it with iscrowd)', async () => {
  const gt = loadGroundTruth(ignoreGt, 'ignore.json');
  const result = await evaluateCoco(gt, loadResults(ignoreDt, gt, 'dt.json'));
  assert.deepEqual(result.deviations, {});
  assert.equal(result.stats[8], 0.5, 'the detection is a TP for GT 1 and GT 2 is missed');
  const withoutField = loadGroundTruth({ ...ignoreGt, annotations: ignoreGt.annotations.map(({ ignore: _ignore, ...rest }) => rest) }, 'plain.json');
  const plain = await evaluateCoco(withoutField, loadResults(ignoreDt, withoutField, 'dt.json'));
  assert.deepEqual(Array.from(plain.precision), Array.from(result.precision));
});

test('honourIgnoreFlag ignores such a GT and is recorded', async () => {
  const gt = loadGroundTruth(ignoreGt, 'ignore.json');
  const result = await evaluateCoco(gt, loadResults(ignoreDt, gt, 'dt.json'), { honourIgnoreFlag: true });
  assert.deepEqual(result.deviations, { honourIgnoreFlag: true });
  // Only GT 2 counts and the detection on the ignored GT is neither TP nor FP.
  assert.equal(result.stats[8], 0);
  assert.equal(result.stats[0], 0);
  assert.deepEqual(jsonReport(result).deviations, { honourIgnoreFlag: true });
});

test('custom maxDets: stats[0] is -1 as in pycocotools unless apAtLastMaxDets is on', async () => {
  const standard = await evaluateCocoFiles(gtFile, dtFile);
  const custom = await evaluateCocoFiles(gtFile, dtFile, { maxDets: [300, 1, 10] });
  assert.deepEqual(custom.params.maxDets, [1, 10, 300]);
  assert.equal(custom.stats[0], -1);
  const fixed = await evaluateCocoFiles(gtFile, dtFile, { maxDets: [1, 10, 300], apAtLastMaxDets: true });
  assert.deepEqual(fixed.deviations, { apAtLastMaxDets: true });
  // No image of the vector has more than 100 detections of a class, so a cap of 300 changes nothing.
  assert.deepEqual(Array.from(fixed.stats), Array.from(standard.stats));
  assert.match(formatSummary(fixed)[0], /maxDets=300 \] = 0\.505$/);
});

test('no detections at all: AP and AR are 0 where there is GT, -1 where there is none', async () => {
  const gt = loadGroundTruth(ignoreGt, 'ignore.json');
  const result = await evaluateCoco(gt, loadResults([], gt, 'empty.json'));
  assert.deepEqual(Array.from(result.stats), [0, 0, 0, 0, -1, -1, 0, 0, 0, 0, -1, -1]);
});

test('PR curves: per class monotone, and the class mean matches AP50', async () => {
  const result = await evaluateCocoFiles(gtFile, dtFile);
  const person = prCurve(result, { categoryId: 1, iouThr: 0.5 });
  assert.equal(person.precision.length, 101);
  for (let r = 1; r < 101; r++) assert.ok(person.precision[r] <= person.precision[r - 1]);
  assert.ok(person.precision[0] > 0 && person.precision[0] <= 1);
  assert.ok(person.scores && person.scores[0] > 0);
  const mean = prCurve(result, { iouThr: 0.5 });
  const ap50 = mean.precision.reduce((s, v) => s + v, 0) / 101;
  assert.ok(Math.abs(ap50 - result.stats[1]) < 1e-12, `${ap50} vs ${result.stats[1]}`);
  assert.throws(() => prCurve(result, { iouThr: 0.9 }), /IoU threshold 0\.9 is not one of/);
  assert.throws(() => prCurve(result, { categoryId: 12345 }), /category 12345 was not evaluated/);
});

test('a PR curve reads the [T, R, K, A, M] arrays at its IoU threshold, area and maxDets; unknown ones are refused by name', async () => {
  const result = await evaluateCocoFiles(gtFile, dtFile);
  const [T, R, K, A, M] = result.shape;
  const t = IOU_THRESHOLDS.indexOf(0.75), a = 2, m = 1;
  const k = result.perClass.findIndex((c) => c.categoryId === 1);
  const index = (r: number, kk: number): number => (((t * R + r) * K + kk) * A + a) * M + m;
  assert.deepEqual([T, A, M, result.params.areaLabels[a], result.params.maxDets[m]], [10, 4, 3, 'medium', 10]);
  const one = prCurve(result, { categoryId: 1, iouThr: 0.75, area: 'medium', maxDets: 10 });
  assert.deepEqual(Array.from(one.precision), Array.from({ length: R }, (_, r) => result.precision[index(r, k)]));
  assert.deepEqual(Array.from(one.scores ?? []), Array.from({ length: R }, (_, r) => result.scores[index(r, k)]));
  assert.ok(one.precision.some((v) => v > 0), 'a curve with something on it');
  // The mean over classes with GT (precision -1 marks a class without) at each recall threshold.
  const mean = prCurve(result, { iouThr: 0.75, area: 'medium', maxDets: 10 });
  for (const r of [0, 50, 100]) {
    const valid = Array.from({ length: K }, (_, kk) => result.precision[index(r, kk)]).filter((v) => v > -1);
    assert.ok(Math.abs(mean.precision[r] - valid.reduce((x, y) => x + y, 0) / valid.length) < 1e-12);
  }
  // Each curve has its own recall array.
  one.recall[0] = 5;
  mean.recall[1] = 5;
  assert.deepEqual([prCurve(result, { categoryId: 1 }).recall[0], prCurve(result).recall[1]], [0, 0.01]);
  assert.equal(prCurve(result, { maxDets: 1 }).precision.length, R, 'the first maxDets is a valid choice');
  assert.throws(() => prCurve(result, { area: 'huge' as never }), (err: Error) => err.message === 'prCurve: unknown area "huge"');
  assert.throws(() => prCurve(result, { maxDets: 7 }), (err: Error) => err.message === 'prCurve: maxDets 7 is not one of 1, 10, 100');
  assert.throws(() => prCurve(result, { iouThr: 0.9 }), (err: Error) => err.message.startsWith('prCurve: IoU threshold 0.9 is not one of 0.5, 0.55, 0.6'));
});

test("the summary prints pycocotools' 12 lines for the shared vector, character for character", async () => {
  const result = await evaluateCocoFiles(gtFile, dtFile);
  assert.deepEqual(formatSummary(result), [
    ' Average Precision  (AP) @[ IoU=0.50:0.95 | area=   all | maxDets=100 ] = 0.505',
    ' Average Precision  (AP) @[ IoU=0.50      | area=   all | maxDets=100 ] = 0.697',
    ' Average Precision  (AP) @[ IoU=0.75      | area=   all | maxDets=100 ] = 0.573',
    ' Average Precision  (AP) @[ IoU=0.50:0.95 | area= small | maxDets=100 ] = 0.586',
    ' Average Precision  (AP) @[ IoU=0.50:0.95 | area=medium | maxDets=100 ] = 0.519',
    ' Average Precision  (AP) @[ IoU=0.50:0.95 | area= large | maxDets=100 ] = 0.501',
    ' Average Recall     (AR) @[ IoU=0.50:0.95 | area=   all | maxDets=  1 ] = 0.387',
    ' Average Recall     (AR) @[ IoU=0.50:0.95 | area=   all | maxDets= 10 ] = 0.594',
    ' Average Recall     (AR) @[ IoU=0.50:0.95 | area=   all | maxDets=100 ] = 0.595',
    ' Average Recall     (AR) @[ IoU=0.50:0.95 | area= small | maxDets=100 ] = 0.640',
    ' Average Recall     (AR) @[ IoU=0.50:0.95 | area=medium | maxDets=100 ] = 0.566',
    ' Average Recall     (AR) @[ IoU=0.50:0.95 | area= large | maxDets=100 ] = 0.564',
  ]);
  assert.deepEqual([-0.0625, -0.5, -0.1234].map(formatFixed3), ['-0.062', '-0.500', '-0.123']);
});

test('the per-class table: AP, AP50, AP75, APs, APm, APl and AR100 per category, "-" where it has no GT there', async () => {
  const gt = loadGroundTruth(
    {
      images: [{ id: 1 }],
      categories: [{ id: 1, name: 'cat' }, { id: 7, name: 'a longer name' }],
      annotations: [{ id: 1, image_id: 1, category_id: 1, bbox: [0, 0, 10, 10], area: 100, iscrowd: 0 }],
    },
    'g.json',
  );
  const dt = loadResults([{ image_id: 1, category_id: 1, bbox: [0, 0, 10, 10], score: 0.9 }], gt, 'd.json');
  const lines = formatPerClass(await evaluateCoco(gt, dt));
  assert.deepEqual(lines, [
    'category             AP   AP50   AP75    APs    APm    APl  AR100',
    '1 cat             1.000  1.000  1.000  1.000      -      -  1.000',
    '7 a longer name       -      -      -      -      -      -      -',
  ]);
});

test('the JSON report names what was evaluated and how: stats by name, parameters, per-class rows and PR curves at 0.5 and 0.75', async () => {
  const gt = loadGroundTruth({ images: [{ id: 1 }], categories: [{ id: 1, name: 'cat' }], annotations: [{ id: 1, image_id: 1, category_id: 1, bbox: [0, 0, 10, 10], area: 100, iscrowd: 0 }] }, 'g.json');
  const result = await evaluateCoco(gt, loadResults([{ image_id: 1, category_id: 1, bbox: [0, 0, 10, 10], score: 0.9 }], gt, 'd.json'));
  const report = jsonReport(result);
  assert.equal(report.evaluator, 'detlab cocoeval (pycocotools bbox algorithm)');
  assert.ok(result.stats[0] > 0.999);
  assert.equal(report.stats.AP, result.stats[0]);
  assert.deepEqual(report.params.areaRanges, { all: [0, 1e10], small: [0, 1024], medium: [1024, 9216], large: [9216, 1e10] });
  assert.deepEqual([report.params.maxDets, report.params.iouThrs.length, report.params.recThrs.length, report.params.images, report.params.categories], [[1, 10, 100], 10, 101, 1, [1]]);
  assert.deepEqual(report.perClass.map((c) => [c.categoryId, c.name, c.AP]), [[1, 'cat', result.stats[0]]]);
  assert.deepEqual(report.prCurves.map((c) => c.iouThr), [0.5, 0.75]);
  const at75 = report.prCurves[1];
  // A lone TP's precision is tp / (tp + fp + eps), pycocotools' eps being np.spacing(1).
  const one = 1 / (1 + Number.EPSILON);
  assert.deepEqual([at75.mean[100], at75.perClass[0].categoryId, at75.perClass[0].precision[100], at75.perClass[0].scores[100]], [one, 1, one, 0.9]);
});

test('per-class stats average to the summary over classes with GT', async () => {
  const result = await evaluateCocoFiles(gtFile, dtFile);
  const present = result.perClass.filter((c) => c.stats[1] >= 0);
  const mean = present.reduce((s, c) => s + c.stats[1], 0) / present.length;
  assert.ok(Math.abs(mean - result.stats[1]) < 1e-12);
  const report = jsonReport(result);
  assert.equal(report.stats.AP, result.stats[0]);
  assert.equal(report.perClass.length, 80);
  assert.equal(report.prCurves[0].perClass[0].precision.length, 101);
});

test('Python-style 3-decimal formatting, including round-half-even ties', () => {
  assert.equal(formatFixed3(0.5045806987249628), '0.505');
  assert.equal(formatFixed3(-1), '-1.000');
  assert.equal(formatFixed3(0.0625), '0.062');
  assert.equal(formatFixed3(0.1875), '0.188');
  assert.equal(formatFixed3(0.3125), '0.312');
  assert.equal(formatFixed3(1), '1.000');
});
