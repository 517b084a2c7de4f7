/**
 * The seeded synthetic cases that detlab's COCO evaluation is checked on against pycocotools: with Python
 * live (pycocotools.test.ts), and without it against the stored reference (stored_reference.test.ts).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EvalOptions } from '../../src/eval/index.js';
import type { ReferenceCase } from './reference.js';
import { generateCoco, randomOptions, seededRandom } from './synthetic_coco.js';

export interface Case {
  label: string;
  ref: ReferenceCase;
  options: EvalOptions;
}

export function buildCases(dir: string): Case[] {
  const cases: Case[] = [];
  const write = (seed: number) => {
    const coco = generateCoco(seed, randomOptions(seed));
    const gt = join(dir, `gt_${seed}.json`);
    const dt = join(dir, `dt_${seed}.json`);
    writeFileSync(gt, JSON.stringify(coco.gt));
    writeFileSync(dt, JSON.stringify(coco.dt));
    return { gt, dt, coco };
  };
  for (let seed = 1; seed <= 24; seed++) {
    const { gt, dt } = write(seed);
    const matches = seed % 3 === 0;
    cases.push({ label: `seed ${seed}`, ref: { gt, dt, matches }, options: { workers: seed % 4 === 0 ? 1 : 0, detectionMatches: matches } });
  }
  const special = write(101);
  cases.push({ label: 'maxDets [1, 5, 20]', ref: { ...special, maxDets: [1, 5, 20] }, options: { maxDets: [1, 5, 20] } });
  cases.push({ label: 'maxDets [1, 10, 300] (stats[0] is -1)', ref: { ...special, maxDets: [1, 10, 300] }, options: { maxDets: [1, 10, 300] } });
  cases.push({ label: 'useCats 0 (pooled)', ref: { ...special, useCats: 0, matches: true }, options: { useCats: false, detectionMatches: true } });
  const pooled = write(102);
  cases.push({ label: 'useCats 0, worker', ref: { ...pooled, useCats: 0 }, options: { useCats: false, workers: 1 } });
  const subset = write(103);
  const imgIds = subset.coco.gt.images.filter((_, i) => i % 2 === 0).map((im) => im.id);
  const catIds = subset.coco.gt.categories.slice(1).map((c) => c.id);
  cases.push({ label: 'imgIds/catIds subsets', ref: { gt: subset.gt, dt: subset.dt, imgIds, catIds }, options: { imgIds, catIds } });
  const exact = writeRecallEdge(dir);
  cases.push({ label: 'recall 0.95 of 20 GT needs all 20; a category without detections', ref: exact, options: {} });
  return cases;
}

/**
 * 20 GT of one category where recall threshold 0.95 (the double 0.9500000000000001) needs the 20th TP,
 * which comes after a false positive, so its precision differs from the 19th's; and a category whose 3 GT
 * have no detection at all.
 */
function writeRecallEdge(dir: string): { gt: string; dt: string } {
  const grid = Array.from({ length: 20 }, (_, i) => [10 + 40 * (i % 5), 10 + 40 * Math.floor(i / 5), 30, 30]);
  const annotations = grid.map((bbox, i) => ({ id: i + 1, image_id: 1, category_id: 1, bbox, area: 900, iscrowd: 0 }));
  for (let j = 0; j < 3; j++) annotations.push({ id: 21 + j, image_id: 1, category_id: 2, bbox: [220, 10 + 40 * j, 30, 30], area: 900, iscrowd: 0 });
  const gt = { images: [{ id: 1, width: 300, height: 200 }], annotations, categories: [{ id: 1, name: 'a' }, { id: 2, name: 'b' }] };
  const dets = grid.slice(0, 19).map((bbox, i) => ({ image_id: 1, category_id: 1, bbox, score: 0.99 - 0.01 * i }));
  dets.push({ image_id: 1, category_id: 1, bbox: [250, 150, 20, 20], score: 0.7 }, { image_id: 1, category_id: 1, bbox: grid[19], score: 0.6 });
  const files = { gt: join(dir, 'gt_recall_edge.json'), dt: join(dir, 'dt_recall_edge.json') };
  writeFileSync(files.gt, JSON.stringify(gt));
  writeFileSync(files.dt, JSON.stringify(dets));
  return files;
}

/** Arrays for np.mean: lengths around numpy's 8-wide unrolling and 128-element blocks. */
export function meanInputs(): number[][] {
  const rnd = seededRandom(7);
  const lengths = [1, 5, 7, 8, 9, 15, 16, 17, 127, 128, 129, 130, 255, 256, 257, 1000, 4040, 12345];
  const random = lengths.map((n) => Array.from({ length: n }, () => (rnd() < 0.3 ? 0 : rnd() * 10 ** Math.floor(rnd() * 6 - 3))));
  // Eight values whose left-to-right sum (1e16: each 1 rounds away) differs from numpy's eight-way one (1e16 + 6).
  return [...random, [1e16, 1, 1, 1, 1, 1, 1, 1]];
}
