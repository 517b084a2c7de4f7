/**
 * COP's equations on hand-built tensors: Eq. 1 on a 3×3 map (border values
 * 0.5 as the official zero-padded logits, 0, or the nearest inside value,
 * with the gradient through the replicated edge), IOP, and the probability
 * focal loss (its formula, finite values and gradients at p = 0 and 1).
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { tf, type Tensor4D } from '../../src/engine/tf.js';
import { initEngine } from '../../src/engine/init.js';
import { conditionalObjectness, implicitObjectness } from '../../src/detection/cop/conditional_objectness.js';
import { probFocalLoss } from '../../src/detection/cop/prob_focal_loss.js';

const sig = (x: number): number => 1 / (1 + Math.exp(-x));

describe('COP parts', () => {
  before(async () => {
    await initEngine({ backend: 'wasm', log: false });
  });

  it('Eq. 1 on a 3×3 map: mean over the neighbourhood of σ(logit)·σ(coef), outside neighbours σ(0) = 0.5, 0 or the nearest inside', () => {
    // one image, 3×3 locations, 2 classes; coefficients differ per location and neighbour
    const logits = Array.from({ length: 9 * 2 }, (_, i) => ((i * 7) % 11) / 3 - 1.5);
    const coef = Array.from({ length: 9 * 9 }, (_, i) => ((i * 5) % 13) / 4 - 1.5);
    const l = tf.tensor4d(logits, [1, 3, 3, 2]);
    const c = tf.tensor4d(coef, [1, 3, 3, 9]);
    const clamp = (v: number): number => Math.min(Math.max(v, 0), 2);
    for (const border of ['half', 'zero', 'replicate'] as const) {
      const got = conditionalObjectness(l, c, border).dataSync();
      for (let y = 0; y < 3; y++) for (let x = 0; x < 3; x++) for (let k = 0; k < 2; k++) {
        let sum = 0;
        for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) {
          const ny = y + dy, nx = x + dx;
          const inside = ny >= 0 && ny <= 2 && nx >= 0 && nx <= 2;
          const p = inside || border === 'replicate' ? sig(logits[(clamp(ny) * 3 + clamp(nx)) * 2 + k]) : border === 'half' ? 0.5 : 0;
          sum += p * sig(coef[(y * 3 + x) * 9 + (dy + 1) * 3 + (dx + 1)]);
        }
        const i = (y * 3 + x) * 2 + k;
        assert.ok(Math.abs(got[i] - sum / 9) < 1e-6, `${border} (${y}, ${x}) class ${k}: ${got[i]} vs ${sum / 9}`);
      }
    }
    // replicate: d Σp / d logit(y, x) = σ'(logit) · Σ σ(coef_k(a)) / 9 over every (a, k) whose clamped neighbour is (y, x)
    const grad = tf.grad((t: tf.Tensor) => tf.sum(conditionalObjectness(t as Tensor4D, c, 'replicate')))(l).dataSync();
    for (let y = 0; y < 3; y++) for (let x = 0; x < 3; x++) for (let k = 0; k < 2; k++) {
      let weight = 0;
      for (let ay = 0; ay < 3; ay++) for (let ax = 0; ax < 3; ax++) for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) {
        if (clamp(ay + dy) === y && clamp(ax + dx) === x) weight += sig(coef[(ay * 3 + ax) * 9 + (dy + 1) * 3 + (dx + 1)]);
      }
      const s = sig(logits[(y * 3 + x) * 2 + k]);
      const want = (s * (1 - s) * weight) / 9;
      const i = (y * 3 + x) * 2 + k;
      assert.ok(Math.abs(grad[i] - want) < 1e-6, `replicate gradient (${y}, ${x}) class ${k}: ${grad[i]} vs ${want}`);
    }
    // the corner with all logits and coefficients at 0: 4 inside neighbours of 0.5 and 5 outside ones
    const z = (shape: [number, number, number, number]): Tensor4D => tf.zeros(shape) as Tensor4D;
    assert.ok(Math.abs(conditionalObjectness(z([1, 3, 3, 1]), z([1, 3, 3, 9]), 'half').dataSync()[0] - 0.25) < 1e-7, 'half: (9 · 0.5 · 0.5) / 9');
    assert.ok(Math.abs(conditionalObjectness(z([1, 3, 3, 1]), z([1, 3, 3, 9]), 'zero').dataSync()[0] - (4 * 0.25) / 9) < 1e-7, 'zero: (4 · 0.5 · 0.5) / 9');
    // a map of near-zero scores: only 'half' lifts the corner, by its 5 outside neighbours' σ(0) · σ(0) / 9
    const low = tf.fill([1, 3, 3, 1], -30) as Tensor4D;
    assert.ok(Math.abs(conditionalObjectness(low, z([1, 3, 3, 9]), 'half').dataSync()[0] - (5 * 0.25) / 9) < 1e-7, 'half: the floor');
    assert.ok(conditionalObjectness(low, z([1, 3, 3, 9]), 'replicate').dataSync()[0] < 1e-12, 'replicate: no floor');
    assert.throws(() => conditionalObjectness(l, tf.zeros([1, 3, 3, 4]) as Tensor4D), /\[B, 3, 3, 9\]/);
  });

  it('IOP = ReLU(σ(cls) − σ(obj_bias)) · σ(obj)', () => {
    const cls = [2, -1, 0.5, 3], obj = [0.3, -2, 1, 0], bias = [-1, 0, 1, -9.21];
    const got = implicitObjectness(tf.tensor4d(cls, [1, 2, 2, 1]), tf.tensor4d(obj, [1, 2, 2, 1]), tf.tensor4d(bias, [1, 2, 2, 1])).dataSync();
    cls.forEach((v, i) => assert.ok(Math.abs(got[i] - Math.max(sig(v) - sig(bias[i]), 0) * sig(obj[i])) < 1e-6, `element ${i}`));
    assert.equal(got[1], 0, 'below the bias: zero');
  });

  it('probability focal loss equals its formula and stays finite (value and gradient) at p = 0 and 1', () => {
    const p = [0.1, 0.7, 0.4, 0.95, 0, 1, 0, 1];
    const t = [1, 0, 0, 1, 1, 1, 0, 0];
    const got = probFocalLoss(tf.tensor2d(p, [4, 2]), tf.tensor2d(t, [4, 2])).dataSync();
    const eps = 1e-12;
    p.forEach((pi, i) => {
      const ti = t[i];
      const bce = -(ti * Math.log(Math.max(pi, eps)) + (1 - ti) * Math.log(Math.max(1 - pi, eps)));
      const pt = (1 - pi) * ti + pi * (1 - ti);
      const want = bce * (0.25 * ti + 0.75 * (1 - ti)) * pt ** 2;
      assert.ok(Math.abs(got[i] - want) <= 1e-5 * Math.max(1, want), `element ${i}: ${got[i]} vs ${want}`);
      assert.ok(Number.isFinite(got[i]), `element ${i} finite`);
    });
    assert.ok(Math.abs(got[5]) === 0, 'p = t = 1: no loss');
    assert.ok(Math.abs(got[4] - 0.25 * -Math.log(eps)) < 1e-4, 'p = 0 against t = 1: α·(−log ε), large but finite');
    const grad = tf.grad((x: tf.Tensor) => tf.sum(probFocalLoss(x, tf.tensor2d(t, [4, 2]))))(tf.tensor2d(p, [4, 2])).dataSync();
    assert.ok(grad.every(Number.isFinite), `finite gradients: ${Array.from(grad).join(', ')}`);
  });
});
