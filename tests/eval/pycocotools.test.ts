/**
 * Against pycocotools itself: seeded synthetic cases covering crowds, empty
 * images, images without GT, score ties, boxes and GT areas on 32²/96²,
 * absent categories, >100 detections per image and duplicates, evaluated by
 * pycocotools in one Python run and by us in-process and with a worker.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { evaluateCocoFiles, numpyMean, type DetectionMatches, type EvalOptions } from '../../src/eval/index.js';
import { findPython } from '../helpers/python.js';
import { arrayHash, runPycocotools, type ReferenceCase, type ReferenceOutput } from './reference.js';
import { generateCoco, randomOptions, seededRandom } from './synthetic_coco.js';

const probe = findPython(['pycocotools', 'numpy']);
const dir = mkdtempSync(join(tmpdir(), 'detlab-cocoeval-'));
after(() => rmSync(dir, { recursive: true, force: true }));

interface Case {
  label: string;
  ref: ReferenceCase;
  options: EvalOptions;
}

function buildCases(): Case[] {
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

/** Every detection pycocotools evaluated has its GT id and ignore flag; the others are NaN. */
function compareMatches(label: string, ours: DetectionMatches, theirs: Record<string, [number[], number[]]>): void {
  const T = 10;
  const n = ours.gtId.length / T;
  let evaluated = 0;
  let matched = 0;
  for (let row = 0; row < n; row++) {
    const ref = theirs[String(row + 1)];
    for (let t = 0; t < T; t++) {
      const at = t * n + row;
      if (!ref) {
        assert.ok(Number.isNaN(ours.gtId[at]), `${label}: result [${row}] was not evaluated by pycocotools`);
        continue;
      }
      assert.equal(ours.gtId[at], ref[0][t], `${label}: result [${row}] GT at threshold ${t}`);
      assert.equal(ours.ignored[at], ref[1][t], `${label}: result [${row}] ignore at threshold ${t}`);
      if (ref[0][t] !== 0) matched++;
    }
    if (ref) evaluated++;
  }
  assert.equal(evaluated, Object.keys(theirs).length);
  assert.ok(matched > 0, `${label}: some detection matched`);
}

/** Arrays for np.mean: lengths around numpy's 8-wide unrolling and 128-element blocks. */
function meanInputs(): number[][] {
  const rnd = seededRandom(7);
  const lengths = [1, 5, 7, 8, 9, 15, 16, 17, 127, 128, 129, 130, 255, 256, 257, 1000, 4040, 12345];
  return lengths.map((n) => Array.from({ length: n }, () => (rnd() < 0.3 ? 0 : rnd() * 10 ** Math.floor(rnd() * 6 - 3))));
}

// Every reference number comes from one Python run, shared by the tests below.
let batch: { cases: Case[]; means: number[][]; reference: ReferenceOutput } | undefined;
function reference() {
  if (!batch) {
    const cases = buildCases();
    const means = meanInputs();
    batch = { cases, means, reference: runPycocotools(probe.python as string, cases.map((c) => c.ref), means) };
  }
  return batch;
}

test('synthetic cases: all 12 stats within 1e-12 of pycocotools, precision/recall/scores arrays identical', { skip: probe.skip }, async () => {
  const { cases, reference: ref } = reference();
  let exact = 0;
  for (const [i, c] of cases.entries()) {
    const ours = await evaluateCocoFiles(c.ref.gt, c.ref.dt, c.options);
    const theirs = ref.stats[i];
    assert.equal(theirs.length, 12);
    for (let s = 0; s < 12; s++) {
      const delta = Math.abs(ours.stats[s] - theirs[s]);
      assert.ok(delta <= 1e-12, `${c.label}: stats[${s}] ours ${ours.stats[s]} pycocotools ${theirs[s]}`);
      if (ours.stats[s] === theirs[s]) exact++;
    }
    const arrays = ref.arrays[i];
    assert.equal(arrayHash(ours.precision), arrays.precision, `${c.label}: precision[T,R,K,A,M] differs from pycocotools`);
    assert.equal(arrayHash(ours.recall), arrays.recall, `${c.label}: recall[T,K,A,M] differs from pycocotools`);
    assert.equal(arrayHash(ours.scores), arrays.scores, `${c.label}: scores[T,R,K,A,M] differs from pycocotools`);
    const theirMatches = ref.matches[i];
    if (c.options.detectionMatches) {
      assert.ok(ours.matches && theirMatches);
      compareMatches(c.label, ours.matches, theirMatches);
    }
  }
  const withMatches = cases.filter((c) => c.options.detectionMatches).length;
  assert.ok(withMatches >= 8);
  // The port aims at bit-identical numbers; the 1e-12 bound is the contract.
  assert.equal(exact, cases.length * 12, 'every stat is bit-identical');
  const seen = ref.stats.flat();
  assert.ok(seen.includes(-1) && seen.some((v) => v > 0 && v < 1), 'cases cover undefined and ordinary stats');
});

test('pairwise summation equals np.mean bit for bit', { skip: probe.skip }, () => {
  const { means, reference: ref } = reference();
  let differsFromNaive = 0;
  means.forEach((a, i) => {
    assert.equal(numpyMean(a), ref.means[i], `length ${a.length}`);
    if (a.reduce((s, v) => s + v, 0) / a.length !== ref.means[i]) differsFromNaive++;
  });
  assert.ok(differsFromNaive > 0, 'some case separates pairwise from left-to-right summation');
});
