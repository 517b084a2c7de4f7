/** BatchMatMul, UnsortedSegmentSum, MaxPoolGrad, Tile, Slice and the depthwise gradients of the wasm pack vs the reference. */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { tf } from '../../src/engine/tf.js';
import { initEngine } from '../../src/engine/init.js';
import * as ref from './reference.js';
import { EXPLICIT_PAD, randomTensor, runKernel, TOLERANCE } from './cases.js';

function assertClose(got: ArrayLike<number>, want: ArrayLike<number>): void {
  const err = ref.relativeError(got, want);
  assert.ok(err <= TOLERANCE, `relative error ${err}`);
}

describe('wasm kernel pack: other kernels', () => {
  before(async () => {
    await initEngine({ backend: 'wasm', native: 'off', log: false });
  });

  const m = 5;
  const k = 7;
  const n = 4;
  for (const transposeA of [false, true]) {
    for (const transposeB of [false, true]) {
      for (const [batchA, batchB] of [[1, 1], [3, 3], [1, 3], [3, 1]]) {
        it(`BatchMatMul tA=${transposeA} tB=${transposeB} batch ${batchA}×${batchB}`, () => {
          const a = randomTensor([batchA, transposeA ? k : m, transposeA ? m : k], 1 + batchA);
          const b = randomTensor([batchB, transposeB ? n : k, transposeB ? k : n], 7 + batchB);
          const got = runKernel('BatchMatMul', { a, b }, { transposeA, transposeB });
          const want = ref.batchMatMul(a.dataSync() as Float32Array, b.dataSync() as Float32Array, { batchA, batchB, m, k, n }, transposeA, transposeB);
          tf.dispose([a, b]);
          assertClose(got, want);
        });
      }
    }
  }

  it('BatchMatMul stays correct when operands with the same shape but new contents follow (XNNPACK weight cache)', () => {
    for (let round = 0; round < 3; round++) {
      const a = randomTensor([2, 3, k, m], 40 + round);
      const b = randomTensor([2, 3, n, k], 50 + round);
      const got = runKernel('BatchMatMul', { a, b }, { transposeA: true, transposeB: true });
      const want = ref.batchMatMul(a.dataSync() as Float32Array, b.dataSync() as Float32Array, { batchA: 6, batchB: 6, m, k, n }, true, true);
      tf.dispose([a, b]);
      assertClose(got, want);
    }
  });

  it('UnsortedSegmentSum adds rows per segment and drops out-of-range ids', () => {
    const x = randomTensor([6, 3, 2], 3);
    const ids = tf.tensor1d([2, 0, 2, 5, -1, 1], 'int32');
    const got = runKernel('UnsortedSegmentSum', { x, segmentIds: ids }, { numSegments: 4 });
    assertClose(got, ref.unsortedSegmentSum(x.dataSync() as Float32Array, ids.dataSync() as Int32Array, 6, 4));
    tf.dispose([x, ids]);
  });

  it('gather has a gradient on wasm (UnsortedSegmentSum) equal to the reference', () => {
    const table = randomTensor([5, 3], 9);
    const idx = tf.tensor1d([4, 0, 4, 2], 'int32');
    const upstream = randomTensor([4, 3], 10);
    const grad = tf.grad((t) => tf.gather(t, idx).mul(upstream).sum())(table);
    assertClose(grad.dataSync(), ref.unsortedSegmentSum(upstream.dataSync() as Float32Array, idx.dataSync() as Int32Array, 3, 5));
    tf.dispose([table, idx, upstream, grad]);
  });

  for (const size of [2, 3]) {
    for (const stride of [1, 2]) {
      for (const pad of ['same', 'valid', EXPLICIT_PAD] as ref.Pad[]) {
        for (const batch of [1, 2]) {
          const padName = typeof pad === 'string' ? pad : 'explicit';
          it(`MaxPoolGrad ${size}×${size} s${stride} ${padName} b${batch} on negative inputs`, () => {
            const xShape = [batch, 7, 8, 3];
            // Shifted below zero: the stock wasm kernel mis-routes all-negative windows.
            const x = tf.tidy(() => randomTensor(xShape, 60 + size).sub(2));
            const g = ref.convGeometry(xShape, [size, size], 3, stride, pad);
            const y = tf.maxPool(x as tf.Tensor4D, size, stride, pad);
            assert.deepEqual(y.shape, [batch, g.OH, g.OW, 3]);
            const dy = randomTensor(y.shape, 61);
            const got = runKernel('MaxPoolGrad', { dy, input: x, output: y }, { filterSize: size, strides: stride, pad });
            assertClose(got, ref.maxPoolGrad(x.dataSync() as Float32Array, dy.dataSync() as Float32Array, g));
            tf.dispose([x, y, dy]);
          });
        }
      }
    }
  }

  for (const [shape, reps] of [[[3], [4]], [[1, 1, 1, 4], [2, 3, 5, 1]], [[2, 3], [1, 1]], [[2, 1, 3], [2, 4, 2]]]) {
    it(`Tile ${JSON.stringify(shape)} × ${JSON.stringify(reps)}`, () => {
      const x = randomTensor(shape, 70);
      const got = runKernel('Tile', { x }, { reps });
      assertClose(got, ref.tile(x.dataSync() as Float32Array, shape, reps));
      x.dispose();
    });
  }

  it('Tile keeps integer tensors exact', () => {
    const x = tf.tensor2d([[1, 2], [3, 4]], [2, 2], 'int32');
    const y = tf.tile(x, [2, 2]);
    assert.deepEqual(Array.from(y.dataSync()), [1, 2, 1, 2, 3, 4, 3, 4, 1, 2, 1, 2, 3, 4, 3, 4]);
    tf.dispose([x, y]);
  });

  const sliceCases: Array<[number[], number[], number[]]> = [
    [[7], [2], [4]],
    [[3, 5], [1, 0], [2, 5]],
    [[3, 5], [0, 1], [3, 3]],
    [[2, 4, 3, 5], [1, 1, 0, 0], [1, 2, 3, 5]],
    [[2, 4, 3, 5], [0, 1, 1, 2], [2, 3, 2, 2]],
    [[2, 3, 2, 2, 3], [1, 0, 1, 0, 1], [1, 3, 1, 2, 2]],
    [[2, 3], [0, 0], [2, 3]],
    [[4, 3], [1, 0], [0, 3]],
  ];
  for (const [shape, begin, size] of sliceCases) {
    it(`Slice ${JSON.stringify(shape)} from ${JSON.stringify(begin)} size ${JSON.stringify(size)} copies exactly`, () => {
      const x = randomTensor(shape, 80);
      const y = tf.slice(x, begin, size);
      assert.deepEqual(y.shape, size);
      assert.deepEqual(Array.from(y.dataSync()), ref.slice(x.dataSync(), shape, begin, size));
      tf.dispose([x, y]);
    });
  }

  it('Slice takes size -1 as "to the end" and keeps int32 and bool exact', () => {
    const ints = tf.tensor2d([[1, 2, 3], [4, 5, 6]], [2, 3], 'int32');
    const bools = tf.tensor2d([[true, false, true], [false, true, true]], [2, 3], 'bool');
    const a = tf.slice(ints, [0, 1], [-1, -1]);
    const b = tf.slice(bools, [1, 0], [1, 2]);
    assert.equal(a.dtype, 'int32');
    assert.deepEqual(Array.from(a.dataSync()), [2, 3, 5, 6]);
    assert.equal(b.dtype, 'bool');
    assert.deepEqual(Array.from(b.dataSync()), [0, 1]);
    tf.dispose([ints, bools, a, b]);
  });

  it('split and unstack take the pieces Slice would', () => {
    const shape = [2, 6, 4];
    const x = randomTensor(shape, 81);
    const values = x.dataSync();
    const parts = tf.split(x, [1, 2, 3], 1);
    assert.deepEqual(parts.map((p) => p.shape), [[2, 1, 4], [2, 2, 4], [2, 3, 4]]);
    for (const [i, begin] of [0, 1, 3].entries()) {
      assert.deepEqual(Array.from(parts[i].dataSync()), ref.slice(values, shape, [0, begin, 0], parts[i].shape));
    }
    const rows = tf.unstack(x, -1);
    assert.equal(rows.length, 4);
    for (const [i, row] of rows.entries()) {
      assert.deepEqual(row.shape, [2, 6]);
      assert.deepEqual(Array.from(row.dataSync()), ref.slice(values, shape, [0, 0, i], [2, 6, 1]));
    }
    tf.dispose([x, ...parts, ...rows]);
  });

  for (const kSize of [1, 3, 7]) {
    for (const stride of [1, 2]) {
      for (const pad of ['same', 'valid', EXPLICIT_PAD] as ref.Pad[]) {
        for (const batch of [1, 2]) {
          const multiplier = batch;
          const padName = typeof pad === 'string' ? pad : 'explicit';
          it(`DepthwiseConv2dNative gradients k${kSize} s${stride} ${padName} b${batch} ×${multiplier}`, () => {
            const xShape = [batch, 11, 10, 3];
            const g = ref.convGeometry(xShape, [kSize, kSize], 3 * multiplier, stride, pad);
            const x = randomTensor(xShape, 80);
            const w = randomTensor([kSize, kSize, 3, multiplier], 81);
            const dy = randomTensor([batch, g.OH, g.OW, 3 * multiplier], 82);
            const attrs = { strides: stride, pad, dilations: 1 };
            const dW = runKernel('DepthwiseConv2dNativeBackpropFilter', { x, dy }, { ...attrs, filterShape: w.shape });
            const dX = runKernel('DepthwiseConv2dNativeBackpropInput', { dy, filter: w }, { ...attrs, inputShape: x.shape });
            const xv = x.dataSync() as Float32Array;
            const wv = w.dataSync() as Float32Array;
            const dyv = dy.dataSync() as Float32Array;
            tf.dispose([x, w, dy]);
            assertClose(dW, ref.depthwiseFilterGrad(xv, dyv, g));
            assertClose(dX, ref.depthwiseInputGrad(dyv, wv, g));
          });
        }
      }
    }
  }

  it('stock wasm ResizeNearestNeighborGrad matches the reference for batch 2', () => {
    const x = randomTensor([2, 5, 7, 3], 90);
    const dy = randomTensor([2, 10, 14, 3], 91);
    const grad = tf.grad((t) => tf.image.resizeNearestNeighbor(t as tf.Tensor4D, [10, 14]).mul(dy).sum())(x);
    assertClose(grad.dataSync(), ref.resizeNearestGrad(dy.dataSync() as Float32Array, [2, 5, 7, 3], 10, 14));
    tf.dispose([x, dy, grad]);
  });
});
