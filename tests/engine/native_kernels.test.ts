/**
 * The OpenBLAS addon path against the JavaScript reference, and against the
 * pure wasm pack. In CI (CI=true) the addon is built by the install step, so
 * a missing addon fails here instead of skipping.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { tf } from '../../src/engine/tf.js';
import { initEngine } from '../../src/engine/init.js';
import { loadAddon } from '../../src/engine/native/addon.js';
import { registerNativeKernels } from '../../src/engine/native/kernels.js';
import * as ref from './reference.js';
import { caseTensors, convCases, convResults, EXPLICIT_PAD, MATMUL_CASES, matmulResult, randomTensor, runKernel, TOLERANCE } from './cases.js';

const load = loadAddon();
const inCi = process.env.CI === 'true';
const skip = load.addon ? false : `native addon unavailable: ${load.why}`;

function assertClose(got: ArrayLike<number>, want: ArrayLike<number>, what: string): void {
  const err = ref.relativeError(got, want);
  assert.ok(err <= TOLERANCE, `${what}: relative error ${err}`);
}

/** Fused BatchNorm forward and backward kernels on [2, 5, 3, 16] (mean far from 0), outputs flattened in order. */
function batchNormResults(): Float32Array[] {
  const x = tf.tidy(() => tf.add(tf.mul(randomTensor([2, 5, 3, 16], 11), 4), 3));
  const [gamma, beta, dmean, dvariance] = [12, 13, 14, 15].map((seed) => randomTensor([16], seed));
  const dy = randomTensor([2, 5, 3, 16], 16);
  const attrs = { varianceEpsilon: 1e-5 };
  const forward = tf.engine().runKernel('DetlabBatchNormTrain', { x, gamma, beta }, attrs) as tf.Tensor[];
  const [, mean, variance] = forward;
  const backward = tf.engine().runKernel('DetlabBatchNormTrainGrad', { x, dy, mean, variance, gamma, dmean, dvariance }, attrs) as tf.Tensor[];
  const out = [...forward, ...backward].map((t) => t.dataSync() as Float32Array);
  tf.dispose([x, gamma, beta, dmean, dvariance, dy, ...forward, ...backward]);
  return out;
}

