/**
 * Against pycocotools itself: seeded synthetic cases covering crowds, empty
 * images, images without GT, score ties, boxes and GT areas on 32²/96²,
 * absent categories, >100 detections per image and duplicates, evaluated by
 * pycocotools in one Python run and by us in-process and with a worker.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { evaluateCocoFiles, numpyMean, type DetectionMatches } from '../../src/eval/index.js';
import { findPython } from '../helpers/python.js';
import { storedReferenceFile } from './paths.js';
import { buildCases, meanInputs, type Case } from './pycocotools_cases.js';
import { arrayHash, runPycocotools, storedReference, type ReferenceOutput } from './reference.js';

const probe = findPython(['pycocotools', 'numpy']);
const dir = mkdtempSync(join(tmpdir(), 'detlab-cocoeval-'));
after(() => rmSync(dir, { recursive: true, force: true }));

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

// Every reference number comes from one Python run, shared by the tests below.
let batch: { cases: Case[]; means: number[][]; reference: ReferenceOutput } | undefined;
function reference() {
  if (!batch) {
    const cases = buildCases(dir);
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

// DETLAB_WRITE_REFERENCE=1 rewrites the stored reference from this Python run (after changing the cases).
test('the stored reference, which checks evaluation without Python, is what pycocotools computes today', { skip: probe.skip }, () => {
  const { cases, means, reference: ref } = reference();
  const live = storedReference(cases.map((c) => c.label), ref);
  if (process.env.DETLAB_WRITE_REFERENCE === '1') writeFileSync(storedReferenceFile, JSON.stringify(live, null, 1) + '\n');
  assert.deepEqual(JSON.parse(readFileSync(storedReferenceFile, 'utf8')), live, 'stale: rerun with DETLAB_WRITE_REFERENCE=1');
  assert.equal(means.length, live.means.length);
});
