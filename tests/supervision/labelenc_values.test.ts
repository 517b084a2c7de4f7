/**
 * LabelEnc's distance loss against PyTorch values computed from the official
 * step networks' equations (tests/fixtures/supervision/labelenc.json): GN(1)
 * without affine on both sides, target detached, one mean over all levels,
 * times λ, with its gradient on the detector's features. Both steps compute
 * `loss_dis` with `distanceLoss`; each has its own case (inputs, adapter, λ).
 */
import { before, test } from 'node:test';
import { tf, type Tensor, type Tensor4D } from '../../src/engine/tf.js';
import { initEngine } from '../../src/engine/init.js';
import { distanceLoss } from '../../src/supervision/labelenc/labelenc.js';
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
