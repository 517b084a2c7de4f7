/** `auto` on a machine with neither tfjs-node nor the OpenBLAS addon (the addon path points nowhere). */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { UserError } from '../../src/cli/command.js';
import { initEngine } from '../../src/engine/init.js';
import { tf } from '../../src/engine/tf.js';

process.env.DETLAB_NATIVE_ADDON = '/nonexistent/detlab_native.node';
// `auto` here means wasm also where setup:tensorflow installed tfjs-node (npm test sets the same).
process.env.DETLAB_ENGINE_AUTO = 'wasm';

describe('engine without tfjs-node and without the native addon', () => {
  it('auto falls back to the pure wasm pack, says why, and trains', async () => {
    const info = await initEngine({ log: false });
    assert.equal(info.backend, 'wasm');
    assert.equal(info.kernels, 'wasm-pack');
    assert.match(info.reason, /no native addon: \/nonexistent\/detlab_native\.node failed to load/);
    const w = tf.variable(tf.randomNormal([3, 3, 2, 4], 0, 1, 'float32', 1));
    const x = tf.randomNormal([1, 6, 6, 2], 0, 1, 'float32', 2) as tf.Tensor4D;
    const grad = tf.grad((v) => tf.conv2d(x, v as tf.Tensor4D, 1, 'same').square().sum())(w);
    assert.ok(Number.isFinite(grad.sum().dataSync()[0]));
    tf.dispose([w, x, grad]);
  });

  it('native: on is a one-line error pointing at the build script', async () => {
    await assert.rejects(initEngine({ backend: 'wasm', native: 'on', log: false }), (err: unknown) => {
      assert.ok(err instanceof UserError);
      assert.match(err.message, /^engine\.native: on, but the OpenBLAS addon is unavailable/);
      return true;
    });
  });
});
