/** detlab's gradients of Mean and Sum (dy broadcast, no tensor of ones) give tfjs's values exactly, on wasm and cpu. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { tf } from '../../src/engine/tf.js';
import { initEngine } from '../../src/engine/init.js';
import { randomTensor } from './cases.js';

/** d/dx of Σ reduce(x, axes)·w: w broadcast back over the reduced axes, divided by their size for the mean. */
function expected(w: Float32Array, shape: number[], axes: number[], mean: boolean): number[] {
  const total = shape.reduce((p, q) => p * q, 1);
  const count = axes.reduce((p, a) => p * shape[a], 1);
  const out: number[] = [];
  for (let flat = 0; flat < total; flat++) {
    let rest = flat;
    let wIndex = 0;
    let wStride = 1;
    for (let d = shape.length - 1; d >= 0; d--) {
      const coord = rest % shape[d];
      rest = Math.floor(rest / shape[d]);
      if (!axes.includes(d)) {
        wIndex += coord * wStride;
        wStride *= shape[d];
      }
    }
    out.push(mean ? Math.fround(w[wIndex] / count) : w[wIndex]);
  }
  return out;
}

const cases: Array<{ axis: number | number[] | undefined; keepDims: boolean; axes: number[] }> = [
  { axis: 1, keepDims: false, axes: [1] },
  { axis: [1, 2, 4], keepDims: true, axes: [1, 2, 4] },
  { axis: -1, keepDims: false, axes: [4] },
  { axis: [0, 3], keepDims: false, axes: [0, 3] },
  { axis: undefined, keepDims: false, axes: [0, 1, 2, 3, 4] },
];

for (const backend of ['wasm', 'cpu'] as const) {
  describe(`reduction gradients on ${backend}`, () => {
    const shape = [2, 3, 4, 2, 5];
    for (const op of ['mean', 'sum'] as const) {
      for (const { axis, keepDims, axes } of cases) {
        it(`${op} over ${JSON.stringify(axis ?? 'all')}${keepDims ? ' (keepDims)' : ''}`, async () => {
          await initEngine({ backend, native: 'off', log: false });
          const x = randomTensor(shape, 90);
          const reduce = (t: tf.Tensor): tf.Tensor => (op === 'mean' ? tf.mean(t, axis, keepDims) : tf.sum(t, axis, keepDims));
          const yShape = tf.tidy(() => reduce(x).shape);
          const w = randomTensor(yShape, 91);
          const dx = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(reduce(t), w)))(x);
          assert.deepEqual(dx.shape, shape);
          assert.deepEqual(Array.from(dx.dataSync()), expected(w.dataSync() as Float32Array, shape, axes, op === 'mean'));
          tf.dispose([x, w, dx]);
        });
      }
    }
  });
}
