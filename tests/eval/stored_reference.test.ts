/**
 * detlab's COCO evaluation against pycocotools' stored numbers for the seeded synthetic cases: the 12 stats
 * bit for bit and the precision, recall and scores arrays by hash, and np.mean's pairwise sums. No Python
 * needed (pycocotools.test.ts checks, where Python is, that the stored numbers are still pycocotools' own).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { evaluateCocoFiles, numpyMean } from '../../src/eval/index.js';
import { storedReferenceFile } from './paths.js';
import { buildCases, meanInputs } from './pycocotools_cases.js';
import { arrayHash, type StoredReference } from './reference.js';

const dir = mkdtempSync(join(tmpdir(), 'detlab-cocoeval-stored-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const stored = JSON.parse(readFileSync(storedReferenceFile, 'utf8')) as StoredReference;

test('synthetic cases: the 12 stats and the precision/recall/scores arrays equal pycocotools’ stored ones', async () => {
  const cases = buildCases(dir);
  assert.deepEqual(cases.map((c) => c.label), stored.cases.map((c) => c.label));
  for (const [i, c] of cases.entries()) {
    const ours = await evaluateCocoFiles(c.ref.gt, c.ref.dt, c.options);
    const theirs = stored.cases[i];
    assert.deepEqual(Array.from(ours.stats), theirs.stats, `${c.label}: stats`);
    assert.equal(arrayHash(ours.precision), theirs.arrays.precision, `${c.label}: precision[T,R,K,A,M]`);
    assert.equal(arrayHash(ours.recall), theirs.arrays.recall, `${c.label}: recall[T,K,A,M]`);
    assert.equal(arrayHash(ours.scores), theirs.arrays.scores, `${c.label}: scores[T,R,K,A,M]`);
  }
});

test('pairwise summation equals the stored np.mean values bit for bit', () => {
  assert.deepEqual(meanInputs().map(numpyMean), stored.means);
});
