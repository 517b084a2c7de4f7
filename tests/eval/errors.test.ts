/** Bad inputs give one clear UserError that names the file and the offending entry. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { UserError } from '../../src/cli/command.js';
import { evaluateCoco, evaluateCocoFiles, loadGroundTruth, loadResults } from '../../src/eval/index.js';

const dir = mkdtempSync(join(tmpdir(), 'detlab-cocoeval-errors-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const goodGt = {
  images: [{ id: 1 }, { id: 2 }],
  categories: [{ id: 1, name: 'cat' }],
  annotations: [
    { id: 1, image_id: 1, category_id: 1, bbox: [0, 0, 10, 10], area: 100, iscrowd: 0 },
    { id: 2, image_id: 2, category_id: 1, bbox: [5, 5, 20, 20], area: 400, iscrowd: 0 },
  ],
};
const det = (extra: Record<string, unknown> = {}) => ({ image_id: 1, category_id: 1, bbox: [0, 0, 10, 10], score: 0.9, ...extra });

function files(name: string, gt: unknown, dtText: string) {
  const gtPath = join(dir, `${name}_gt.json`);
  const dtPath = join(dir, `${name}_dt.json`);
  writeFileSync(gtPath, typeof gt === 'string' ? gt : JSON.stringify(gt));
  writeFileSync(dtPath, dtText);
  return { gtPath, dtPath };
}

async function rejectsWith(name: string, gt: unknown, dt: unknown, ...patterns: RegExp[]) {
  const { gtPath, dtPath } = files(name, gt, typeof dt === 'string' ? dt : JSON.stringify(dt));
  await assert.rejects(evaluateCocoFiles(gtPath, dtPath), (err: unknown) => {
    assert.ok(err instanceof UserError, `expected a UserError, got ${String(err)}`);
    assert.ok(!err.message.includes('\n'), 'one line');
    for (const p of patterns) assert.match(err.message, p);
    return true;
  });
}

test('a result on an image missing from the GT names the results file, the entry and the GT file', async () => {
  await rejectsWith('missing_image', goodGt, [det(), det({ image_id: 3 })], /missing_image_dt\.json: result \[1\]/, /image_id 3 is not an image of the ground truth .*missing_image_gt\.json/);
});

test('non-numeric ids are rejected, in results and in the GT', async () => {
  await rejectsWith('string_image', goodGt, [det({ image_id: '1' })], /string_image_dt\.json: result \[0\]\.image_id must be a finite number, got "1"/);
  await rejectsWith('string_cat', goodGt, [det(), det(), det({ category_id: null })], /result \[2\]\.category_id must be a finite number, got null/);
  const gtStringAnn = { ...goodGt, annotations: [goodGt.annotations[0], { ...goodGt.annotations[1], image_id: '2' }] };
  await rejectsWith('gt_string_ann', gtStringAnn, [det()], /gt_string_ann_gt\.json: annotations\[1\]\.image_id must be a finite number/);
  const gtStringImage = { ...goodGt, images: [{ id: 1 }, { id: 'b' }] };
  await rejectsWith('gt_string_image', gtStringImage, [det()], /gt_string_image_gt\.json: images\[1\]\.id must be a finite number, got "b"/);
  await rejectsWith('score', goodGt, [det({ score: '0.9' })], /result \[0\]\.score must be a finite number/);
});

test('malformed boxes: wrong length, non-finite, negative size', async () => {
  await rejectsWith('short_box', goodGt, [det(), det({ bbox: [1, 2, 3] })], /short_box_dt\.json: result \[1\]\.bbox must be \[x, y, w, h\], got \[1,2,3\]/);
  await rejectsWith('no_box', goodGt, [det({ bbox: undefined })], /result \[0\]\.bbox must be \[x, y, w, h\], got nothing/);
  // 1e999 parses to Infinity.
  await rejectsWith('inf_box', goodGt, '[{"image_id": 1, "category_id": 1, "bbox": [0, 0, 1e999, 5], "score": 0.5}]', /inf_box_dt\.json: result \[0\]\.bbox must hold 4 finite numbers/);
  await rejectsWith('text_box', goodGt, [det({ bbox: [0, 0, '4', 5] })], /result \[0\]\.bbox must hold 4 finite numbers/);
  await rejectsWith('negative_box', goodGt, [det(), det(), det(), det({ bbox: [0, 0, -4, 5] })], /result \[3\]\.bbox has a negative width or height: \[0,0,-4,5\]/);
  const gtBad = { ...goodGt, annotations: [{ ...goodGt.annotations[0], bbox: [0, 0, 5, -1] }] };
  await rejectsWith('gt_negative', gtBad, [det()], /gt_negative_gt\.json: annotations\[0\]\.bbox has a negative width or height/);
});

test('invalid JSON names the file, line and column', async () => {
  await rejectsWith('bad_json', goodGt, '[\n  {"image_id": 1,, "category_id": 1}\n]', /bad_json_dt\.json:2:\d+: invalid JSON in the COCO results file/);
  await rejectsWith('bad_gt_json', '{"images": [', [det()], /bad_gt_json_gt\.json(:\d+:\d+)?: invalid JSON in the COCO ground truth file/);
  await rejectsWith('not_array', goodGt, { image_id: 1 }, /not_array_dt\.json: a COCO results file must be an array/);
  await assert.rejects(evaluateCocoFiles(join(dir, 'nope.json'), join(dir, 'nope2.json')), /nope\.json: cannot read the COCO ground truth file \(ENOENT\)/);
});

test('GT without iscrowd or area, or with a repeated annotation id, is rejected', () => {
  const noCrowd = { ...goodGt, annotations: [{ id: 1, image_id: 1, category_id: 1, bbox: [0, 0, 1, 1], area: 1 }] };
  assert.throws(() => loadGroundTruth(noCrowd, 'g.json'), /g\.json: annotations\[0\]: missing "iscrowd"/);
  const noArea = { ...goodGt, annotations: [{ id: 1, image_id: 1, category_id: 1, bbox: [0, 0, 1, 1], iscrowd: 0 }] };
  assert.throws(() => loadGroundTruth(noArea, 'g.json'), /g\.json: annotations\[0\]\.area must be a finite number, got nothing/);
  const repeated = { ...goodGt, annotations: [goodGt.annotations[0], { ...goodGt.annotations[1], id: 1 }] };
  assert.throws(() => loadGroundTruth(repeated, 'g.json'), /g\.json: annotations\[1\]: id 1 repeats annotations\[0\]\.id/);
  assert.throws(() => loadGroundTruth([], 'g.json'), /g\.json: a COCO ground-truth file must hold a JSON object/);
  assert.throws(() => loadGroundTruth({ categories: [] }, 'g.json'), /g\.json: "images" must be an array/);
});

test('GT with a repeated image or category id is rejected, naming both entries (pycocotools would keep the later one silently)', async () => {
  const twoImages = { ...goodGt, images: [{ id: 1 }, { id: 2 }, { id: 1, file_name: 'again.png' }] };
  assert.throws(() => loadGroundTruth(twoImages, 'g.json'), /^UserError: g\.json: images\[2\]: id 1 repeats images\[0\]\.id$/);
  const twoCats = { ...goodGt, categories: [{ id: 1, name: 'cat' }, { id: 3, name: 'dog' }, { id: 3, name: 'fox' }] };
  assert.throws(() => loadGroundTruth(twoCats, 'g.json'), /^UserError: g\.json: categories\[2\]: id 3 repeats categories\[1\]\.id$/);
  await rejectsWith('dup_image', twoImages, [det()], /dup_image_gt\.json: images\[2\]: id 1 repeats images\[0\]\.id/);
});

test('options are validated', async () => {
  const gt = loadGroundTruth(goodGt, 'g.json');
  const dt = loadResults([det()], gt, 'd.json');
  await assert.rejects(evaluateCoco(gt, dt, { maxDets: [1, 10] }), /maxDets must be three positive integers/);
  await assert.rejects(evaluateCoco(gt, dt, { workers: -1 }), /workers must be a non-negative integer/);
  for (const maxDets of [[0, 10, 100], [1, 1.5, 100]]) {
    await assert.rejects(evaluateCoco(gt, dt, { maxDets }), (err: Error) => err.message === `maxDets must be three positive integers (summarize() reads maxDets[0..2]), got ${JSON.stringify(maxDets)}`);
  }
  await assert.rejects(evaluateCoco(gt, dt, { imgIds: [1, 'x' as never] }), (err: Error) => err.message === 'imgIds: "x" is not a number');
  await assert.rejects(evaluateCoco(gt, dt, { catIds: [Infinity] }), (err: Error) => err.message === 'catIds: null is not a number');
});

test('the evaluated ids are sorted and distinct, its parameters copies: changing them leaves the next evaluation alone', async () => {
  const gt = loadGroundTruth(goodGt, 'g.json');
  const dt = loadResults([det()], gt, 'd.json');
  const picked = await evaluateCoco(gt, dt, { imgIds: [2, 1, 2], catIds: [1, 1] });
  assert.deepEqual([Array.from(picked.params.imgIds), Array.from(picked.params.catIds)], [[1, 2], [1]]);
  const first = await evaluateCoco(gt, dt);
  first.params.imgIds.fill(0);
  first.params.catIds.fill(0);
  first.params.iouThrs.fill(0);
  first.params.recThrs.fill(0);
  const again = await evaluateCoco(gt, dt);
  assert.deepEqual(Array.from(again.params.imgIds), [1, 2]);
  assert.deepEqual(Array.from(again.params.catIds), [1]);
  assert.equal(again.params.iouThrs[0], 0.5);
  assert.equal(again.params.recThrs[100], 1);
  assert.deepEqual(Array.from(again.stats), Array.from((await evaluateCoco(gt, dt)).stats));
});

test('pooled categories (useCats off) report one class named "all categories" with id -1; no detection matches unless asked', async () => {
  const gt = loadGroundTruth(goodGt, 'g.json');
  const dt = loadResults([det()], gt, 'd.json');
  const pooled = await evaluateCoco(gt, dt, { useCats: false });
  assert.deepEqual(pooled.perClass.map((c) => [c.categoryId, c.name]), [[-1, 'all categories']]);
  assert.equal((await evaluateCoco(gt, dt)).matches, undefined);
  assert.ok((await evaluateCoco(gt, dt, { detectionMatches: true })).matches !== undefined);
});

test('each malformed GT or results entry is refused with its place and what was expected', () => {
  const gt = (extra: Record<string, unknown>) => ({ images: [{ id: 1 }, { id: 2 }], categories: [{ id: 1, name: 'cat' }], annotations: [], ...extra });
  const ann = (extra: Record<string, unknown>) => ({ annotations: [{ id: 1, image_id: 1, category_id: 1, bbox: [0, 0, 1, 1], area: 1, iscrowd: 0, ...extra }] });
  const refused: [unknown, string][] = [
    [gt({ images: [{ id: 1 }, 7] }), 'g.json: images[1] must be an object'],
    [gt({ categories: 'x' }), 'g.json: "categories" must be an array, got "x"'],
    [gt({ categories: [null] }), 'g.json: categories[0] must be an object'],
    [gt({ categories: [{ name: 'a' }] }), 'g.json: categories[0].id must be a finite number, got nothing'],
    [gt({ annotations: 'x' }), 'g.json: "annotations" must be an array, got "x"'],
    [gt({ annotations: [3] }), 'g.json: annotations[0] must be an object'],
    [gt({ annotations: [{ image_id: 1 }] }), 'g.json: annotations[0].id must be a finite number, got nothing'],
    [gt(ann({ category_id: '1' })), 'g.json: annotations[0].category_id must be a finite number, got "1"'],
    [gt(ann({ iscrowd: 2 })), 'g.json: annotations[0]: iscrowd must be 0, 1 or a boolean, got 2'],
    [gt(ann({ ignore: 'yes' })), 'g.json: annotations[0]: ignore must be 0, 1 or a boolean, got "yes"'],
  ];
  for (const [doc, message] of refused) assert.throws(() => loadGroundTruth(doc, 'g.json'), (err: Error) => err instanceof UserError && err.message === message, message);
});

test('GT flags may be booleans; ids come out sorted; a category without a name is named ""; without annotations the GT is empty', () => {
  const g = loadGroundTruth(
    {
      images: [{ id: 3 }, { id: 1 }, { id: 2 }],
      categories: [{ id: 5, name: 'b' }, { id: 2 }],
      annotations: [
        { id: 1, image_id: 1, category_id: 5, bbox: [0, 0, 1, 1], area: 1, iscrowd: true, ignore: false },
        { id: 2, image_id: 1, category_id: 5, bbox: [0, 0, 1, 1], area: 1, iscrowd: false, ignore: true },
      ],
    },
    'g.json',
  );
  assert.deepEqual([Array.from(g.imageIds), Array.from(g.categoryIds), [...g.categoryNames]], [[1, 2, 3], [2, 5], [[5, 'b'], [2, '']]]);
  assert.deepEqual([Array.from(g.annotations.iscrowd), Array.from(g.annotations.ignore)], [[1, 0], [0, 1]]);
  assert.equal(loadGroundTruth({ images: [{ id: 1 }], categories: [{ id: 1 }] }, 'g.json').annotations.count, 0);
  assert.throws(() => loadResults([1], g, 'd.json'), (err: Error) => err.message === 'd.json: result [0] must be an object, got 1');
  // Long values are cut at 60 characters in messages.
  assert.throws(
    () => loadResults([{ image_id: 1, category_id: 5, bbox: [0, 0, 1, 1], score: 'x'.repeat(100) }], g, 'd.json'),
    (err: Error) => err.message === `d.json: result [0].score must be a finite number, got "${'x'.repeat(56)}...`,
  );
  assert.throws(
    () => loadResults([{ image_id: 1, category_id: 5, bbox: [0, 0, 1, 1], score: 'x'.repeat(57) }], g, 'd.json'),
    (err: Error) => err.message === `d.json: result [0].score must be a finite number, got "${'x'.repeat(57)}"`,
  );
  assert.throws(() => loadResults([{ image_id: 1, category_id: 5, bbox: [0, 0, '1', 1], score: 1 }], g, 'd.json'), (err: Error) => err.message === 'd.json: result [0].bbox must hold 4 finite numbers, got [0,0,"1",1]');
  assert.throws(() => loadResults([{ image_id: 1, category_id: 5, bbox: null, score: 1 }], g, 'd.json'), (err: Error) => err.message === 'd.json: result [0].bbox must be [x, y, w, h], got null');
  // In-process results can hold what JSON cannot.
  assert.throws(() => loadResults([{ image_id: 1, category_id: 5, bbox: [0, 0, 1, 1], score: NaN }], g, 'd.json'), (err: Error) => err.message === 'd.json: result [0].score must be a finite number, got null');
});

test('invalid JSON is placed at its line and column, with the parser reason and nothing of its position text', async () => {
  // The bad comma sits past offset 100, so the parser's position has three digits.
  const text = `[\n  {"image_id": 1, "note": "${'x'.repeat(90)}"},\n  {"image_id": 2,, "score": 1}\n]`;
  const { gtPath, dtPath } = files('json_place', goodGt, text);
  await assert.rejects(evaluateCocoFiles(gtPath, dtPath), (err: Error) => {
    assert.match(err.message, new RegExp(`^${dtPath.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:3:18: invalid JSON in the COCO results file \\(`));
    assert.ok(err.message.endsWith(' file (Expected double-quoted property name)'), err.message);
    return true;
  });
});
