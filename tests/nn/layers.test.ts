import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tf, type Tensor, type Tensor4D } from '../../src/engine/tf.js';
import { BatchNorm2d } from '../../src/nn/batch_norm.js';
import { Conv2d } from '../../src/nn/conv2d.js';
import { ConvModule } from '../../src/nn/conv_module.js';
import { GroupNorm } from '../../src/nn/group_norm.js';
import { LayerNorm } from '../../src/nn/layer_norm.js';
import { Linear } from '../../src/nn/linear.js';
import { stateFromTorch, stateToTorch } from '../../src/nn/torch_layout.js';

await tf.setBackend('cpu');

function close(actual: Tensor | number[], expected: number[], tol = 1e-5, what = ''): void {
  const a = Array.isArray(actual) ? actual : Array.from(actual.dataSync());
  assert.equal(a.length, expected.length, `${what} length`);
  a.forEach((v, i) => assert.ok(Math.abs(v - expected[i]) <= tol * Math.max(1, Math.abs(expected[i])), `${what}[${i}]: ${v} vs ${expected[i]}`));
}

/** Loads torch-layout tensors (OIHW conv weights) into `m` by name. */
function loadTorch(m: Conv2d | Linear, state: Record<string, Tensor>): void {
  const converted = stateFromTorch(m, new Map(Object.entries(state)));
  m.loadStateDict(converted);
}

test('Conv2d: torch OIHW weights, bias, hand-computed 2x2 case', () => {
  const conv = new Conv2d(1, 2, { kernelSize: 2 });
  loadTorch(conv, { weight: tf.tensor4d([1, 0, 0, -1, 1, 1, 1, 1], [2, 1, 2, 2]), bias: tf.tensor1d([0.5, -1]) });
  const x = tf.tensor4d([1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 3, 3, 1]);
  const y = conv.forward(x);
  assert.deepEqual(y.shape, [1, 2, 2, 2]);
  // channel 0: x[i,j] - x[i+1,j+1] + 0.5 = -3.5; channel 1: 2x2 window sums - 1.
  close(y, [-3.5, 11, -3.5, 15, -3.5, 23, -3.5, 27]);
  const back = stateToTorch(conv).get('weight')!;
  assert.deepEqual(back.shape, [2, 1, 2, 2]);
  close(back, [1, 0, 0, -1, 1, 1, 1, 1]);
});

/** Direct loop over torch semantics: x NHWC, w OIHW. */
function referenceConv(x: number[], [n, h, wd, c]: number[], w: number[], [o, ig, kh, kw]: number[], s: number, p: number, d: number, g: number): number[] {
  const ho = Math.floor((h + 2 * p - d * (kh - 1) - 1) / s) + 1;
  const wo = Math.floor((wd + 2 * p - d * (kw - 1) - 1) / s) + 1;
  const out: number[] = [];
  for (let b = 0; b < n; b++)
    for (let oy = 0; oy < ho; oy++)
      for (let ox = 0; ox < wo; ox++)
        for (let oc = 0; oc < o; oc++) {
          const grp = Math.floor(oc / (o / g));
          let acc = 0;
          for (let ic = 0; ic < ig; ic++)
            for (let ky = 0; ky < kh; ky++)
              for (let kx = 0; kx < kw; kx++) {
                const iy = oy * s - p + ky * d;
                const ix = ox * s - p + kx * d;
                if (iy < 0 || iy >= h || ix < 0 || ix >= wd) continue;
                acc += x[((b * h + iy) * wd + ix) * c + grp * ig + ic] * w[((oc * ig + ic) * kh + ky) * kw + kx];
              }
          out.push(acc);
        }
  return out;
}

