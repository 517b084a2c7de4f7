/** The visualization hook after a tiny run: pictures, per-class AP and the confusion matrix in the MLflow file store, consistent with the ground truth. */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, test } from 'node:test';
import sharp from 'sharp';
import fg from 'fast-glob';
import { runTraining } from '../../src/train/session.js';
import { classColour } from '../../src/vis/palette.js';

const ROOT = resolve(import.meta.dirname, '../../..');
const CONFIG = join(ROOT, 'tests/sweep/fixtures/tiny_retinanet.yaml');
const dir = mkdtempSync(join(tmpdir(), 'detlab-vis-hook-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const sink = { write: () => true } as unknown as NodeJS.WritableStream;

interface Gt {
  categories: { id: number; name: string }[];
  images: { id: number; file_name: string }[];
  annotations: { image_id: number; category_id: number; bbox: number[] }[];
}

test('each evaluation logs val pictures, per-class AP and a confusion matrix as artifacts', async () => {
  const shapes = join(dir, 'shapes');
  const report = await runTraining({
    configFile: CONFIG,
    // No prediction of a 2-iteration detector is drawn at score 1, so the ground truth's frames are on top.
    overrides: ['train.max_iters=2', `data.train.dataset.root=${shapes}`, `data.val.dataset.root=${shapes}`, `++tracking.uri=${join(dir, 'mlruns')}`, '++visualization.score_thr=1'],
    workDir: join(dir, 'work'),
    out: sink,
  });
  assert.equal(report.outcome, 'finished');
  const [artifacts] = await fg('*/*/artifacts', { cwd: join(dir, 'mlruns'), onlyDirectories: true, absolute: true });
  assert.ok(artifacts !== undefined, 'the run is in the file store');
  const images = readdirSync(join(artifacts, 'images/iter_000002')).sort();
  assert.deepEqual(images, ['000000.png', '000001.png', '000002.png', '000003.png'], 'the 4 val images (visualization.images defaults to 4)');
  assert.deepEqual(readdirSync(join(artifacts, 'eval/iter_000002')).sort(), ['confusion_matrix.csv', 'confusion_matrix.png', 'per_class_ap.csv', 'per_class_ap.png']);

  const [annFile] = await fg('*/annotations/val.json', { cwd: shapes, absolute: true });
  assert.ok(annFile !== undefined);
  const gt = JSON.parse(readFileSync(annFile, 'utf8')) as Gt;
  const names = gt.categories.map((c) => c.name);

  // The first image, enlarged 4x (64 px): its last ground-truth box is drawn last, its dashed frame starts at its top-left corner.
  const first = gt.images.find((i) => i.file_name.endsWith('000000.png'))!;
  const boxes = gt.annotations.filter((a) => a.image_id === first.id);
  const last = boxes[boxes.length - 1];
  const { data, info } = await sharp(join(artifacts, 'images/iter_000002/000000.png')).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  assert.equal(info.width, 256);
  const [x, y] = [Math.round(last.bbox[0] * 4), Math.round(last.bbox[1] * 4)];
  const label = gt.categories.findIndex((c) => c.id === last.category_id);
  assert.deepEqual([...data.subarray((y * 256 + x) * 3, (y * 256 + x) * 3 + 3)], [...classColour(label)], 'the ground-truth frame has its class colour');

  const perClass = readFileSync(join(artifacts, 'eval/iter_000002/per_class_ap.csv'), 'utf8').trim().split('\n');
  assert.equal(perClass[0], 'category_id,name,AP,AP50,AP75,APs,APm,APl,AR100');
  assert.deepEqual(perClass.slice(1).map((l) => JSON.parse(l.split(',')[1]) as string), names);

  const rows = readFileSync(join(artifacts, 'eval/iter_000002/confusion_matrix.csv'), 'utf8').trim().split('\n').map((l) => l.split(','));
  assert.deepEqual(rows[0].slice(1), [...names, 'background']);
  assert.deepEqual(rows.slice(1).map((r) => r[0]), [...names, 'background']);
  const counts = rows.slice(1).map((r) => r.slice(1).map(Number));
  const bg = names.length;
  names.forEach((_, g) => {
    const numGt = gt.annotations.filter((a) => a.category_id === gt.categories[g].id).length;
    assert.ok(counts[g][bg] <= numGt, `${names[g]}: no more misses than ground truth`);
    assert.ok(counts[g][g] + counts[g][bg] >= numGt, `${names[g]}: every ground-truth box is a hit or a miss`);
  });
  assert.equal(counts[bg][bg], 0, 'background is never predicted as background');
});
