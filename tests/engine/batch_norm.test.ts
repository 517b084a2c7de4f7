/**
 * The fused training-mode BatchNorm of the wasm pack against tf.moments +
 * tf.batchNorm (the composition it replaces): values, batch statistics and
 * gradients, also when the loss uses the returned statistics.
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { tf, type Tensor, type Tensor1D } from '../../src/engine/tf.js';
import { initEngine } from '../../src/engine/init.js';
import { batchNormTrain } from '../../src/engine/batch_norm.js';
import { relativeError } from './reference.js';
import { randomTensor, TOLERANCE } from './cases.js';

type Norm = (x: Tensor, gamma: Tensor1D, beta: Tensor1D) => { y: Tensor; mean: Tensor; variance: Tensor };

const fused: Norm = (x, gamma, beta) => batchNormTrain(x, gamma, beta, 1e-3);
const composed: Norm = (x, gamma, beta) => {
  const axes = x.shape.slice(0, -1).map((_, i) => i);
  const { mean, variance } = tf.moments(x, axes);
  return { y: tf.batchNorm(x, mean, variance, beta, gamma, 1e-3), mean, variance };
};

/** Loss value and gradients w.r.t. x, gamma, beta; `useStats` also puts the statistics in the loss. */
function lossAndGrads(norm: Norm, x: Tensor, gamma: Tensor1D, beta: Tensor1D, upstream: Tensor, useStats: boolean): Float32Array[] {
  return tf.tidy(() => {
    const f = (xi: Tensor, g: Tensor, b: Tensor): tf.Scalar => {
      const { y, mean, variance } = norm(xi, g as Tensor1D, b as Tensor1D);
      const main = tf.sum(tf.mul(y, upstream));
      return (useStats ? tf.addN([main, tf.sum(tf.mul(mean, 0.7)), tf.sum(tf.square(variance))]) : main) as tf.Scalar;
    };
    const { value, grads } = tf.valueAndGrads(f)([x, gamma, beta]);
    return [value, ...grads].map((t) => t.dataSync() as Float32Array);
  });
}

describe('fused training-mode BatchNorm (wasm pack)', () => {
  before(async () => {
    await initEngine({ backend: 'wasm', native: 'off', log: false });
  });

  for (const shape of [[2, 5, 7, 6], [1, 3, 4, 64], [3, 5]]) {
    const c = shape[shape.length - 1];
    it(`matches tf.moments + tf.batchNorm on [${shape.join(', ')}]: output, statistics`, () => {
      const x = tf.add(tf.mul(randomTensor(shape, 1), 3), 2);
      const gamma = randomTensor([c], 2) as Tensor1D;
      const beta = randomTensor([c], 3) as Tensor1D;
      const got = fused(x, gamma, beta);
      const want = composed(x, gamma, beta);
      for (const key of ['y', 'mean', 'variance'] as const) {
        const err = relativeError(got[key].dataSync(), want[key].dataSync());
        assert.ok(err <= TOLERANCE, `${key}: relative error ${err}`);
      }
      tf.dispose([x, gamma, beta, got.y, got.mean, got.variance, want.y, want.mean, want.variance]);
    });

    for (const useStats of [false, true]) {
      it(`matches on [${shape.join(', ')}]: gradients w.r.t. x, gamma, beta${useStats ? ' with the statistics in the loss' : ''}`, () => {
        const x = tf.add(tf.mul(randomTensor(shape, 4), 2), -1);
        const gamma = randomTensor([c], 5) as Tensor1D;
        const beta = randomTensor([c], 6) as Tensor1D;
        const upstream = randomTensor(shape, 7);
        const got = lossAndGrads(fused, x, gamma, beta, upstream, useStats);
        const want = lossAndGrads(composed, x, gamma, beta, upstream, useStats);
        ['loss', 'dx', 'dgamma', 'dbeta'].forEach((name, i) => {
          const err = relativeError(got[i], want[i]);
          assert.ok(err <= TOLERANCE, `${name}: relative error ${err}`);
        });
        tf.dispose([x, gamma, beta, upstream]);
      });
    }
  }

  it('runs the fused kernel on wasm and leaves no tensor behind in a gradient step', () => {
    assert.ok(tf.getKernel('DetlabBatchNormTrain', 'wasm'));
    const x = randomTensor([2, 4, 4, 8], 8);
    const gamma = tf.variable(tf.ones([8])) as tf.Variable<tf.Rank.R1>;
    const beta = tf.variable(tf.zeros([8])) as tf.Variable<tf.Rank.R1>;
    const before = tf.memory().numTensors;
    tf.tidy(() => {
      const { grads } = tf.variableGrads(() => tf.sum(tf.square(batchNormTrain(x, gamma, beta, 1e-5).y)) as tf.Scalar, [gamma, beta]);
      assert.equal(Object.keys(grads).length, 2);
    });
    assert.equal(tf.memory().numTensors, before);
    tf.dispose([x, gamma, beta]);
  });

  it('names the channel count when gamma or beta do not match x', () => {
    const x = tf.zeros([1, 2, 2, 3]);
    assert.throws(() => batchNormTrain(x, tf.ones([4]) as Tensor1D, tf.zeros([3]) as Tensor1D, 1e-5), /gamma and beta need 3 values/);
    x.dispose();
  });
});
