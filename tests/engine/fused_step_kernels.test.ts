/**
 * The addon's kernels for a training step's non-conv work: the SGD-momentum
 * update, the Relu gradient, Sums over leading axes, Add and Multiply give the same bits as
 * the tfjs ops they replace (which run where the addon is not), at 1 and 2 threads; the threaded
 * per-channel kernels (BatchNorm, MaxPoolGrad) give the same bits at 1 and 2
 * threads. In CI the addon is built, so these do not skip there.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { tf, type Tensor } from '../../src/engine/tf.js';
import { initEngine } from '../../src/engine/init.js';
import { loadAddon } from '../../src/engine/native/addon.js';
import { binaryLayout } from '../../src/engine/native/kernels.js';
import { fusedSgdStep } from '../../src/engine/sgd_update.js';
import { RELU_GRAD } from '../../src/engine/gradients.js';
import { SGD_UPDATE, type SgdUpdateAttrs } from '../../src/engine/sgd_update.js';
import { Sgd } from '../../src/train/optimizers/sgd.js';
import { randomTensor } from './cases.js';

const load = loadAddon();
const skip = load.addon || process.env.CI === 'true' ? false : `native addon unavailable: ${load.why}`;

/** Past the addon's 2^15-float threshold for splitting work across threads, and not a multiple of 16. */
const LARGE = 70_001;

const THREADS = [1, 2];

function bits(t: Tensor): Float32Array {
  return t.dataSync() as Float32Array;
}

/** The update src/train/optimizers/sgd.ts composed from tfjs ops before the fused kernel. */
function composedSgd(p: Tensor, buf: Tensor, grad: Tensor, o: SgdUpdateAttrs): [Tensor, Tensor] {
  return tf.tidy(() => {
    const g = o.weightDecay > 0 ? tf.add(grad, tf.mul(p, o.weightDecay)) : grad;
    const b = tf.add(tf.mul(buf, o.momentum), g);
    const step = o.nesterov ? tf.add(g, tf.mul(b, o.momentum)) : b;
    return [tf.sub(p, tf.mul(step, o.lr)), b];
  });
}

const SGD_SETTINGS: SgdUpdateAttrs[] = [
  { lr: 0.02, momentum: 0.9, weightDecay: 1e-4, nesterov: false },
  { lr: 0.013, momentum: 0.85, weightDecay: 0, nesterov: true },
];

describe('fused SGD update', () => {
  for (const threads of THREADS) {
    it(`gives the bits of the composed tfjs ops (${threads} thread${threads > 1 ? 's' : ''})`, { skip }, async () => {
      await initEngine({ backend: 'wasm', native: 'on', threads, log: false });
      for (const n of [7, LARGE]) {
        const [p, buf, grad] = [1, 2, 3].map((seed) => randomTensor([n], seed));
        for (const o of SGD_SETTINGS) {
          const fused = fusedSgdStep(p, buf, grad, o);
          assert.ok(fused, 'the addon registers the fused kernel');
          const want = composedSgd(p, buf, grad, o);
          assert.deepEqual(bits(fused[0]), bits(want[0]), `p' (n ${n}, ${JSON.stringify(o)})`);
          assert.deepEqual(bits(fused[1]), bits(want[1]), `buf' (n ${n}, ${JSON.stringify(o)})`);
          tf.dispose([...fused, ...want]);
        }
        tf.dispose([p, buf, grad]);
      }
    });
  }

  it('Sgd runs it from the second step on and keeps the PyTorch update', { skip }, async () => {
    await initEngine({ backend: 'wasm', native: 'on', log: false });
    const p = tf.variable(tf.tensor1d([1, -2]));
    const opt = new Sgd([{ name: 'default', params: [['w', p]], lrMult: 1, decayMult: 1 }], { lr: 0.1, momentum: 0.9, weightDecay: 0.1, nesterov: false });
    const g = [0.5, 0.25];
    let w = [1, -2];
    let buf: number[] = [];
    const kernelsPerStep: string[][] = [];
    for (let step = 0; step < 3; step++) {
      const grads = new Map([['w', tf.tensor1d(g)]]);
      const profile = await tf.profile(() => opt.apply(grads, 0.1));
      kernelsPerStep.push(profile.kernels.map((k) => k.name));
      tf.dispose([...grads.values()]);
      const d = g.map((gi, i) => gi + 0.1 * w[i]);
      buf = step === 0 ? d : buf.map((b, i) => 0.9 * b + d[i]);
      w = w.map((wi, i) => wi - 0.1 * buf[i]);
    }
    assert.ok(!kernelsPerStep[0].includes(SGD_UPDATE), 'the first step sets the buffer to g');
    assert.deepEqual(kernelsPerStep.slice(1), [[SGD_UPDATE], [SGD_UPDATE]]);
    const got = [...bits(p)];
    w.forEach((wi, i) => assert.ok(Math.abs(got[i] - wi) <= 1e-6, `w[${i}] ${got[i]} vs ${wi}`));
    opt.dispose();
    p.dispose();
  });

  it('rejects arrays of unequal length instead of reading past one', { skip }, () => {
    assert.ok(load.addon);
    const [a, b] = [new Float32Array(5), new Float32Array(4)];
    assert.throws(() => load.addon!.sgdUpdate(a, a, b, 0.1, 0.9, 0, false, a, a), /must have one length/);
    assert.throws(() => load.addon!.reluGrad(a, b, a), /must have one length/);
  });

  it('is gone when the engine re-initialises without the addon, and Sgd composes tfjs ops', { skip }, async () => {
    await initEngine({ backend: 'wasm', native: 'on', log: false });
    await initEngine({ backend: 'wasm', native: 'off', log: false });
    const [p, buf, grad] = [1, 2, 3].map((seed) => randomTensor([5], seed));
    assert.equal(fusedSgdStep(p, buf, grad, SGD_SETTINGS[0]), null);
    assert.equal(tf.getKernel(RELU_GRAD, 'wasm'), undefined);
    tf.dispose([p, buf, grad]);
  });
});