test('Conv2d: stride, padding, dilation, groups and depthwise match a direct loop', () => {
  const cases = [
    { c: 3, o: 4, k: 3, s: 2, p: 1, d: 1, g: 1 },
    { c: 2, o: 3, k: 3, s: 1, p: 2, d: 2, g: 1 },
    { c: 4, o: 6, k: 3, s: 1, p: 1, d: 1, g: 2 },
    { c: 4, o: 4, k: 3, s: 2, p: 1, d: 1, g: 4 },
    { c: 2, o: 2, k: 1, s: 2, p: 0, d: 1, g: 1 },
  ];
  for (const cs of cases) {
    const xShape = [2, 5, 6, cs.c];
    const wShape = [cs.o, cs.c / cs.g, cs.k, cs.k];
    const x = tf.randomNormal(xShape, 0, 1, 'float32', 1);
    const w = tf.randomNormal(wShape, 0, 1, 'float32', 2);
    const conv = new Conv2d(cs.c, cs.o, { kernelSize: cs.k, stride: cs.s, padding: cs.p, dilation: cs.d, groups: cs.g, bias: false });
    loadTorch(conv, { weight: w });
    const y = conv.forward(x as Tensor4D);
    const ref = referenceConv(Array.from(x.dataSync()), xShape, Array.from(w.dataSync()), wShape, cs.s, cs.p, cs.d, cs.g);
    close(y, ref, 1e-4, JSON.stringify(cs));
  }
});

test('Conv2d: torch default init bounds and fans', () => {
  const conv = new Conv2d(8, 16, { kernelSize: 3 });
  assert.equal(conv.fanIn, 72);
  assert.equal(conv.fanOut, 144);
  // kaiming_uniform(a = sqrt 5): bound = sqrt(2 / 6) * sqrt(3 / fan_in) = 1 / sqrt(fan_in).
  const bound = 1 / Math.sqrt(72);
  assert.ok(tf.max(tf.abs(conv.weight)).dataSync()[0] <= bound);
  assert.ok(tf.max(tf.abs(conv.weight)).dataSync()[0] > 0.9 * bound);
  assert.ok(tf.max(tf.abs(conv.bias!)).dataSync()[0] <= bound);
  assert.throws(() => new Conv2d(3, 4, { kernelSize: 1, groups: 2 }), /divisible by groups/);
  assert.throws(() => conv.forward(tf.zeros([1, 4, 4, 3]) as Tensor4D), /8 input channels/);
});

test('BatchNorm2d train mode: batch statistics and torch running-stat update', () => {
  const bn = new BatchNorm2d(2);
  // channel 0: 1..4 (mean 2.5, biased var 1.25, unbiased 5/3); channel 1: constant 2.
  const x = tf.tensor4d([1, 2, 2, 2, 3, 2, 4, 2], [2, 1, 2, 2]);
  const y = bn.forward(x);
  const s = Math.sqrt(1.25 + 1e-5);
  close(y, [-1.5 / s, 0, -0.5 / s, 0, 0.5 / s, 0, 1.5 / s, 0]);
  close(bn.runningMean, [0.25, 0.2]);
  close(bn.runningVar, [0.9 + 0.1 * (5 / 3), 0.9]);
  bn.forward(x);
  close(bn.runningMean, [0.9 * 0.25 + 0.25, 0.9 * 0.2 + 0.2]);
});

test('BatchNorm2d eval, norm_eval and frozen use running stats; frozen affine is not trainable', () => {
  const x = tf.tensor4d([1, 2, 3, 4], [1, 2, 2, 1]);
  const expected = [1, 2, 3, 4].map((v) => ((v - 1) / Math.sqrt(4 + 1e-5)) * 2 + 0.5);
  for (const mode of ['eval-via-module', 'eval', 'frozen'] as const) {
    const bn = new BatchNorm2d(1, { mode: mode === 'eval-via-module' ? 'train' : mode });
    bn.runningMean.assign(tf.tensor1d([1]));
    bn.runningVar.assign(tf.tensor1d([4]));
    bn.weight.assign(tf.tensor1d([2]));
    bn.bias.assign(tf.tensor1d([0.5]));
    if (mode === 'eval-via-module') bn.eval();
    else bn.train();
    assert.equal(bn.usesBatchStats, false, mode);
    close(bn.forward(x), expected, 1e-5, mode);
    close(bn.runningMean, [1], 0, mode);
    close(bn.runningVar, [4], 0, mode);
    assert.equal(bn.trainableParameters().length, mode === 'frozen' ? 0 : 2, mode);
  }
  const bn = new BatchNorm2d(1, { mode: 'frozen' });
  bn.setMode('train');
  assert.equal(bn.trainableParameters().length, 2);
  assert.equal(bn.usesBatchStats, true);
});

