/**
 * ATSS against a second, independent reading of mmdet's ATSSAssigner (written
 * here as its matrix steps: distances, per-level top-k, mean + std over the
 * candidates, centre inside, the most-overlapped gt), on seeded random scenes
 * with several levels, crowded gts and priors claimed by more than one gt.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assignAtss } from '../../src/detection/assigners/atss_assigner.js';

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** Square anchors of side 4·stride centred on each cell of each level, level by level. */
function gridPriors(size: number, strides: number[]): { priors: Float32Array; levelSizes: number[] } {
  const boxes: number[] = [];
  const levelSizes: number[] = [];
  for (const s of strides) {
    const cells = size / s;
    for (let y = 0; y < cells; y++) for (let x = 0; x < cells; x++) boxes.push((x + 0.5) * s - 2 * s, (y + 0.5) * s - 2 * s, (x + 0.5) * s + 2 * s, (y + 0.5) * s + 2 * s);
    levelSizes.push(cells * cells);
  }
  return { priors: Float32Array.from(boxes), levelSizes };
}

function iou(a: Float32Array, i: number, b: Float32Array, j: number): number {
  const w = Math.max(0, Math.min(a[4 * i + 2], b[4 * j + 2]) - Math.max(a[4 * i], b[4 * j]));
  const h = Math.max(0, Math.min(a[4 * i + 3], b[4 * j + 3]) - Math.max(a[4 * i + 1], b[4 * j + 1]));
  const area = (x: Float32Array, k: number): number => (x[4 * k + 2] - x[4 * k]) * (x[4 * k + 3] - x[4 * k + 1]);
  return (w * h) / Math.max(area(a, i) + area(b, j) - w * h, 1e-6);
}

function oracle(priors: Float32Array, levelSizes: number[], gts: Float32Array, topk: number): { gtInds: number[]; maxOverlaps: number[] } {
  const n = priors.length / 4;
  const m = gts.length / 4;
  const overlaps = Array.from({ length: n }, (_, i) => Array.from({ length: m }, (_, g) => iou(priors, i, gts, g)));
  const centre = (b: Float32Array, k: number): [number, number] => [(b[4 * k] + b[4 * k + 2]) / 2, (b[4 * k + 1] + b[4 * k + 3]) / 2];
  // overlapsInf[i][g]: the IoU where prior i is a positive candidate of gt g, −∞ elsewhere.
  const overlapsInf = Array.from({ length: n }, () => new Array<number>(m).fill(-Infinity));
  for (let g = 0; g < m; g++) {
    const [gx, gy] = centre(gts, g);
    const candidates: number[] = [];
    let offset = 0;
    for (const size of levelSizes) {
      const level = Array.from({ length: size }, (_, k) => offset + k);
      const dist = (i: number): number => Math.hypot(centre(priors, i)[0] - gx, centre(priors, i)[1] - gy);
      candidates.push(...level.sort((a, b) => dist(a) - dist(b) || a - b).slice(0, topk));
      offset += size;
    }
    const values = candidates.map((i) => overlaps[i][g]);
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    const std = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / (values.length - 1));
    for (const i of candidates) {
      const [cx, cy] = centre(priors, i);
      const [x1, y1, x2, y2] = gts.subarray(4 * g, 4 * g + 4);
      if (overlaps[i][g] >= mean + std && Math.min(cx - x1, cy - y1, x2 - cx, y2 - cy) > 0.01) overlapsInf[i][g] = overlaps[i][g];
    }
  }
  const gtInds: number[] = [];
  const maxOverlaps: number[] = [];
  for (let i = 0; i < n; i++) {
    const best = Math.max(...overlapsInf[i]);
    const g = overlapsInf[i].indexOf(best);
    gtInds.push(best === -Infinity ? 0 : g + 1);
    maxOverlaps.push(best === -Infinity ? Math.max(0, ...overlaps[i]) : best);
  }
  return { gtInds, maxOverlaps };
}

