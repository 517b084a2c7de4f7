/**
 * PixelContrast's two terms against PyTorch values computed from the paper's
 * Eqs. 4–5 (tests/fixtures/supervision/pixel_contrast.json): L_NCE at the
 * supervisor's default τ (the paper's 0.3) with its gradient on Γ, and L_Cos
 * with its gradient on γ; Ψ is the momentum side (no gradient).
 */
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { tf, type Tensor, type Tensor3D } from '../../src/engine/tf.js';
import { initEngine } from '../../src/engine/init.js';
import { cosineLoss, nceLoss } from '../../src/supervision/pixel_contrast/losses.js';
import { PixelContrast } from '../../registry/supervisors/pixel_contrast.js';
import { assertClose, loadReference, tensor, type Stored } from '../supervision/reference.js';

interface PixelContrastReference {
  tau: number;
  online: Stored;
  encoded: Stored;
  momentum: Stored;
  positive: Stored;
  negative: Stored;
  nce: number;
  cos: number;
  grad_online_nce: Stored;
  grad_encoded_cos: Stored;
}

const ref = loadReference<PixelContrastReference>('pixel_contrast.json');

before(async () => {
  await initEngine({ backend: 'wasm', log: false });
});

test('L_NCE at the default τ and its gradient on Γ equal PyTorch', () => {
  const tau = PixelContrast.schema.properties.tau.default as number;
  assert.equal(tau, ref.tau, "the supervisor's default τ is the paper's");
  const momentum = tensor<Tensor3D>(ref.momentum);
  const positive = tensor<Tensor3D>(ref.positive);
  const negative = tensor<Tensor3D>(ref.negative);
  const loss = (online: Tensor): tf.Scalar => nceLoss(online as Tensor3D, momentum, positive, negative, tau);
  const online = tensor(ref.online);
  assertClose(loss(online), ref.nce, 'L_NCE');
  assertClose(tf.grad(loss)(online), ref.grad_online_nce, 'd L_NCE / d Γ');
});

test('L_Cos and its gradient on γ equal PyTorch', () => {
  const momentum = tensor<Tensor3D>(ref.momentum);
  const positive = tensor<Tensor3D>(ref.positive);
  const loss = (encoded: Tensor): tf.Scalar => cosineLoss(encoded as Tensor3D, momentum, positive);
  const encoded = tensor(ref.encoded);
  assertClose(loss(encoded), ref.cos, 'L_Cos');
  assertClose(tf.grad(loss)(encoded), ref.grad_encoded_cos, 'd L_Cos / d γ');
});