describe('fused Relu gradient', () => {
  for (const threads of THREADS) {
    it(`gives the bits of Step, Cast and Multiply (${threads} thread${threads > 1 ? 's' : ''})`, { skip }, async () => {
      await initEngine({ backend: 'wasm', native: 'on', threads, log: false });
      // Negative, zero (both signs) and positive inputs; negative dy makes dy·0 a −0.
      const x = tf.tidy(() => tf.concat([tf.tensor1d([0, -0, -1, 2]), randomTensor([LARGE], 5)]));
      const dy = tf.tidy(() => tf.concat([tf.tensor1d([-3, -3, -3, -3]), randomTensor([LARGE], 6)]));
      const profile = await tf.profile(() => tf.grad((t: Tensor) => tf.relu(t))(x, dy));
      assert.ok(profile.kernels.some((k) => k.name === RELU_GRAD), 'the gradient runs the fused kernel');
      const got = tf.grad((t: Tensor) => tf.relu(t))(x, dy);
      const want = tf.tidy(() => tf.mul(dy, tf.cast(tf.step(x), 'float32')));
      assert.deepEqual(bits(got), bits(want));
      assert.ok(Object.is(bits(got)[1], -0) && Object.is(bits(got)[2], -0));
      tf.dispose([x, dy, got, want]);
    });
  }
});

/** Add and Multiply over the layouts the addon takes (same shape, bias row, per-row column, scalar) and others, either way round. */
function binaries(): { shape: number[]; values: Float32Array }[] {
  const shapes: [number[], number[]][] = [
    [[2, 16, 16, 160], [2, 16, 16, 160]], [[2, 16, 16, 160], [160]], [[2, 16, 16, 160], [1, 1, 16, 160]], [[24552, 3], [24552, 1]],
    [[70001], [1]], [[3, 4], [3, 1, 1]], [[2, 3, 4], [2, 1, 4]], [[5, 1], [1, 6]],
  ];
  const out: { shape: number[]; values: Float32Array }[] = [];
  shapes.forEach(([sa, sb], i) => {
    const [a, b] = [randomTensor(sa, 60 + i), randomTensor(sb, 80 + i)];
    for (const t of [tf.add(a, b), tf.add(b, a), tf.mul(a, b), tf.mul(b, a)]) {
      out.push({ shape: t.shape, values: bits(t) });
      t.dispose();
    }
    tf.dispose([a, b]);
  });
  return out;
}

