import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tf, type Tensor } from '../../src/engine/tf.js';
import { Conv2d } from '../../src/nn/conv2d.js';
import { BatchNorm2d } from '../../src/nn/batch_norm.js';
import { dropMaskedGradients, gradientMask, parametersUnder, stopGradient, trainableVariables, underPrefix } from '../../src/nn/grad.js';
import { biasFromPriorProb, calculateGain, constant, kaimingNormal, kaimingUniform, normal, xavierUniform } from '../../src/nn/init.js';
import { Module } from '../../src/nn/module.js';
import { Sgd } from '../../src/train/optimizers/sgd.js';

await tf.setBackend('cpu');

function stats(t: Tensor): { mean: number; std: number; maxAbs: number } {
  const v = Array.from(t.dataSync());
  const mean = v.reduce((a, b) => a + b, 0) / v.length;
  const std = Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / v.length);
  return { mean, std, maxAbs: v.reduce((a, b) => Math.max(a, Math.abs(b)), 0) };
}

const near = (a: number, b: number, rel: number, what: string): void => assert.ok(Math.abs(a - b) <= rel * Math.abs(b), `${what}: ${a} vs ${b}`);

test('initialiser statistics follow torch.nn.init', () => {
  assert.equal(calculateGain('relu'), Math.SQRT2);
  near(calculateGain('leaky_relu', Math.sqrt(5)), Math.sqrt(1 / 3), 1e-12, 'gain a=sqrt5');
  const kn = stats(kaimingNormal([40000], { fan: 200, nonlinearity: 'relu', seed: 3 }));
  near(kn.std, Math.sqrt(2 / 200), 0.03, 'kaiming_normal std');
  assert.ok(Math.abs(kn.mean) < 0.002);
  const ku = stats(kaimingUniform([40000], { fan: 50, nonlinearity: 'relu', seed: 4 }));
  const bound = Math.SQRT2 * Math.sqrt(3 / 50);
  assert.ok(ku.maxAbs <= bound && ku.maxAbs > 0.99 * bound);
  near(ku.std, bound / Math.sqrt(3), 0.03, 'kaiming_uniform std');
  const xu = stats(xavierUniform([40000], 30, 70, 1, 5));
  assert.ok(xu.maxAbs <= Math.sqrt(6 / 100) && xu.maxAbs > 0.99 * Math.sqrt(6 / 100));
  near(stats(normal([40000], 0.01, 0, 6)).std, 0.01, 0.03, 'normal std');
  assert.deepEqual(Array.from(constant([3], 0.25).dataSync()), [0.25, 0.25, 0.25]);
  const b = biasFromPriorProb(0.01);
  near(b, -4.59511985013459, 1e-12, 'prior bias');
  near(1 / (1 + Math.exp(-b)), 0.01, 1e-12, 'sigmoid(prior bias)');
  assert.throws(() => biasFromPriorProb(1), /\(0, 1\)/);
  assert.throws(() => kaimingNormal([2], { fan: 0 }), /fan must be positive/);
});

test('stopGradient cuts the tape and does not leak', () => {
  const w = tf.variable(tf.tensor1d([1, 2]));
  const { value, grads } = tf.variableGrads(() => tf.sum(tf.mul(stopGradient(tf.mul(w, 3)), w)) as tf.Scalar, [w]);
  // d/dw sum(sg(3w) * w) = 3w (without the stop it would be 6w)
  assert.deepEqual(Array.from(grads[w.name].dataSync()), [3, 6]);
  value.dispose();
  grads[w.name].dispose();
  assert.throws(() => tf.grad((x: Tensor) => tf.sum(stopGradient(x)))(tf.ones([2])), /Cannot compute gradient/);
  const before = tf.memory().numTensors;
  tf.tidy(() => {
    stopGradient(tf.ones([3]));
  });
  assert.equal(tf.memory().numTensors, before);
  const x = tf.tensor1d([4, 5]);
  const y = stopGradient(x);
  x.dispose();
  assert.deepEqual(Array.from(y.dataSync()), [4, 5], 'the copy owns its data reference');
});

