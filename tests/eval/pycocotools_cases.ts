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
  return cases;
}

/** Arrays for np.mean: lengths around numpy's 8-wide unrolling and 128-element blocks. */
export function meanInputs(): number[][] {
  const rnd = seededRandom(7);
  const lengths = [1, 5, 7, 8, 9, 15, 16, 17, 127, 128, 129, 130, 255, 256, 257, 1000, 4040, 12345];
  return lengths.map((n) => Array.from({ length: n }, () => (rnd() < 0.3 ? 0 : rnd() * 10 ** Math.floor(rnd() * 6 - 3))));
}
