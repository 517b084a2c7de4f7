import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { tf, type Tensor3D } from '../../src/engine/tf.js';
import { initEngine } from '../../src/engine/init.js';
import type { ImageMeta } from '../../src/data/types.js';
import { cosineLoss, nceLoss } from '../../src/supervision/pixel_contrast/losses.js';
import { cellCentres, pairMask, type ViewGrid } from '../../src/supervision/pixel_contrast/mask.js';
import { MomentumPair, twinOf } from '../../src/supervision/pixel_contrast/momentum.js';
import { FPN } from '../../registry/necks/fpn.js';

before(async () => {
  await initEngine({ backend: 'wasm', log: false });
});

function meta(ops: ImageMeta['ops'], imgShape: [number, number]): ImageMeta {
  return { imageId: 3, fileName: 'x.png', originalShape: [64, 64], imgShape, padShape: imgShape, scaleFactor: [1, 1], flip: false, ops };
}

// Original image 64×64. Online view: the crop [16, 0, 48, 32], padded to 32×48 (stride 16: a 2×3 grid whose
// last column is padding). Momentum view: resized by 0.5 then flipped (32×32, a 2×2 grid).
const ONLINE: ViewGrid = { meta: meta([{ op: 'crop', box: [16, 0, 48, 32] }, { op: 'pad', shape: [32, 48] }], [32, 32]), h: 2, w: 3, inputShape: [32, 48] };
const MOMENTUM: ViewGrid = { meta: meta([{ op: 'resize', scaleFactor: [0.5, 0.5] }, { op: 'flip', width: 32 }], [32, 32]), h: 2, w: 2, inputShape: [32, 32] };
// Cell centres in original pixels, worked out by hand: online (x + 16, y); momentum ((32 − x) / 0.5, y / 0.5).
const E = [[24, 8], [40, 8], [56, 8], [24, 24], [40, 24], [56, 24]];
const E_VALID = [1, 1, 0, 1, 1, 0];
const M = [[48, 16], [16, 16], [48, 48], [16, 48]];
// Cell diagonals: online 16·√2, momentum 32·√2 original pixels; distances are divided by the larger.
const NORM = 32 * Math.SQRT2;

test('cell centres go back through crop, resize and flip; padding cells are invalid', () => {
  const e = cellCentres(ONLINE);
  assert.deepEqual(Array.from(e.xy), E.flat());
  assert.deepEqual(Array.from(e.valid), E_VALID);
  assert.ok(Math.abs(e.diagonal - 16 * Math.SQRT2) < 1e-9);
  const m = cellCentres(MOMENTUM);
  assert.deepEqual(Array.from(m.xy), M.flat());
  assert.ok(Math.abs(m.diagonal - NORM) < 1e-9);
});

test('positives mask with a fixed threshold equals the hand-computed distances', () => {
  const mask = pairMask(ONLINE, MOMENTUM, { type: 'fixed', value: 0.6 });
  for (let i = 0; i < E.length; i++) {
    for (let j = 0; j < M.length; j++) {
      const d = Math.hypot(E[i][0] - M[j][0], E[i][1] - M[j][1]) / NORM;
      assert.ok(Math.abs(mask.distance[i * 4 + j] - d) < 1e-6, `d(${i}, ${j})`);
      const pos = E_VALID[i] === 1 && d <= 0.6 ? 1 : 0;
      assert.equal(mask.positive[i * 4 + j], pos, `positive(${i}, ${j})`);
      assert.equal(mask.negative[i * 4 + j], E_VALID[i] === 1 ? 1 - pos : 0, `negative(${i}, ${j})`);
    }
  }
  // Spot checks: online (24, 8) and momentum (16, 16) are 8√2 px apart (d = 0.25); online (40, 24) and
  // the flipped momentum cell (48, 48) are √(8² + 24²) px apart (d ≈ 0.559); (40, 8) to (16, 48) is far.
  assert.equal(mask.positive[0 * 4 + 1], 1);
  assert.equal(mask.positive[4 * 4 + 2], 1);
  assert.equal(mask.positive[1 * 4 + 3], 0);
  // A padding cell is close to (48, 16) but is never a pair.
  assert.equal(mask.positive[2 * 4 + 0] + mask.negative[2 * 4 + 0], 0);
});