class Toy extends Module {
  readonly backbone = this.child('backbone', new Conv2d(2, 2, { kernelSize: 1 }));
  readonly backbone2 = this.child('backbone2', new BatchNorm2d(2, { mode: 'frozen' }));
  readonly head = this.child('head', new Conv2d(2, 1, { kernelSize: 1 }));
}

test('gradient-drop rules give the masked names per iteration', () => {
  const m = new Toy();
  assert.ok(underPrefix('backbone.weight', 'backbone') && !underPrefix('backbone2.weight', 'backbone') && underPrefix('x', ''));
  assert.deepEqual(parametersUnder(m, 'backbone').map(([n]) => n), ['backbone.weight', 'backbone.bias']);
  const rules = [{ prefixes: ['backbone'], untilIter: 3 }, { prefixes: ['head.bias'], fromIter: 2, untilIter: 4 }];
  assert.deepEqual([...gradientMask(m, rules, 0)], ['backbone.weight', 'backbone.bias']);
  assert.deepEqual([...gradientMask(m, rules, 2)], ['backbone.weight', 'backbone.bias', 'head.bias']);
  assert.deepEqual([...gradientMask(m, rules, 3)], ['head.bias']);
  assert.deepEqual([...gradientMask(m, rules, 4)], []);
  assert.throws(() => gradientMask(m, [{ prefixes: ['neck'], untilIter: 1 }], 0), /no parameter of the model is under 'neck'/);
  // frozen parameters are never trainable; masked ones are left out too
  assert.deepEqual(trainableVariables(m).length, 4);
  assert.deepEqual(trainableVariables(m, gradientMask(m, rules, 0)), [m.head.weight, m.head.bias]);
});

test('contract with the trainer: a dropped parameter gets no update, no weight decay, no momentum', () => {
  const m = new Toy();
  const x = tf.randomNormal([1, 3, 3, 2], 0, 1, 'float32', 7) as tf.Tensor4D;
  const loss = (): tf.Scalar => tf.sum(tf.square(m.head.forward(m.backbone.forward(x)))) as tf.Scalar;
  const params = m.trainableParameters();
  const sgd = new Sgd([{ name: 'default', params, lrMult: 1, decayMult: 1 }], { lr: 0.1, momentum: 0.9, weightDecay: 0.5, nesterov: false });
  const byTfName = new Map(params.map(([n, v]) => [v.name, n]));
  const step = (iter: number): void => {
    const mask = gradientMask(m, [{ prefixes: ['backbone'], untilIter: 1 }], iter);
    const { value, grads } = tf.variableGrads(loss, trainableVariables(m, mask));
    const named = new Map(Object.entries(grads).map(([k, g]) => [byTfName.get(k)!, g]));
    sgd.apply(named, 0.1);
    value.dispose();
    tf.dispose(Object.values(grads));
  };
  const w0 = Array.from(m.backbone.weight.dataSync());
  const h0 = Array.from(m.head.weight.dataSync());
  step(0);
  assert.deepEqual(Array.from(m.backbone.weight.dataSync()), w0, 'no update and no decay while dropped');
  assert.notDeepEqual(Array.from(m.head.weight.dataSync()), h0);
  assert.deepEqual([...sgd.slots().keys()].sort(), ['head.bias#momentum', 'head.weight#momentum']);
  step(1);
  assert.notDeepEqual(Array.from(m.backbone.weight.dataSync()), w0);
  assert.ok(sgd.slots().has('backbone.weight#momentum'));
  // the filter-afterwards form removes and frees the masked gradients
  const { value, grads } = tf.variableGrads(loss, trainableVariables(m));
  const mask = gradientMask(m, [{ prefixes: ['backbone'], untilIter: 9 }], 0);
  const dropped = grads[m.backbone.weight.name];
  dropMaskedGradients(m, grads, mask);
  assert.deepEqual(Object.keys(grads).sort(), [m.head.weight.name, m.head.bias!.name].sort());
  assert.ok(dropped.isDisposed);
  value.dispose();
  tf.dispose(Object.values(grads));
});
