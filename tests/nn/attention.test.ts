import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tf, type Tensor, type Tensor3D } from '../../src/engine/tf.js';
import { MultiheadAttention } from '../../src/nn/multihead_attention.js';

await tf.setBackend('cpu');

function close(t: Tensor, expected: number[], tol = 1e-5, what = ''): void {
  const a = Array.from(t.dataSync());
  assert.equal(a.length, expected.length, what);
  a.forEach((v, i) => assert.ok(Math.abs(v - expected[i]) <= tol, `${what}[${i}]: ${v} vs ${expected[i]}`));
}

/** Two heads of width 1 with identity in-projections and out-projection identity + [0.5, 0]. */
function identityAttention(): MultiheadAttention {
  const m = new MultiheadAttention(2, 2);
  m.inProjWeight.assign(tf.tensor2d([1, 0, 0, 1, 1, 0, 0, 1, 1, 0, 0, 1], [6, 2]));
  m.outProj.weight.assign(tf.eye(2));
  m.outProj.bias!.assign(tf.tensor1d([0.5, 0]));
  return m;
}

const query = tf.tensor3d([[[1, 0]]]);
const keys = tf.tensor3d([[[1, 0], [0, 1]]]);
const values = tf.tensor3d([[[1, 2], [3, 4]]]);

test('torch names, packed in-projection and init', () => {
  const m = new MultiheadAttention(8, 2);
  assert.deepEqual(m.namedParameters().map(([n, v]) => [n, v.shape]), [
    ['in_proj_weight', [24, 8]],
    ['in_proj_bias', [24]],
    ['out_proj.weight', [8, 8]],
    ['out_proj.bias', [8]],
  ]);
  assert.equal(m.numParameters(), 4 * 64 + 4 * 8);
  // xavier_uniform on [3E, E]: bound sqrt(6 / (E + 3E)); biases zero.
  assert.ok(tf.max(tf.abs(m.inProjWeight)).dataSync()[0] <= Math.sqrt(6 / 32));
  close(m.inProjBias, new Array(24).fill(0));
  close(m.outProj.bias!, new Array(8).fill(0));
  assert.throws(() => new MultiheadAttention(6, 4), /divisible/);
});

test('hand-computed two-head attention without masks', () => {
  const m = identityAttention();
  const { output, weights } = m.forward(query, keys, values);
  // head 0 (dim 0): logits q·k / sqrt(1) = [1, 0]; head 1 (dim 1): [0, 0].
  const a0 = Math.E / (Math.E + 1);
  const a1 = 1 / (Math.E + 1);
  close(output, [a0 * 1 + a1 * 3 + 0.5, 0.5 * 2 + 0.5 * 4]);
  close(weights, [(a0 + 0.5) / 2, (a1 + 0.5) / 2]);
});

test('key padding mask, boolean and float attention masks', () => {
  const m = identityAttention();
  const padded = m.forward(query, keys, values, { keyPaddingMask: tf.tensor2d([[false, true]], [1, 2], 'bool') });
  close(padded.output, [1.5, 2]);
  close(padded.weights, [1, 0]);
  // additive float mask [0, ln 2] on both heads
  const f = m.forward(query, keys, values, { attnMask: tf.tensor2d([[0, Math.log(2)]]) });
  const h0 = [Math.E / (Math.E + 2), 2 / (Math.E + 2)];
  close(f.output, [h0[0] + 3 * h0[1] + 0.5, 2 / 3 + 8 / 3]);
  // per-head boolean mask [N*heads, L, S]: head 0 cannot see key 1, head 1 cannot see key 0
  const b = m.forward(query, keys, values, { attnMask: tf.tensor3d([[[false, true]], [[true, false]]], [2, 1, 2], 'bool') });
  close(b.output, [1.5, 4]);
  close(b.weights, [0.5, 0.5]);
  // every key masked gives NaN, as torch does
  const all = m.forward(query, keys, values, { keyPaddingMask: tf.tensor2d([[true, true]], [1, 2], 'bool') });
  assert.ok(Array.from(all.output.dataSync()).every(Number.isNaN));
});

test('batched queries attend within their own sample and shapes are checked', () => {
  const m = new MultiheadAttention(4, 2);
  const q = tf.randomNormal([2, 3, 4]) as Tensor3D;
  const kv = tf.randomNormal([2, 5, 4]) as Tensor3D;
  const both = m.forward(q, kv, kv);
  assert.deepEqual(both.output.shape, [2, 3, 4]);
  assert.deepEqual(both.weights.shape, [2, 3, 5]);
  const second = m.forward(tf.slice(q, [1, 0, 0], [1, 3, 4]) as Tensor3D, tf.slice(kv, [1, 0, 0], [1, 5, 4]) as Tensor3D, tf.slice(kv, [1, 0, 0], [1, 5, 4]) as Tensor3D);
  close(tf.slice(both.output, [1, 0, 0], [1, 3, 4]), Array.from(second.output.dataSync()), 1e-5);
  close(tf.sum(both.weights, -1), new Array(6).fill(1), 1e-5);
  assert.throws(() => m.forward(q, kv, kv, { keyPaddingMask: tf.zeros([2, 4], 'bool') }), /key_padding_mask must be \[2, 5\]/);
  assert.throws(() => m.forward(q, tf.randomNormal([2, 5, 3]) as Tensor3D, kv), /key must be/);
});
