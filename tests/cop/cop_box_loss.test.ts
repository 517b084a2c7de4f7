/**
 * PAACOPHead's box loss follows the official heads: without an IoU branch
 * (PAA_COP_BASE_Head) a plain mean of the positives' GIoU losses, with one
 * (PAA_COP_Head, as mmdet's PAAHead) weighted by the IoU targets; an explicit
 * box_loss_weighting wins either way.
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { tf } from '../../src/engine/tf.js';
import { initEngine } from '../../src/engine/init.js';
import type { PaaCopHead } from '../../src/detection/cop/paa_cop_head.js';
import type { Component } from '../../src/registry/component.js';
import { PaaCopHeadComponent } from '../../registry/heads/paa_cop_head.js';
import { ProbFocalLoss } from '../../registry/losses/prob_focal_loss.js';
import { buildComponent } from '../detection/build_helpers.js';
import { decodedPositives, iouGiou, PAA_GT, paaFeatures, SMALL_PAA } from '../detection/paa_fixtures.js';

const build = (o: Record<string, unknown>): PaaCopHead =>
  buildComponent<PaaCopHead>(PaaCopHeadComponent, { ...SMALL_PAA, ...o }, {}, [ProbFocalLoss] as Component<unknown, unknown>[]);

describe('PAACOPHead box loss weighting', () => {
  before(async () => {
    await initEngine({ backend: 'wasm', log: false });
  });

  it("defaults to 'mean' without an IoU branch and 'iou' with one; an explicit choice is kept", () => {
    assert.equal(build({ iou_branch: 'none' }).paaConfig.boxLossWeighting, 'mean');
    assert.equal(build({ iou_branch: 'score' }).paaConfig.boxLossWeighting, 'iou');
    assert.equal(build({ iou_branch: 'train_only' }).paaConfig.boxLossWeighting, 'iou');
    assert.equal(build({ iou_branch: 'none', box_loss_weighting: 'iou' }).paaConfig.boxLossWeighting, 'iou');
    assert.equal(build({ iou_branch: 'score', box_loss_weighting: 'mean' }).paaConfig.boxLossWeighting, 'mean');
  });

  it('COP only: loss_bbox is 1.3 × the plain mean of the positives\' GIoU losses', () => {
    const head = build({ objectness: 'cop', iou_branch: 'none' });
    const feats = paaFeatures();
    const outs = head.forward(feats);
    const { boxes, gts } = decodedPositives(head, outs, PAA_GT);
    assert.ok(boxes.length >= 2, `${boxes.length} positives`);
    const plain = (1.3 * boxes.reduce((s, b, i) => s + iouGiou(b, gts[i]).giouLoss, 0)) / boxes.length;
    const terms = head.loss(outs, PAA_GT);
    assert.equal(terms.loss_iou, undefined, 'no IoU-branch loss');
    const got = terms.loss_bbox.dataSync()[0];
    assert.ok(Math.abs(got - plain) < 1e-5 * Math.max(1, plain), `${got} vs ${plain}`);
    tf.dispose(feats);
  });
});