describe('native OpenBLAS kernels', () => {
  it('the addon is built in CI', { skip: inCi ? false : 'not in CI (CI != true)' }, () => {
    assert.ok(load.addon, `CI builds the addon at install, but: ${load.addon ? '' : load.why}`);
  });

  it('conv kernels match the reference and the pure wasm pack', { skip }, async () => {
    const info = await initEngine({ backend: 'wasm', native: 'on', log: false });
    assert.equal(info.kernels, 'wasm-pack+openblas');
    // The engine line names the OpenBLAS build (system or wheel) the addon runs on (then oneDNN, when built with it).
    assert.ok(load.addon && info.reason.includes(` on ${load.addon.config()}`), info.reason);
    const cases = convCases();
    const native = cases.map((c) => convResults(c, 31));
    cases.forEach((c, i) => {
      const { x, w, dy } = caseTensors(c, 31);
      const [xv, wv, dyv] = [x, w, dy].map((t) => t.dataSync() as Float32Array);
      tf.dispose([x, w, dy]);
      assertClose(native[i].forward, ref.conv2d(xv, wv, c.geometry), `Conv2D ${c.name}`);
      assertClose(native[i].filterGrad, ref.conv2dFilterGrad(xv, dyv, c.geometry), `Conv2DBackpropFilter ${c.name}`);
      assertClose(native[i].inputGrad, ref.conv2dInputGrad(dyv, wv, c.geometry), `Conv2DBackpropInput ${c.name}`);
    });
    const wasmInfo = await initEngine({ backend: 'wasm', native: 'off', log: false });
    assert.equal(wasmInfo.kernels, 'wasm-pack');
    cases.forEach((c, i) => {
      const pack = convResults(c, 31);
      assertClose(pack.forward, native[i].forward, `paths differ: Conv2D ${c.name}`);
      assertClose(pack.filterGrad, native[i].filterGrad, `paths differ: Conv2DBackpropFilter ${c.name}`);
      assertClose(pack.inputGrad, native[i].inputGrad, `paths differ: Conv2DBackpropInput ${c.name}`);
    });
  });

  it('BatchMatMul matches the reference and the pure wasm pack', { skip }, async () => {
    await initEngine({ backend: 'wasm', native: 'on', log: false });
    const native = MATMUL_CASES.map((c) => matmulResult(c, 6, 9, 5));
    native.forEach(({ got, want }, i) => assertClose(got, want, `BatchMatMul ${JSON.stringify(MATMUL_CASES[i])}`));
    await initEngine({ backend: 'wasm', native: 'off', log: false });
    MATMUL_CASES.forEach((c, i) => assertClose(matmulResult(c, 6, 9, 5).got, native[i].got, `paths differ: BatchMatMul ${JSON.stringify(c)}`));
  });

  it('MaxPoolGrad matches the reference on negative inputs with padding, strides and batch 2', { skip }, async () => {
    await initEngine({ backend: 'wasm', native: 'on', log: false });
    for (const [size, stride, pad] of [[3, 2, 'same'], [2, 2, 'valid'], [3, 1, EXPLICIT_PAD]] as const) {
      const xShape = [2, 7, 8, 5];
      const x = tf.tidy(() => randomTensor(xShape, 70 + size).sub(2));
      const g = ref.convGeometry(xShape, [size, size], 5, stride, pad);
      const y = tf.maxPool(x as tf.Tensor4D, size, stride, pad);
      const dy = randomTensor(y.shape, 71);
      const got = runKernel('MaxPoolGrad', { dy, input: x, output: y }, { filterSize: size, strides: stride, pad });
      assertClose(got, ref.maxPoolGrad(x.dataSync() as Float32Array, dy.dataSync() as Float32Array, g), `MaxPoolGrad ${size}/${stride} ${String(pad)}`);
      tf.dispose([x, y, dy]);
    }
  });

  it('fused BatchNorm forward and backward match the pure wasm pack', { skip }, async () => {
    await initEngine({ backend: 'wasm', native: 'on', log: false });
    const native = batchNormResults();
    await initEngine({ backend: 'wasm', native: 'off', log: false });
    const pack = batchNormResults();
    ['y', 'mean', 'variance', 'dx', 'dgamma', 'dbeta'].forEach((name, i) => assertClose(native[i], pack[i], `paths differ: BatchNorm ${name}`));
  });

  it('registering twice keeps the fallbacks (dilated conv goes to XNNPACK) and the results', { skip }, async () => {
    await initEngine({ backend: 'wasm', native: 'on', log: false });
    assert.ok(load.addon);
    registerNativeKernels(load.addon, 1);
    registerNativeKernels(load.addon, 1);
    const c = convCases()[14];
    const { x, w } = caseTensors(c, 3);
    const [xv, wv] = [x, w].map((t) => t.dataSync() as Float32Array);
    assertClose(runKernel('Conv2D', { x, filter: w }, { strides: c.stride, pad: c.pad, dataFormat: 'NHWC', dilations: 1 }), ref.conv2d(xv, wv, c.geometry), `Conv2D ${c.name}`);
    const dilated = ref.convGeometry(c.xShape, [c.k, c.k], c.co, 1, 'same', 2);
    assertClose(runKernel('Conv2D', { x, filter: w }, { strides: 1, pad: 'same', dataFormat: 'NHWC', dilations: 2 }), ref.conv2d(xv, wv, dilated), 'dilated Conv2D');
    tf.dispose([x, w]);
  });

  it('rejects arrays too small for the requested product instead of reading past them', { skip }, () => {
    assert.ok(load.addon);
    const small = new Float32Array(3);
    assert.throws(() => load.addon?.sgemm(false, false, 2, 2, 2, 1, small, 2, small, 2, 0, small, 2), /too small/);
    assert.throws(() => load.addon?.im2col(small, 1, 4, 4, 1, 3, 3, 1, 1, 1, 1, 4, 4, small), /too small/);
    const x = new Float32Array(8);
    assert.throws(() => load.addon?.bnForward(x, 4, small, small, 1e-5, x, small, small), /too small/);
    assert.throws(() => load.addon?.bnForward(x, 3, small, small, 1e-5, x, small, small), /\[rows, C\]/);
  });
});
