/**
 * A config seed fixes the initial weights: initialisers called without an
 * explicit seed follow `seedInitialisers`.
 */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { tf } from '../../src/engine/tf.js';
import { kaimingUniform, normal, seedInitialisers } from '../../src/nn/init.js';

function draw(): Float32Array[] {
  return tf.tidy(() => [kaimingUniform([3, 3, 4, 8], { fan: 36 }), normal([16], 0.01)]).map((t) => {
    const values = t.dataSync() as Float32Array;
    t.dispose();
    return values;
  });
}

it('the same seed gives the same initial weights, another seed other ones', async () => {
  await tf.setBackend('cpu');
  seedInitialisers(7);
  const a = draw();
  seedInitialisers(7);
  const b = draw();
  seedInitialisers(8);
  const c = draw();
  assert.deepEqual(a, b);
  assert.notDeepEqual(a[0], c[0]);
  assert.notDeepEqual(a[1], c[1]);
  // Successive calls within one stream differ (each draws a fresh seed).
  seedInitialisers(7);
  const [first] = draw();
  const [second] = draw();
  assert.notDeepEqual(first, second);
});
