/**
 * COP against PyTorch values computed from the official CoLAD head's
 * equations (tests/fixtures/supervision/cop.json): Eq. 1's probabilities
 * (logits zero-padded before the sigmoid, 'half'; or probabilities padded
 * with 0, 'zero'), then the head's default ProbFocalLoss with per-location
 * label weights and avg_factor max(num_pos, num_imgs); the loss and its
 * gradients on the class logits and the coefficients.
 */
import { before, test } from 'node:test';
import { tf, type Tensor, type Tensor4D } from '../../src/engine/tf.js';
import { initEngine } from '../../src/engine/init.js';
import { conditionalObjectness, type CopBorder } from '../../src/detection/cop/conditional_objectness.js';
import type { Loss } from '../../src/detection/losses/loss.js';
import type { Component } from '../../src/registry/component.js';
import { PaaCopHeadComponent } from '../../registry/heads/paa_cop_head.js';
import { ProbFocalLoss } from '../../registry/losses/prob_focal_loss.js';
import { buildComponent } from '../detection/build_helpers.js';
import { assertClose, loadReference, tensor, type Stored } from '../supervision/reference.js';

interface CopCase {
  probs: Stored;
  loss: number;
  grad_logits: Stored;
  grad_coef: Stored;
}

interface CopReference extends Record<CopBorder, CopCase> {
  logits: Stored;
  coef: Stored;
  labels: number[];
  label_weight: number[];
  num_classes: number;
  avg_factor: number;
}

const ref = loadReference<CopReference>('cop.json');

before(async () => {
  await initEngine({ backend: 'wasm', log: false });
});

/** The classification loss a PAACOPHead builds by default. */
function defaultClsLoss(): Loss {
  const { type, ...options } = PaaCopHeadComponent.schema.properties.loss_cls.default as Record<string, unknown>;
  return buildComponent<Loss>(ProbFocalLoss as Component<unknown, unknown>, { ...options, type });
}

for (const border of ['half', 'zero'] as const) {
  test(`Eq. 1 (${border} border) into the default ProbFocalLoss: probabilities, loss and gradients equal PyTorch`, () => {
    const k = ref.num_classes;
    const rows = ref.labels.length;
    const onehot = tf.oneHot(tf.tensor1d(ref.labels, 'int32'), k + 1).slice([0, 0], [rows, k]).toFloat();
    const weight = tf.tensor2d(ref.label_weight, [rows, 1]);
    const lossCls = defaultClsLoss();
    const probs = (logits: Tensor, coef: Tensor): Tensor4D => conditionalObjectness(logits as Tensor4D, coef as Tensor4D, border);
    const loss = (logits: Tensor, coef: Tensor): tf.Scalar => lossCls.compute(tf.reshape(probs(logits, coef), [rows, k]), onehot, { weight, avgFactor: ref.avg_factor });
    const logits = tensor(ref.logits);
    const coef = tensor(ref.coef);
    assertClose(probs(logits, coef), ref[border].probs, 'p(a)');
    assertClose(loss(logits, coef), ref[border].loss, 'loss_cls');
    const [gl, gc] = tf.grads(loss)([logits, coef]);
    assertClose(gl, ref[border].grad_logits, 'd loss_cls / d logits');
    assertClose(gc, ref[border].grad_coef, 'd loss_cls / d coefficients');
  });
}