test('ATSS equals an independent reading of mmdet on random scenes: positives, their gt, and every max overlap', () => {
  const { priors, levelSizes } = gridPriors(64, [8, 16, 32]);
  let positives = 0;
  let contested = 0;
  for (let scene = 0; scene < 40; scene++) {
    const random = rng(scene + 1);
    const m = 1 + Math.floor(random() * 6);
    const boxes: number[] = [];
    for (let g = 0; g < m; g++) {
      const w = 6 + random() * 40;
      const h = 6 + random() * 40;
      const x = random() * (64 - w);
      const y = random() * (64 - h);
      boxes.push(x, y, x + w, y + h);
    }
    const gts = Float32Array.from(boxes);
    const topk = scene % 2 === 0 ? 9 : 4;
    const got = assignAtss(priors, levelSizes, gts, { topk, ignoreIofThr: -1 });
    const want = oracle(priors, levelSizes, gts, topk);
    assert.deepEqual([...got.gtInds], want.gtInds, `scene ${scene}`);
    want.maxOverlaps.forEach((v, i) => assert.ok(Math.abs(got.maxOverlaps[i] - v) < 1e-5, `scene ${scene} prior ${i}: ${got.maxOverlaps[i]} vs ${v}`));
    assert.equal(got.numGts, m);
    positives += want.gtInds.filter((g) => g > 0).length;
    contested += want.gtInds.filter((g, i) => g > 0 && oracleClaims(priors, i, gts, want.gtInds[i])).length;
  }
  assert.ok(positives > 100, `the scenes exercise positives (${positives})`);
  assert.ok(contested > 0, 'and priors that more than one gt overlaps');
});

/** Whether prior i overlaps another gt than the one it went to. */
function oracleClaims(priors: Float32Array, i: number, gts: Float32Array, assigned: number): boolean {
  for (let g = 0; g < gts.length / 4; g++) if (g + 1 !== assigned && iou(priors, i, gts, g) > 0) return true;
  return false;
}

test('ATSS: no gt or no prior assigns nothing; level sizes must add up to the priors; ignore regions', () => {
  const { priors, levelSizes } = gridPriors(32, [8, 16]);
  const none = assignAtss(priors, levelSizes, new Float32Array(0), { topk: 9, ignoreIofThr: -1 });
  assert.deepEqual([none.numGts, [...none.gtInds].every((g) => g === 0), [...none.maxOverlaps].every((v) => v === 0)], [0, true, true]);
  const noPriors = assignAtss(new Float32Array(0), [0], Float32Array.of(0, 0, 8, 8), { topk: 9, ignoreIofThr: -1 });
  assert.deepEqual([noPriors.numGts, noPriors.gtInds.length], [1, 0]);
  assert.throws(() => assignAtss(priors, [16, 3], Float32Array.of(0, 0, 8, 8), { topk: 9, ignoreIofThr: -1 }), /^Error: assignAtss: level sizes sum to 19, priors are 20$/);
  // A negative prior lying in an ignore region (IoF above the threshold) is ignored (−1); positives stay.
  const gts = Float32Array.of(1, 1, 20, 20);
  const plain = assignAtss(priors, levelSizes, gts, { topk: 9, ignoreIofThr: 0.5 });
  assert.deepEqual([...plain.gtInds], [1, 1, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
  const ignored = assignAtss(priors, levelSizes, gts, { topk: 9, ignoreIofThr: 0.5 }, Float32Array.of(-100, -100, 100, 100));
  [...plain.gtInds].forEach((g, i) => assert.equal(ignored.gtInds[i], g > 0 ? g : -1, `prior ${i}`));
  const offThreshold = assignAtss(priors, levelSizes, gts, { topk: 9, ignoreIofThr: -1 }, Float32Array.of(-100, -100, 100, 100));
  assert.deepEqual([...offThreshold.gtInds], [...plain.gtInds], 'a negative ignore_iof_thr ignores nothing');
});