describe('Add and Multiply', () => {
  it('give the bits of the stock wasm kernels at 1 and 2 threads, in every broadcast', { skip }, async () => {
    await initEngine({ backend: 'wasm', native: 'off', log: false });
    const stock = binaries();
    for (const threads of THREADS) {
      await initEngine({ backend: 'wasm', native: 'on', threads, log: false });
      assert.deepEqual(binaries(), stock, `${threads} thread(s)`);
    }
  });

  it('take the addon kernel only in the layouts it has', () => {
    assert.deepEqual(binaryLayout([2, 8, 8, 64], [2, 8, 8, 64]), { rows: 128, cols: 64, broadcast: 0 });
    assert.deepEqual(binaryLayout([2, 8, 8, 64], [64]), { rows: 128, cols: 64, broadcast: 1 });
    assert.deepEqual(binaryLayout([2, 8, 8, 64], [1, 8, 64]), { rows: 16, cols: 512, broadcast: 1 });
    assert.deepEqual(binaryLayout([6, 3], [6, 1]), { rows: 6, cols: 3, broadcast: 2 });
    assert.deepEqual(binaryLayout([6, 3], []), { rows: 18, cols: 1, broadcast: 1 });
    assert.equal(binaryLayout([2, 3, 4], [2, 1, 4]), null);
    assert.equal(binaryLayout([3, 4], [1, 1, 4]), null);
    assert.equal(binaryLayout([0, 4], [4]), null);
  });
});

/** Sums over leading axes (the addon's column sum), and over others (the stock kernel), each with its output shape. */
function sums(): { shape: number[]; values: Float32Array }[] {
  const x = randomTensor([2, 16, 16, 160], 51);
  const cases: [number[], boolean][] = [[[0, 1, 2], false], [[-4, -3, -2], true], [[0], false], [[1, 2], false], [[0, 1, 2, 3], false]];
  const out = cases.map(([axis, keepDims]) => {
    const t = tf.sum(x, axis, keepDims);
    const r = { shape: t.shape, values: bits(t) };
    t.dispose();
    return r;
  });
  x.dispose();
  return out;
}

describe('Sum over leading axes', () => {
  it('gives the bits of the stock wasm Sum at 1 and 2 threads, other axes unchanged', { skip }, async () => {
    await initEngine({ backend: 'wasm', native: 'off', log: false });
    const stock = sums();
    for (const threads of THREADS) {
      await initEngine({ backend: 'wasm', native: 'on', threads, log: false });
      assert.deepEqual(sums(), stock, `${threads} thread(s)`);
    }
    assert.deepEqual(stock.map((s) => s.shape), [[160], [1, 1, 1, 160], [16, 16, 160], [2, 160], []]);
  });
});

/** MaxPoolGrad and BatchNorm forward and backward on a [2, 24, 24, 72] activation, every output flattened. */
function perChannelResults(): Float32Array[] {
  return tf.tidy(() => {
    const x = tf.add(tf.mul(randomTensor([2, 24, 24, 72], 41), 3), 1) as tf.Tensor4D;
    const y = tf.maxPool(x, 3, 2, 'same');
    const pooled = tf.engine().runKernel('MaxPoolGrad', { dy: randomTensor(y.shape, 42), input: x, output: y }, { filterSize: 3, strides: 2, pad: 'same' }) as Tensor;
    const [gamma, beta, dmean, dvariance] = [43, 44, 45, 46].map((seed) => randomTensor([72], seed));
    const attrs = { varianceEpsilon: 1e-5 };
    const forward = tf.engine().runKernel('DetlabBatchNormTrain', { x, gamma, beta }, attrs) as Tensor[];
    const backward = tf.engine().runKernel(
      'DetlabBatchNormTrainGrad', { x, dy: randomTensor(x.shape, 47), mean: forward[1], variance: forward[2], gamma, dmean, dvariance }, attrs) as Tensor[];
    return [pooled, ...forward, ...backward].map(bits);
  });
}

describe('threaded per-channel kernels of the addon', () => {
  it('give the same bits at 1 and 2 threads', { skip }, async () => {
    await initEngine({ backend: 'wasm', native: 'on', threads: 1, log: false });
    const one = perChannelResults();
    await initEngine({ backend: 'wasm', native: 'on', threads: 2, log: false });
    const two = perChannelResults();
    ['MaxPoolGrad', 'y', 'mean', 'variance', 'dx', 'dgamma', 'dbeta'].forEach((name, i) => assert.deepEqual(two[i], one[i], name));
  });
});