test('adaptive threshold: the mean distance over valid pairs divided by S', () => {
  let sum = 0;
  let n = 0;
  for (let i = 0; i < E.length; i++) {
    if (E_VALID[i] === 0) continue;
    for (const mj of M) {
      sum += Math.hypot(E[i][0] - mj[0], E[i][1] - mj[1]) / NORM;
      n += 1;
    }
  }
  const mask = pairMask(ONLINE, MOMENTUM, { type: 'adaptive', s: 9 });
  assert.ok(Math.abs(mask.threshold - sum / n / 9) < 1e-6);
  // With S = 2 the threshold is half the mean distance.
  const wide = pairMask(ONLINE, MOMENTUM, { type: 'adaptive', s: 2 });
  assert.ok(Math.abs(wide.threshold - sum / n / 2) < 1e-6);
  for (let k = 0; k < wide.distance.length; k++) {
    const valid = E_VALID[Math.floor(k / 4)] === 1;
    assert.equal(wide.positive[k], valid && wide.distance[k] <= wide.threshold ? 1 : 0);
  }
});

test('views of different images are refused', () => {
  const other = { ...MOMENTUM, meta: { ...MOMENTUM.meta, imageId: 4 } };
  assert.throws(() => pairMask(ONLINE, other, { type: 'fixed', value: 0.7 }), /different images \(3 vs 4\)/);
});

// Two online cells, three momentum cells, 2 channels.
const G = [[1, 0], [3, 4]];
const GAMMA = [[0, 2], [1, 1]];
const PSI = [[2, 0], [0, 1], [-1, 1]];
const POS = [[1, 1, 0], [0, 0, 0]];
const NEG = [[0, 0, 1], [1, 1, 1]];

function unit(v: number[]): number[] {
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
}
const dot = (a: number[], b: number[]): number => a.reduce((s, x, k) => s + x * b[k], 0);
const t3 = (rows: number[][]): Tensor3D => tf.tensor3d([rows], [1, rows.length, rows[0].length]);

test('NCE loss equals Eq. 4 on a tiny example (only anchors with positives count)', () => {
  const tau = 0.3;
  let total = 0;
  let anchors = 0;
  for (let i = 0; i < G.length; i++) {
    const p = POS[i].reduce((a, b) => a + b, 0);
    if (p === 0) continue;
    const s = PSI.map((psi) => dot(unit(G[i]), unit(psi)) / tau);
    const neg = s.reduce((acc, v, j) => acc + NEG[i][j] * Math.exp(v), 0);
    let li = 0;
    for (let j = 0; j < PSI.length; j++) if (POS[i][j] === 1) li -= Math.log(Math.exp(s[j]) / (Math.exp(s[j]) + neg));
    total += li / p;
    anchors += 1;
  }
  const got = nceLoss(t3(G), t3(PSI), t3(POS), t3(NEG), tau).dataSync()[0];
  assert.ok(Math.abs(got - total / anchors) < 1e-5, `${got} vs ${total / anchors}`);
});

test('cosine loss equals Eq. 5 on a tiny example; no anchor gives zero', () => {
  const want = -(dot(unit(GAMMA[0]), unit(PSI[0])) + dot(unit(GAMMA[0]), unit(PSI[1]))) / 2;
  const got = cosineLoss(t3(GAMMA), t3(PSI), t3(POS)).dataSync()[0];
  assert.ok(Math.abs(got - want) < 1e-6, `${got} vs ${want}`);
  assert.equal(cosineLoss(t3(GAMMA), t3(PSI), t3([[0, 0, 0], [0, 0, 0]])).dataSync()[0], 0);
});

test('momentum copy: same weights at first, frozen, moves by exactly β per update', () => {
  const online = new FPN({ in_channels: [4, 6], out_channels: 3, num_outs: 3, start_level: 0, add_extra_convs: 'on_output', relu_before_extra_convs: false });
  const momentum = twinOf(online, 'test');
  const pair = new MomentumPair(online, momentum, 0.99);
  assert.equal(momentum.trainableParameters().length, 0);
  for (const [name, v] of momentum.namedParameters()) {
    assert.deepEqual(Array.from(v.dataSync()), Array.from(new Map(online.namedParameters()).get(name)!.dataSync()), name);
  }
  // Move the online weights, then one EMA step.
  const before = new Map(momentum.namedParameters().map(([n, v]) => [n, Float32Array.from(v.dataSync())]));
  for (const [, v] of online.namedParameters()) v.assign(tf.add(v, tf.randomNormal(v.shape, 0, 1, 'float32', 5)));
  pair.update();
  const onlineNow = new Map(online.namedParameters());
  for (const [name, v] of momentum.namedParameters()) {
    const m0 = before.get(name)!;
    const o = onlineNow.get(name)!.dataSync();
    v.dataSync().forEach((x, k) => assert.ok(Math.abs(x - (0.99 * m0[k] + 0.01 * o[k])) < 1e-6, `${name}[${k}]`));
  }
  assert.throws(() => new MomentumPair(online, momentum, 1.5), /β must lie in \[0, 1\]/);
});