test('BatchNorm2d train-mode gradients flow through the batch statistics', () => {
  const bn = new BatchNorm2d(1);
  const x = tf.tensor4d([1, 2, 4, 7], [1, 2, 2, 1]);
  const dx = tf.grad((t: Tensor) => tf.sum(bn.forward(t as Tensor4D)))(x);
  // sum of a normalised tensor is constant, so its input gradient is zero.
  close(dx, [0, 0, 0, 0], 1e-5);
  const { grads } = tf.variableGrads(() => tf.sum(tf.mul(bn.forward(x), tf.tensor4d([1, 0, 0, 0], [1, 2, 2, 1]))) as tf.Scalar);
  const mean = 3.5;
  const sd = Math.sqrt(((1 - mean) ** 2 + (2 - mean) ** 2 + (4 - mean) ** 2 + (7 - mean) ** 2) / 4 + 1e-5);
  close(grads[bn.weight.name], [(1 - mean) / sd], 1e-5, 'dweight');
  close(grads[bn.bias.name], [1], 1e-6, 'dbias');
});

test('GroupNorm: per-sample group statistics (hand-computed)', () => {
  const gn = new GroupNorm(2, 4);
  gn.weight!.assign(tf.tensor1d([1, 2, 1, 1]));
  gn.bias!.assign(tf.tensor1d([0, 0, 1, 0]));
  // pixels [1,2,3,4] and [5,6,7,8]: group 0 = {1,2,5,6} (mean 3.5, var 4.25), group 1 = {3,4,7,8} (mean 5.5, var 4.25).
  const x = tf.tensor4d([1, 2, 3, 4, 5, 6, 7, 8], [1, 1, 2, 4]);
  const s = Math.sqrt(4.25 + 1e-5);
  close(gn.forward(x), [-2.5 / s, (2 * -1.5) / s, -2.5 / s + 1, -1.5 / s, 1.5 / s, (2 * 2.5) / s, 1.5 / s + 1, 2.5 / s]);
  // a second sample with other statistics does not change the first one's output
  const two = gn.forward(tf.concat([x, tf.mul(x, 10)], 0) as Tensor4D);
  close(tf.slice(two, [0, 0, 0, 0], [1, 1, 2, 4]), Array.from(gn.forward(x).dataSync()), 1e-5);
  assert.throws(() => new GroupNorm(3, 4), /cannot be split/);
  assert.equal(new GroupNorm(1, 4, { affine: false }).numParameters(), 0);
});

test('LayerNorm over channels (hand-computed)', () => {
  const ln = new LayerNorm(3);
  ln.weight!.assign(tf.tensor1d([1, 1, 2]));
  const x = tf.tensor3d([1, 2, 3, 0, 0, 6], [1, 2, 3]);
  const s1 = Math.sqrt(2 / 3 + 1e-5);
  const s2 = Math.sqrt(8 + 1e-5);
  close(ln.forward(x), [-1 / s1, 0, 2 / s1, -2 / s2, -2 / s2, 8 / s2]);
});

test('Linear: torch [out, in] weight, hand-computed', () => {
  const lin = new Linear(2, 3);
  loadTorch(lin, { weight: tf.tensor2d([1, 2, 3, 4, 5, 6], [3, 2]), bias: tf.tensor1d([1, 0, -1]) });
  const y = lin.forward(tf.tensor3d([1, 1, 2, 0], [2, 1, 2]));
  assert.deepEqual(y.shape, [2, 1, 3]);
  close(y, [4, 7, 10, 3, 6, 9]);
  assert.equal(new Linear(4, 5, { bias: false }).numParameters(), 20);
});

test('ConvModule: mmcv names and bias rule', () => {
  const plain = new ConvModule(4, 8, { kernelSize: 3, padding: 1, activation: null });
  assert.deepEqual(plain.namedParameters().map(([n]) => n), ['conv.weight', 'conv.bias']);
  const gn = new ConvModule(4, 8, { kernelSize: 3, padding: 1, norm: { type: 'GN', num_groups: 4 } });
  assert.deepEqual(gn.namedParameters().map(([n]) => n), ['conv.weight', 'gn.weight', 'gn.bias']);
  const y = gn.forward(tf.randomNormal([1, 3, 3, 4]) as Tensor4D);
  assert.ok(tf.min(y).dataSync()[0] >= 0, 'ReLU applied by default');
});
