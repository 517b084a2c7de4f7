/**
 * The fused GroupNorm of the native addon against the tfjs composition it
 * replaces (moments and elementwise ops, what every other backend runs): the
 * output and the gradients of x, gamma and beta, with and without the affine,
 * for 1 group, 8 groups and one group per channel; and the same bits at 1 and
 * 2 threads. In CI the addon is built, so these do not skip there.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { tf, type Tensor, type Tensor1D, type Tensor4D } from '../../src/engine/tf.js';
import { initEngine } from '../../src/engine/init.js';
import { loadAddon } from '../../src/engine/native/addon.js';
import { GROUP_NORM, groupNorm } from '../../src/engine/group_norm.js';
import { relativeError } from './reference.js';
import { randomTensor } from './cases.js';

const load = loadAddon();
const skip = load.addon || process.env.CI === 'true' ? false : `native addon unavailable: ${load.why}`;

/** What src/engine/group_norm.ts composes where there is no fused kernel. */
function composed(x: Tensor4D, groups: number, eps: number, gamma?: Tensor1D, beta?: Tensor1D): Tensor4D {
  const [n, h, w, c] = x.shape;
  const xg = tf.reshape(x, [n, h, w, groups, c / groups]);
  const { mean, variance } = tf.moments(xg, [1, 2, 4], true);
  const y = tf.reshape(tf.mul(tf.sub(xg, mean), tf.rsqrt(tf.add(variance, eps))), [n, h, w, c]) as Tensor4D;
  return gamma !== undefined && beta !== undefined ? tf.add(tf.mul(y, gamma), beta) : y;
}

type Norm = typeof groupNorm;

/** y and the gradients of Σ y·dy with respect to x, gamma and beta (affine) or x alone. */
function results(norm: Norm, shape: number[], groups: number, affine: boolean): Float32Array[] {
  return tf.tidy(() => {
    const x = tf.add(tf.mul(randomTensor(shape, 21), 4), 3) as Tensor4D;
    const c = shape[3];
    const gamma = tf.add(randomTensor([c], 22), 1) as Tensor1D;
    const beta = randomTensor([c], 23) as Tensor1D;
    const dy = randomTensor(shape, 24);
    const y = affine ? norm(x, groups, 1e-5, gamma, beta) : norm(x, groups, 1e-5);
    const loss = (...args: Tensor[]) => {
      const [xi, gi, bi] = args as [Tensor4D, Tensor1D, Tensor1D];
      return tf.sum(tf.mul(affine ? norm(xi, groups, 1e-5, gi, bi) : norm(xi, groups, 1e-5), dy));
    };
    const grads = tf.grads(loss)(affine ? [x, gamma, beta] : [x]);
    return [y, ...grads].map((t) => t.dataSync() as Float32Array);
  });
}

const CASES: [number[], number, boolean][] = [
  [[2, 5, 3, 32], 8, true], [[2, 5, 3, 32], 1, false], [[2, 5, 3, 32], 32, true], [[4, 16, 16, 64], 8, true], [[1, 4, 4, 16], 4, true],
];

describe('fused GroupNorm', () => {
  it('matches the composed ops, forward and backward', { skip }, async () => {
    await initEngine({ backend: 'wasm', native: 'on', threads: 1, log: false });
    assert.ok(tf.getKernel(GROUP_NORM, 'wasm'), 'the addon registers the fused kernel');
    for (const [shape, groups, affine] of CASES) {
      const fused = results(groupNorm, shape, groups, affine);
      const want = results(composed, shape, groups, affine);
      const names = ['y', 'dx', 'dgamma', 'dbeta'];
      fused.forEach((got, i) => {
        const err = relativeError(got, want[i]);
        assert.ok(err <= 1e-5, `${names[i]} [${shape}] G ${groups}${affine ? '' : ' (no affine)'}: relative error ${err}`);
      });
    }
  });

  it('gives the same bits at 1 and 2 threads', { skip }, async () => {
    await initEngine({ backend: 'wasm', native: 'on', threads: 1, log: false });
    const one = results(groupNorm, [4, 16, 16, 64], 8, true);
    await initEngine({ backend: 'wasm', native: 'on', threads: 2, log: false });
    assert.deepEqual(results(groupNorm, [4, 16, 16, 64], 8, true), one);
  });

  it('composes tfjs ops where the addon is not (the kernel is unregistered with native: off)', async () => {
    await initEngine({ backend: 'wasm', native: 'off', log: false });
    assert.equal(tf.getKernel(GROUP_NORM, 'wasm'), undefined);
    const [fused, want] = [groupNorm, composed].map((norm) => results(norm, [2, 5, 3, 32], 8, true));
    fused.forEach((got, i) => assert.deepEqual(got, want[i]));
  });
});
