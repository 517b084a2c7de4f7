import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CocoDataset, W, type CocoDatasetOptions } from '../../src/data/coco.js';
import { SKIP_CORRUPT, SKIP_SIZE } from '../../src/data/decode.js';
import { DataError } from '../../src/data/errors.js';
import { DataLoader } from '../../src/data/loader.js';
import { DEFECTS, tempDir } from './fixtures.js';

const ANN = join(DEFECTS, 'annotations.json');
const IMAGES = join(DEFECTS, 'images');

function open(overrides: Partial<CocoDatasetOptions> = {}): CocoDataset {
  const ds = new CocoDataset({
    annFile: ANN, imgPrefix: IMAGES, filterEmptyGt: false, invalidBoxes: 'clip', missingImages: 'skip', pipeline: [], ...overrides,
  });
  ds.load();
  return ds;
}

/** The fixture JSON with `edit` applied, written to a temporary file. */
function variant(edit: (json: Record<string, any>) => void): string {
  const json = JSON.parse(readFileSync(ANN, 'utf8')) as Record<string, any>;
  edit(json);
  const file = join(tempDir('coco-variant'), 'ann.json');
  writeFileSync(file, JSON.stringify(json, null, 1));
  return file;
}

test('invalid JSON is an error naming the file, line and column', () => {
  const file = join(DEFECTS, 'invalid.json');
  assert.throws(() => open({ annFile: file }), (err: Error) => {
    assert.ok(err instanceof DataError);
    assert.match(err.message, new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:4:5: invalid JSON`));
    return true;
  });
});

test('a missing annotation file and a missing top-level array are errors naming the file', () => {
  assert.throws(() => open({ annFile: join(DEFECTS, 'nope.json') }), /nope\.json: annotation file not found/);
  const file = variant((j) => delete j.images);
  assert.throws(() => open({ annFile: file }), (err: Error) => err instanceof DataError && err.message === `${file}: 'images' must be an array`);
});

test('duplicate image ids and duplicate category ids are errors', () => {
  const dupImage = variant((j) => j.images.push({ id: 2, file_name: 'a.png', width: 32, height: 24 }));
  assert.throws(() => open({ annFile: dupImage }), /duplicate image id 2 \(images\[7\], file a\.png\)/);
  const dupCat = variant((j) => j.categories.push({ id: 7, name: 'bird again' }));
  assert.throws(() => open({ annFile: dupCat }), /duplicate category id 7 \(categories\[3\]\)/);
});

test('missing image files: an error listing them, or counted and skipped', () => {
  assert.throws(() => open({ missingImages: 'error' }), (err: Error) => {
    assert.ok(err instanceof DataError);
    assert.match(err.message, /1 image file\(s\) not found under .*images: .*missing\.png \(set missing_images: skip/);
    return true;
  });
  const ds = open();
  assert.equal(ds.report.count(W.missingFile), 1);
  assert.deepEqual(ds.report.entry(W.missingFile)?.examples, [join(IMAGES, 'missing.png')]);
  assert.ok(!ds.cocoGt().images.some((im) => im.file_name === 'missing.png'));
});

test('record-level defects are counted with examples, and only valid annotations remain', () => {
  const ds = open();
  const r = ds.report;
  assert.equal(r.count(W.invalidImage), 1);
  assert.equal(r.count(W.unknownImage), 1);
  assert.match(r.entry(W.unknownImage)?.examples[0] ?? '', /image_id 999/);
  assert.equal(r.count(W.unknownCategory), 1);
  assert.match(r.entry(W.unknownCategory)?.examples[0] ?? '', /category_id 42/);
  assert.equal(r.count(W.malformedBox), 1);
  assert.equal(r.count(W.nonPositiveBox), 1);
  assert.equal(r.count(W.boxClipped), 1);
  assert.equal(r.count(W.boxDropped), 1, 'a box entirely outside is dropped even under clip');
  assert.equal(r.count(W.duplicateAnnotation), 1);
  assert.ok(r.lines().every((line) => line.startsWith(`${ANN}: `)));
  // a.png: the valid box, the clipped box; the crowd box is an ignore region.
  const a = ds.record(0);
  assert.equal(a.fileName, 'a.png');
  assert.deepEqual(a.boxes, [2, 2, 12, 10, 20, 10, 32, 24]);
  assert.deepEqual(a.labels, [0, 2]);
  assert.deepEqual(a.ignoreBoxes, [0, 0, 32, 24]);
});

test('fields a box detector does not read are still checked: iscrowd 2 dropped, malformed segmentation counted, string ids named as strings, a file_name out of img_prefix skipped', () => {
  const file = variant((json) => {
    json.annotations.push(
      { id: 101, image_id: 1, category_id: 1, bbox: [1, 1, 4, 4], area: 16, iscrowd: 2 },
      { id: 102, image_id: 1, category_id: 1, bbox: [3, 3, 4, 4], area: 16, iscrowd: 0, segmentation: 'garbage' },
      { id: 103, image_id: 1, category_id: 1, bbox: [5, 5, 4, 4], area: 16, iscrowd: 0, segmentation: [[5, 5, 9, 5, 9, 9]] },
      { id: 104, image_id: 1, category_id: 1, bbox: [6, 6, 4, 4], area: 16, iscrowd: 0, segmentation: { counts: 'abc', size: [24, 32] } },
      { id: 105, image_id: '1', category_id: 1, bbox: [1, 1, 4, 4], area: 16, iscrowd: 0 },
    );
    json.images.push({ id: 8, file_name: '../../../../etc/passwd', width: 32, height: 24 });
  });
  const ds = open({ annFile: file });
  const r = ds.report;
  assert.equal(r.count(W.malformedCrowd), 1);
  assert.match(r.entry(W.malformedCrowd)?.examples[0] ?? '', /iscrowd 2/);
  assert.equal(r.count(W.malformedSegmentation), 1, 'polygons and RLE pass');
  assert.match(r.entry(W.unknownImage)?.examples.join('\n') ?? '', /image_id "1" \(a string; ids are JSON numbers\)/);
  assert.equal(r.count(W.outsidePrefix), 1);
  assert.match(r.entry(W.outsidePrefix)?.examples[0] ?? '', /image id 8 file_name \.\.\/\.\.\/\.\.\/\.\.\/etc\/passwd/);
  // a.png keeps its boxes plus the three annotations with valid or malformed (unused) segmentation, not the iscrowd 2 one.
  const a = ds.record(0);
  assert.deepEqual(a.boxes, [2, 2, 12, 10, 20, 10, 32, 24, 3, 3, 7, 7, 5, 5, 9, 9, 6, 6, 10, 10]);
  assert.ok(Array.from({ length: ds.length }, (_, i) => ds.record(i)).every((rec) => rec.imageId !== 8));
});

test('out-of-image boxes follow invalid_boxes: drop and error', () => {
  const dropped = open({ invalidBoxes: 'drop' });
  assert.equal(dropped.report.count(W.boxClipped), 0);
  assert.equal(dropped.report.count(W.boxDropped), 2);
  assert.deepEqual(dropped.record(0).boxes, [2, 2, 12, 10]);
  assert.throws(() => open({ invalidBoxes: 'error' }), /annotations\.json: annotations\[2\] bbox \[20,10,20,20\] in 32x24 a\.png lies outside the image \(invalid_boxes: error\)/);
  const inside = variant((j) => j.annotations.splice(2, 1));
  assert.throws(() => open({ annFile: inside, invalidBoxes: 'error' }), /annotations\[2\] has a non-positive box size \[5,5,0,4\] \(invalid_boxes: error\)/);
});

test('the label map is contiguous over sorted category ids and maps back', () => {
  const ds = open();
  assert.deepEqual(ds.classes, ['dog', 'cat', 'bird']);
  assert.deepEqual([0, 1, 2].map((l) => ds.labelToCategoryId(l)), [1, 3, 7]);
  assert.equal(ds.categoryIdToLabel(7), 2);
  assert.equal(ds.categoryIdToLabel(42), undefined);
  assert.throws(() => ds.labelToCategoryId(3), RangeError);
});

test('images without annotations are kept, or filtered and counted with filter_empty_gt', () => {
  const kept = open();
  assert.ok(kept.cocoGt().images.some((im) => im.file_name === 'empty.png'));
  const filtered = open({ filterEmptyGt: true });
  assert.equal(filtered.report.count(W.emptyFiltered), 1);
  assert.equal(filtered.length, kept.length - 1);
});

test('the COCO GT for evaluation holds exactly the kept images and cleaned annotations', () => {
  const gt = open().cocoGt();
  assert.deepEqual(gt.images.map((im) => im.id).sort(), [1, 2, 4, 5, 6]);
  const ids = gt.annotations.map((a) => a.id);
  assert.equal(new Set(ids).size, ids.length, 'annotation ids are unique');
  const clipped = gt.annotations.find((a) => a.id === 3);
  assert.deepEqual(clipped?.bbox, [20, 10, 12, 14]);
  assert.equal(gt.annotations.find((a) => a.id === 2)?.iscrowd, 1);
  assert.deepEqual(gt.categories.map((c) => c.id), [1, 3, 7]);
});

test('corrupt and wrongly sized images are skipped mid-epoch, counted and reported at epoch end', async () => {
  const ds = open();
  const lines: string[] = [];
  const loader = await DataLoader.create(ds, { batchSize: 2, shuffle: true, seed: 5, numWorkers: 0, infinite: true, log: (l) => lines.push(l) });
  try {
    const n = ds.length; // a.png, b.jpg, corrupt.jpg, wrong_size.png, empty.png
    assert.equal(n, 5);
    let images = 0;
    for (let i = 0; i < 6; i += 1) {
      const batch = await loader.next();
      assert.equal(batch.images.shape[0], 2, 'skipped samples are replaced, batches stay full');
      images += batch.metas.length;
      batch.images.dispose();
    }
    assert.equal(images, 12);
    assert.ok(!lines.some((l) => /epoch [4-9]/.test(l)));
    assert.equal(loader.epoch >= 3, true);
    assert.equal(loader.report.count(SKIP_CORRUPT), 4, 'twice per epoch over the four epochs read so far');
    assert.equal(loader.report.count(SKIP_SIZE), loader.report.count(SKIP_CORRUPT));
    const epoch0 = lines.filter((l) => l.includes('epoch 0'));
    assert.equal(epoch0.length, 2);
    assert.ok(epoch0.some((l) => /1 × image size differs from its record \(wrong_size\.png: file is 40x30, record says 32x24\)/.test(l)));
    assert.ok(epoch0.some((l) => l.includes('1 × image file cannot be decoded') && l.includes('corrupt.jpg')));
  } finally {
    await loader.close();
  }
});

test('a file deleted after loading is skipped when decoded, in a worker too', async () => {
  const dir = tempDir('coco-vanish');
  const ann = join(dir, 'ann.json');
  writeFileSync(ann, readFileSync(ANN));
  for (const f of ['a.png', 'b.jpg']) writeFileSync(join(dir, f), readFileSync(join(IMAGES, f)));
  const ds = new CocoDataset({ annFile: ann, imgPrefix: dir, filterEmptyGt: false, invalidBoxes: 'clip', missingImages: 'skip', pipeline: [] });
  ds.load();
  assert.equal(ds.length, 2);
  const { rmSync } = await import('node:fs');
  rmSync(join(dir, 'b.jpg'));
  const lines: string[] = [];
  const loader = await DataLoader.create(ds, { batchSize: 1, shuffle: false, seed: 0, numWorkers: 1, infinite: false, log: (l) => lines.push(l) });
  try {
    const names: string[] = [];
    for await (const batch of loader) {
      names.push(...batch.metas.map((m) => m.fileName));
      batch.images.dispose();
    }
    assert.deepEqual(names, ['a.png']);
    assert.equal(lines.length, 1);
    assert.match(lines[0] ?? '', /1 × image file missing at decode time .*b\.jpg/);
  } finally {
    await loader.close();
  }
});

test('detlab data check prints the counted warnings, and with --decode the decode-time problems', async () => {
  const { default: dataCommand } = await import('../../src/cli/commands/data.js');
  const printed: string[] = [];
  const log = console.log;
  console.log = (line: string) => printed.push(line);
  try {
    assert.equal(await dataCommand.run(['check', ANN, '--img-prefix', IMAGES, '--missing-images', 'skip', '--decode']), 0);
  } finally {
    console.log = log;
  }
  assert.equal(printed[0], `${ANN}: 5 images, 6 annotations, 3 classes`);
  assert.equal(printed.filter((l) => l.startsWith('warning: ')).length, 9 + 2);
  assert.ok(printed.includes('decoded 5 images: 2 would be skipped during training'));
  await assert.rejects(dataCommand.run(['check', ANN, '--img-prefix', IMAGES]), /1 image file\(s\) not found/);
});

test('images are decoded upright by their EXIF orientation, as RGB float32 HWC', async () => {
  const { default: sharp } = await import('sharp');
  const { decodeRgb } = await import('../../src/data/decode.js');
  const file = join(tempDir('exif'), 'rotated.jpg');
  // 20x10 stored pixels, left half red; orientation 6 means "rotate 90° clockwise to view".
  const px = Buffer.alloc(20 * 10 * 3);
  for (let y = 0; y < 10; y += 1) for (let x = 0; x < 10; x += 1) px[(y * 20 + x) * 3] = 255;
  await sharp(px, { raw: { width: 20, height: 10, channels: 3 } }).jpeg({ quality: 100 }).withMetadata({ orientation: 6 }).toFile(file);
  const image = await decodeRgb(file);
  assert.deepEqual([image.width, image.height], [10, 20]);
  assert.equal(image.data.length, 10 * 20 * 3);
  assert.ok(image.data instanceof Float32Array);
  // After the clockwise turn the red half is on top.
  assert.ok((image.data[(2 * 10 + 5) * 3] as number) > 200, 'top is red');
  assert.ok((image.data[(17 * 10 + 5) * 3] as number) < 50, 'bottom is not');
});
