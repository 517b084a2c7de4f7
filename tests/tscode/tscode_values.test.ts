/**
 * TSCODE's encoders against PyTorch values computed from the paper's Eqs. 3–5
 * (tests/fixtures/supervision/tscode.json), with the weights loaded from the
 * fixture: depth-to-space (torch's pixel_shuffle after the channel reorder
 * of our layout), SCE's class logits at every level (odd sizes cropped, the
 * top level's P_{l+1} pooled) and DPE's G_l (C2 through its lateral), each
 * with the gradient on its inputs.
 */
import { before, test } from 'node:test';
import { tf, type Tensor, type Tensor4D } from '../../src/engine/tf.js';
import { initEngine } from '../../src/engine/init.js';
import { depthToSpace2 } from '../../src/detection/tscode/depth_to_space.js';
import { DetailPreservingEncoder } from '../../src/detection/tscode/dpe.js';
import { SemanticContextEncoder } from '../../src/detection/tscode/sce.js';
import { assertClose, loadReference, stateDict, tensor, type Stored } from '../supervision/reference.js';

interface Outputs {
  state: Record<string, Stored>;
  output: Stored[];
  cotangent: Stored[];
  grad_p: Stored[];
}

interface TscodeReference {
  num_classes: number;
  p: Stored[];
  depth_to_space: { input: Stored; output: Stored; cotangent: Stored; grad_input: Stored };
  sce: Outputs;
  dpe: Outputs & { c2: Stored; grad_c2: Stored };
}

const ref = loadReference<TscodeReference>('tscode.json');

before(async () => {
  await initEngine({ backend: 'wasm', log: false });
});

/** Σ_l sum(out_l · cot_l): a scalar whose gradient is the vector-Jacobian product with the fixture's cotangents. */
function dot(outs: Tensor[], cots: Stored[]): tf.Scalar {
  return tf.addN(outs.map((o, l) => tf.sum(tf.mul(o, tensor(cots[l]))))) as tf.Scalar;
}

test('depth-to-space and its gradient equal torch pixel_shuffle of the reordered channels', () => {
  const d = ref.depth_to_space;
  const x = tensor(d.input);
  assertClose(depthToSpace2(x as Tensor4D), d.output, 'output');
  assertClose(tf.grad((t: Tensor) => dot([depthToSpace2(t as Tensor4D)], [d.cotangent]))(x), d.grad_input, 'gradient');
});

test('SCE: class logits of every level and their gradients on the pyramid equal PyTorch', () => {
  const c = ref.p[0].shape[3];
  const sce = new SemanticContextEncoder({
    inChannels: c, featChannels: 6, stackedConvs: 1, norm: { type: 'GN', num_groups: 2 }, convBias: false,
    clsOutChannels: ref.num_classes, clsBias: 0, downsample: 'conv3', useNextLevel: true, topLevel: 'pool',
  });
  sce.loadStateDict(stateDict(ref.sce.state));
  const p = ref.p.map((s) => tensor(s));
  const outs = sce.forward(p as Tensor4D[]);
  outs.forEach((o, l) => assertClose(o, ref.sce.output[l], `level ${l}: logits`));
  tf.grads((...levels: Tensor[]) => dot(sce.forward(levels as Tensor4D[]), ref.sce.cotangent))(p)
    .forEach((g, l) => assertClose(g, ref.sce.grad_p[l], `level ${l}: gradient`));
});

test('DPE: G_l of every level and the gradients on the pyramid and C2 equal PyTorch', () => {
  const c = ref.p[0].shape[3];
  const c2 = tensor(ref.dpe.c2);
  const dpe = new DetailPreservingEncoder({ channels: c, c2Channels: ref.dpe.c2.shape[3], inputs: ['l+1', 'l', 'l-1'], upsample: 'nearest', topLevel: 'drop' });
  dpe.loadStateDict(stateDict(ref.dpe.state));
  const p = ref.p.map((s) => tensor(s));
  dpe.forward(p as Tensor4D[], c2 as Tensor4D).forEach((o, l) => assertClose(o, ref.dpe.output[l], `level ${l}: G_l`));
  const grads = tf.grads((...xs: Tensor[]) => dot(dpe.forward(xs.slice(0, -1) as Tensor4D[], xs[xs.length - 1] as Tensor4D), ref.dpe.cotangent))([...p, c2]);
  grads.slice(0, -1).forEach((g, l) => assertClose(g, ref.dpe.grad_p[l], `level ${l}: gradient`));
  assertClose(grads[grads.length - 1], ref.dpe.grad_c2, 'C2 gradient');
});
