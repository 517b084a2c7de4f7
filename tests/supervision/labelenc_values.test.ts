/**
 * LabelEnc's distance loss against PyTorch values computed from the official
 * step networks' equations (tests/fixtures/supervision/labelenc.json): GN(1)
 * without affine on both sides, target detached, one mean over all levels,
 * times λ, with its gradient on the detector's features. Both steps compute
 * `loss_dis` with `distanceLoss`; each has its own case (inputs, adapter, λ).
 * And the supervisor applies the configured λ.
 */
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { tf, type Tensor, type Tensor4D } from '../../src/engine/tf.js';
import { initEngine } from '../../src/engine/init.js';
import { distanceLoss } from '../../src/supervision/labelenc/labelenc.js';
import { LABELENC_SMALL, drawnBatch, tinyDetector } from './helpers.js';
import { adaptedDistanceInputs, assertClose, loadReference, type AdaptedDistanceCase } from './reference.js';

const ref = loadReference<Record<'step1' | 'step2', AdaptedDistanceCase>>('labelenc.json');

before(async () => {
  await initEngine({ backend: 'wasm', log: false });
});

for (const step of ['step1', 'step2'] as const) {
  const c = ref[step];
  test(`${step}: loss_dis = λ·mean((GN1(A(P)) − GN1(sg(h(y))))²) and its gradient on the features equal PyTorch (λ = ${c.lambda})`, () => {
    const { adapter, student, target } = adaptedDistanceInputs(c);
    const loss = (...levels: Tensor[]): tf.Scalar => distanceLoss(adapter, levels as Tensor4D[], target, c.lambda);
    assertClose(loss(...student), c.loss, 'loss_dis');
    tf.grads(loss)(student).forEach((g, l) => assertClose(g, c.grad_student[l], `d loss_dis / d level ${l}`));
  });
}

test('the configured lambda reaches loss_dis: 0.6 × the λ = 1 value on the same weights and batch (Step 1)', () => {
  const batch = drawnBatch();
  // Each build draws the label map's box scaling from its own Rng(0), so both see the same map.
  const [one, scaled] = [1, 0.6].map((lambda) => tinyDetector('retinanet', [{ type: 'LabelEnc', step: 1, lambda, ...LABELENC_SMALL }]));
  scaled.loadStateDict(one.stateDict());
  const dis = (m: typeof one): number => m.forwardTrain(batch, { iter: 0, maxIters: 10 }).loss_dis.dataSync()[0];
  const base = dis(one);
  assert.ok(base > 0.1, `loss_dis at λ = 1: ${base}`);
  assertClose(dis(scaled), 0.6 * base, 'loss_dis at λ = 0.6');
});
