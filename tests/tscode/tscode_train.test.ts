/**
 * Every TSCODE switch builds into a detector (FCOS, ATSS, RetinaNet bases)
 * and trains 30 iterations on drawn shapes with finite losses; the deployed
 * model holds SCE/DPE but not the base classification branch it replaced.
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { tf } from '../../src/engine/tf.js';
import { initEngine } from '../../src/engine/init.js';
import type { Batch } from '../../src/data/types.js';
import type { Component } from '../../src/registry/component.js';
import { ATSS, FCOS, RetinaNet } from '../../registry/detectors/single_stage.js';
import { AtssHeadComponent } from '../../registry/heads/atss_head.js';
import { FcosHeadComponent } from '../../registry/heads/fcos_head.js';
import { RetinaHeadComponent } from '../../registry/heads/retina_head.js';
import type { TscodeHead } from '../../src/detection/tscode/tscode_head.js';
import { TscodeHeadComponent } from '../../registry/heads/tscode_head.js';
import { DpeNeckComponent } from '../../registry/necks/dpe_neck.js';
import { buildDetector, drawBatch, NECK, trainSteps } from './train_helpers.js';

const COMPONENTS = [FcosHeadComponent, AtssHeadComponent, RetinaHeadComponent, TscodeHeadComponent, DpeNeckComponent] as Component<unknown, unknown>[];
const GN = { type: 'GN', num_groups: 8 };
const SMALL = { in_channels: 32, feat_channels: 32, stacked_convs: 2 };
const FCOS_HEAD = { type: 'FCOSHead', ...SMALL, norm: GN, center_sampling: true, norm_on_bbox: true, centerness_on_reg: true, loss_bbox: { type: 'GIoULoss' } };
const ATSS_HEAD = { type: 'ATSSHead', ...SMALL, norm: GN };
const RETINA_HEAD = { type: 'RetinaHead', ...SMALL };
/** The wide tower scaled as the FPN: 2 × 64 here for 2 × 512 on 256-channel FPNs. */
const TSCODE = { type: 'TSCODEHead', sce_channels: 64, c2_channels: 64 };

const VARIANTS: [string, Component<unknown, unknown>, Record<string, unknown>][] = [
  ['FCOS + SCE + DPE', FCOS, { ...TSCODE, head: FCOS_HEAD }],
  ['FCOS + SCE', FCOS, { ...TSCODE, head: FCOS_HEAD, dpe: false }],
  ['FCOS + DPE', FCOS, { ...TSCODE, head: FCOS_HEAD, sce: false }],
  ['FCOS + SCE, DConv c2_xavier with GN', FCOS, { ...TSCODE, head: FCOS_HEAD, dpe: false, sce_dconv_init: 'c2_xavier', sce_dconv_norm: GN }],
  ['ATSS + SCE + DPE', ATSS, { ...TSCODE, head: ATSS_HEAD }],
  ['RetinaNet + SCE + DPE (9 anchors)', RetinaNet, { ...TSCODE, head: RETINA_HEAD }],
  ['SCE conv5, DPE top pool, bilinear', FCOS, { ...TSCODE, head: FCOS_HEAD, sce_downsample: 'conv5', dpe_top_level: 'pool', dpe_upsample: 'bilinear' }],
  ['SCE conv7, DPE P_{l+2..l-1}', FCOS, { ...TSCODE, head: FCOS_HEAD, sce_downsample: 'conv7', dpe_inputs: ['l+2', 'l+1', 'l', 'l-1'] }],
  ['SCE avg, DPE P_{l-1} only', FCOS, { ...TSCODE, head: FCOS_HEAD, sce_downsample: 'avg', dpe_inputs: ['l-1'] }],
  ['SCE max, DPE P_l, P_{l-1}', FCOS, { ...TSCODE, head: FCOS_HEAD, sce_downsample: 'max', dpe_inputs: ['l', 'l-1'] }],
  ['SCE without P_{l+1}, top zeros, DPE P_{l+1}, P_l', FCOS, { ...TSCODE, head: FCOS_HEAD, sce_next_level: false, sce_top_level: 'zeros', dpe_inputs: ['l+1', 'l'] }],
];

describe('TSCODE switches train (wasm engine, 30 iterations each)', () => {
  let batch: Batch;
  before(async () => {
    await initEngine({ backend: 'wasm', log: false });
    batch = drawBatch();
  });

  for (const [name, detector, head] of VARIANTS) {
    it(name, () => {
      const model = buildDetector(detector, head, COMPONENTS);
      const totals = trainSteps(model, batch, 30);
      assert.equal(totals.length, 30);
      const names = [...model.inferenceModel().stateDict().keys()];
      const sce = head.sce !== false;
      assert.equal(names.some((n) => n.startsWith('head.sce.')), sce, `${name}: SCE in the deployed model`);
      const dpe = (model.head as TscodeHead).dpe;
      assert.equal(dpe !== undefined, head.dpe !== false, `${name}: DPE used`);
      assert.equal(names.some((n) => n.startsWith('head.dpe.')), dpe?.needsC2 === true, `${name}: DPE's convs (only with P_{l-1}) in the deployed model`);
      assert.equal(names.some((n) => /^head\.base\.(cls_convs|\w+_cls)\./.test(n)), !sce, `${name}: base classification branch only without SCE`);
      assert.ok(names.some((n) => n.startsWith('head.base.reg_convs.')), `${name}: base regression tower kept`);
      assert.equal(names.includes('head.sce.dconv_norm.weight'), head.sce_dconv_norm !== undefined, `${name}: DConv's norm only when asked`);
    });
  }

  it('DPE alone as a neck (no decoupling) on FCOS and ATSS', () => {
    for (const [detector, head] of [[FCOS, FCOS_HEAD], [ATSS, ATSS_HEAD]] as const) {
      const model = buildDetector(detector, head, COMPONENTS, { type: 'DPENeck', c2_channels: 64, neck: NECK });
      assert.equal(trainSteps(model, batch, 30).length, 30);
      assert.ok([...model.inferenceModel().stateDict().keys()].some((n) => n.startsWith('neck.dpe.c2_lateral.')), 'C2 lateral 64 → 32 channels');
    }
  });

  it('an unshared twin predicts as the original; eval mode reaches the wrapped head', () => {
    const model = buildDetector(FCOS, { ...TSCODE, head: FCOS_HEAD }, COMPONENTS);
    const head = model.head as TscodeHead;
    const twin = head.cloneUnshared();
    const feats = model.extractFeatures(batch.images);
    const a = head.forwardFeatures(feats).cls[0];
    const b = twin.forwardFeatures(feats).cls[0];
    assert.equal(tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]), 0);
    assert.notEqual(twin.sce!.predictor.weight, head.sce!.predictor.weight, 'own variables');
    model.eval();
    assert.equal(head.base.training, false);
    model.train();
  });

  it('rejects an FCOS base whose centerness reads the classification tower', () => {
    assert.throws(() => buildDetector(FCOS, { ...TSCODE, head: { ...FCOS_HEAD, centerness_on_reg: false } }, COMPONENTS), /centerness_on_reg: true/);
  });
});
