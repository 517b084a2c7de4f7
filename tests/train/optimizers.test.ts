import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tf, type Tensor } from '../../src/engine/tf.js';
import { clipGradients } from '../../src/train/grad_clip.js';
import { AdamW } from '../../src/train/optimizers/adamw.js';
import { Sgd } from '../../src/train/optimizers/sgd.js';
import { assignParams, buildParamGroups, DEFAULT_PARAMWISE, normParameterNames } from '../../src/train/param_groups.js';
import { Rng } from '../../src/train/rng.js';
import { ToyModel } from './toy.js';

function close(actual: ArrayLike<number>, expected: number[], tol = 1e-6): void {
  assert.equal(actual.length, expected.length);
  for (let i = 0; i < expected.length; i++) assert.ok(Math.abs(actual[i] - expected[i]) <= tol * (1 + Math.abs(expected[i])), `[${i}] ${actual[i]} vs ${expected[i]}`);
}

function grads(map: Record<string, number[]>): Map<string, Tensor> {
  return new Map(Object.entries(map).map(([k, v]) => [k, tf.tensor1d(v)]));
}

test('SGD with momentum and weight decay follows the PyTorch update (buffer = g on the first step)', () => {
  const p = tf.variable(tf.tensor1d([1, -2]));
  const opt = new Sgd([{ name: 'default', params: [['w', p]], lrMult: 1, decayMult: 1 }], { lr: 0.1, momentum: 0.9, weightDecay: 0.1, nesterov: false });
  const g = [0.5, 0.25];
  let w = [1, -2];
  let buf: number[] = [];
  for (let step = 0; step < 3; step++) {
    const gg = grads({ w: g });
    opt.apply(gg, 0.1);
    tf.dispose([...gg.values()]);
    const d = g.map((gi, i) => gi + 0.1 * w[i]);
    buf = step === 0 ? d : buf.map((b, i) => 0.9 * b + d[i]);
    w = w.map((wi, i) => wi - 0.1 * buf[i]);
  }
  close(p.dataSync(), w);
  close(opt.slots().get('w#momentum')!.dataSync(), buf);
  opt.dispose();
  p.dispose();
});

test('AdamW: decoupled decay and bias-corrected moments, as torch.optim.AdamW', () => {
  const p = tf.variable(tf.tensor1d([0.5, -1.5]));
  const opt = new AdamW([{ name: 'default', params: [['w', p]], lrMult: 1, decayMult: 1 }], { lr: 0.01, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0.05 });
  const gs = [[0.3, -0.2], [0.1, 0.4]];
  let w = [0.5, -1.5];
  let m = [0, 0];
  let v = [0, 0];
  gs.forEach((g, k) => {
    const gg = grads({ w: g });
    opt.apply(gg, 0.01);
    tf.dispose([...gg.values()]);
    const t = k + 1;
    w = w.map((x) => x * (1 - 0.01 * 0.05));
    m = m.map((mi, i) => 0.9 * mi + 0.1 * g[i]);
    v = v.map((vi, i) => 0.999 * vi + 0.001 * g[i] * g[i]);
    w = w.map((x, i) => x - (0.01 / (1 - 0.9 ** t)) * (m[i] / (Math.sqrt(v[i]) / Math.sqrt(1 - 0.999 ** t) + 1e-8)));
  });
  close(p.dataSync(), w, 1e-5);
  assert.deepEqual(opt.jsonState(), { steps: { w: 2 } });
  opt.dispose();
  p.dispose();
});

test('param groups: bias LR x2 without decay, norm decay multiplier, norm detection by module', () => {
  const model = new ToyModel(new Rng(1));
  const norms = normParameterNames(model);
  assert.deepEqual([...norms].sort(), ['norm.bias', 'norm.weight']);
  const groups = buildParamGroups(model.trainableParameters(), norms, { ...DEFAULT_PARAMWISE, biasLrMult: 2, biasDecayMult: 0, normDecayMult: 0 });
  const byName = Object.fromEntries(groups.map((g) => [g.name, g]));
  assert.deepEqual(byName.bias.params.map(([n]) => n), ['backbone.bias', 'head.bias']);
  assert.deepEqual([byName.bias.lrMult, byName.bias.decayMult, byName.norm.decayMult, byName.default.lrMult], [2, 0, 0, 1]);

  // A bias in the x2/no-decay group moves by exactly 2 * lr * g even with weight decay on.
  const opt = new Sgd(groups, { lr: 0.1, momentum: 0, weightDecay: 0.5, nesterov: false });
  const before = Array.from(model.head.bias!.dataSync());
  const g = grads({ 'head.bias': [1] });
  opt.apply(g, 0.1);
  tf.dispose([...g.values()]);
  close(model.head.bias!.dataSync(), [before[0] - 0.2]);
  model.dispose();
});

test('parameter groups across optimizers must be disjoint and complete', () => {
  const model = new ToyModel(new Rng(1));
  const params = model.trainableParameters();
  const split = assignParams(params, [{ name: 'student' }, { name: 'teacher', prefixes: ['head'] }]);
  assert.deepEqual(split.get('teacher')!.map(([n]) => n), ['head.weight', 'head.bias']);
  assert.equal(split.get('student')!.length, params.length - 2);
  assert.throws(() => assignParams(params, [{ name: 'a', prefixes: ['head'] }, { name: 'b', prefixes: ['head.bias'] }]), /'head.bias' is claimed by optimizers 'a' and 'b'/);
  assert.throws(() => assignParams(params, [{ name: 'a', prefixes: ['head'] }]), /belong to no optimizer/);
  assert.throws(() => assignParams(params, [{ name: 'a' }, { name: 'b' }]), /both take "the remaining parameters"/);
  assert.throws(() => assignParams(params, [{ name: 'a' }, { name: 'b', prefixes: ['headx'] }]), /'headx' matches no trainable parameter/);
  model.dispose();
});

test('gradient clipping by value is element-wise; by norm scales all gradients together', () => {
  const g = grads({ a: [3, -4], b: [0.5, 12] });
  const byValue = clipGradients(g, { type: 'value', value: 1 });
  close(byValue.grads.get('a')!.dataSync(), [1, -1]);
  close(byValue.grads.get('b')!.dataSync(), [0.5, 1]);
  const byNorm = clipGradients(g, { type: 'norm', maxNorm: 6.5, normType: 2 });
  assert.ok(Math.abs(byNorm.norm! - 13.0096) < 1e-3);
  const s = 6.5 / (Math.sqrt(9 + 16 + 0.25 + 144) + 1e-6);
  close(byNorm.grads.get('b')!.dataSync(), [0.5 * s, 12 * s], 1e-5);
  tf.dispose([...g.values(), ...byValue.grads.values(), ...byNorm.grads.values()]);
});

test('the RNG state round-trips and continues the same stream', () => {
  const a = new Rng(42);
  for (let i = 0; i < 10; i++) a.uniform();
  const s = a.getState();
  const seq = Array.from({ length: 5 }, () => a.nextUint32());
  const b = new Rng(0);
  b.setState(s);
  assert.deepEqual(Array.from({ length: 5 }, () => b.nextUint32()), seq);
  assert.notDeepEqual(new Rng(1).getState(), new Rng(2).getState());
  assert.throws(() => b.setState([0, 0, 0, 0]), /all-zero/);
});

