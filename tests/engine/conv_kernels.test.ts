/** Conv2D gradients of the wasm kernel pack against the JavaScript reference. */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { tf } from '../../src/engine/tf.js';
import { initEngine } from '../../src/engine/init.js';
import { registerWasmPack } from '../../src/engine/wasm/register.js';
import { conv2dFilterGrad, conv2dInputGrad, convGeometry, relativeError } from './reference.js';
import { caseTensors, convCases, runKernel, TOLERANCE } from './cases.js';

describe('wasm kernel pack: Conv2D gradients', () => {
  before(async () => {
    await initEngine({ backend: 'wasm', native: 'off', log: false });
  });

  for (const c of convCases()) {
    it(`Conv2DBackpropFilter ${c.name}`, () => {
      const { x, w, dy } = caseTensors(c, 11);
      const got = runKernel('Conv2DBackpropFilter', { x, dy }, { strides: c.stride, pad: c.pad, dataFormat: 'NHWC', filterShape: w.shape });
      const want = conv2dFilterGrad(x.dataSync() as Float32Array, dy.dataSync() as Float32Array, c.geometry);
      tf.dispose([x, w, dy]);
      assert.ok(relativeError(got, want) <= TOLERANCE, `relative error ${relativeError(got, want)}`);
    });

    for (const method of ['conv', 'col2im', 'col2imT', 'auto'] as const) {
      it(`Conv2DBackpropInput (${method}) ${c.name}`, () => {
        registerWasmPack({ backpropInput: method });
        const { x, w, dy } = caseTensors(c, 23);
        const got = runKernel('Conv2DBackpropInput', { dy, filter: w }, { strides: c.stride, pad: c.pad, dataFormat: 'NHWC', inputShape: x.shape });
        const want = conv2dInputGrad(dy.dataSync() as Float32Array, w.dataSync() as Float32Array, c.geometry);
        tf.dispose([x, w, dy]);
        assert.ok(relativeError(got, want) <= TOLERANCE, `relative error ${relativeError(got, want)}`);
      });
    }
  }

  it('Conv2DBackpropFilter on odd sizes with strides 2 and 3, kernel 2 and 7 (stride-phase plane copies)', () => {
    registerWasmPack();
    for (const [h, w] of [[9, 7], [8, 11]]) {
      for (const k of [2, 7]) {
        for (const stride of [2, 3]) {
          const xShape = [2, h, w, 3];
          const geometry = convGeometry(xShape, [k, k], 4, stride, 'same');
          const x = tf.randomUniform(xShape, -1, 1, 'float32', 5);
          const dy = tf.randomUniform([2, geometry.OH, geometry.OW, 4], -1, 1, 'float32', 6);
          const got = runKernel('Conv2DBackpropFilter', { x, dy }, { strides: stride, pad: 'same', dataFormat: 'NHWC', filterShape: [k, k, 3, 4] });
          const want = conv2dFilterGrad(x.dataSync() as Float32Array, dy.dataSync() as Float32Array, geometry);
          tf.dispose([x, dy]);
          assert.ok(relativeError(got, want) <= TOLERANCE, `${h}×${w} k${k} s${stride}: relative error ${relativeError(got, want)}`);
        }
      }
    }
  });

  it('trains through tf.grad: conv2d gradients match the reference end to end', () => {
    registerWasmPack();
    const x = tf.randomUniform([2, 9, 9, 5], -1, 1, 'float32', 3);
    const w = tf.randomUniform([3, 3, 5, 6], -1, 1, 'float32', 4);
    const dy = tf.randomUniform([2, 5, 5, 6], -1, 1, 'float32', 5);
    const [gx, gw] = tf.grads((a, b) => tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 2, 'same').mul(dy).sum())([x, w]);
    const g = { B: 2, H: 9, W: 9, C: 5, KH: 3, KW: 3, CO: 6, sh: 2, sw: 2, OH: 5, OW: 5, pt: 1, pl: 1, dh: 1, dw: 1 };
    const dyv = dy.dataSync() as Float32Array;
    assert.ok(relativeError(gw.dataSync(), conv2dFilterGrad(x.dataSync() as Float32Array, dyv, g)) <= TOLERANCE);
    assert.ok(relativeError(gx.dataSync(), conv2dInputGrad(dyv, w.dataSync() as Float32Array, g)) <= TOLERANCE);
    tf.dispose([x, w, dy, gx, gw]);
  });
});
