/**
 * The PyTorch reference values of tests/fixtures/supervision (written by its
 * make_fixtures.py): reading them as tensors and state dicts, the comparison
 * every value test uses, and the distance-loss cases LGD and LabelEnc share.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tf, type Tensor, type Tensor4D } from '../../src/engine/tf.js';
import { FeatureAdapter } from '../../src/supervision/adapter.js';
import { ROOT } from '../registry/paths.js';

/** A tensor as the script writes it: row-major values, NHWC maps, HWIO conv weights. */
export interface Stored {
  shape: number[];
  data: number[];
}

export function loadReference<T>(file: string): T {
  return JSON.parse(readFileSync(join(ROOT, 'tests/fixtures/supervision', file), 'utf8')) as T;
}

export function tensor<T extends Tensor = Tensor>(s: Stored): T {
  return tf.tensor(s.data, s.shape) as T;
}

export function stateDict(state: Record<string, Stored>): Map<string, Tensor> {
  return new Map(Object.entries(state).map(([k, v]) => [k, tensor(v)]));
}

/**
 * float32 results against float64 references: the largest absolute error
 * within `rtol` of the reference's largest magnitude (so a tensor of small
 * gradients is held to its own scale, a scalar to its own value).
 */
export function assertClose(got: Tensor | number, want: Stored | number, what: string, rtol = 1e-5): void {
  const g = typeof got === 'number' ? [got] : Array.from(got.dataSync());
  const w = typeof want === 'number' ? [want] : want.data;
  if (typeof got !== 'number' && typeof want !== 'number') assert.deepEqual(got.shape, want.shape, `${what}: shape`);
  assert.equal(g.length, w.length, `${what}: size`);
  let worst = 0;
  let at = 0;
  let scale = 0;
  w.forEach((v, i) => {
    scale = Math.max(scale, Math.abs(v));
    const err = Math.abs(g[i] - v);
    if (!(err <= worst)) {
      worst = err;
      at = i;
    }
  });
  assert.ok(scale > 0, `${what}: the reference is all zeros, so it pins nothing`);
  assert.ok(worst <= rtol * scale, `${what}: element ${at} is ${g[at]}, expected ${w[at]} (error ${worst.toExponential(2)} > ${rtol} × ${scale.toExponential(2)})`);
}

/** A distance-loss case of LGD or LabelEnc: the adapter's weights, both sides' levels, λ, the loss and its gradient. */
export interface AdaptedDistanceCase {
  lambda: number;
  adapter: Record<string, Stored>;
  student: Stored[];
  target: Stored[];
  loss: number;
  grad_student: Stored[];
}

export function adaptedDistanceInputs(c: AdaptedDistanceCase): { adapter: FeatureAdapter; student: Tensor4D[]; target: Tensor4D[] } {
  const adapter = new FeatureAdapter(c.student[0].shape[3]);
  adapter.loadStateDict(stateDict(c.adapter));
  return { adapter, student: c.student.map((s) => tensor<Tensor4D>(s)), target: c.target.map((s) => tensor<Tensor4D>(s)) };
}
