/**
 * A PAA-style head: the ATSS head's architecture with its third branch
 * predicting the IoU of the decoded box with its gt (as mmdet's PAAHead, which
 * reuses `atss_centerness` for it), PAA's losses and PAA's inference score.
 *
 * What it shares with PAA (Kim & Lee, ECCV 2020; mmdet PAAHead): GN towers,
 * one anchor per location, focal loss over max(num_pos, num_images), GIoU on
 * decoded boxes (weight 1.3) and sigmoid BCE against the detached IoU target
 * (weight 0.5), both over num_pos, and the score √(σ(cls) · σ(iou)).
 *
 * What differs: positives come from ATSS assignment instead of PAA's
 * probabilistic anchor assignment (MaxIoU 0.1 candidates, per-gt per-level
 * top-9 by classification + box loss, a two-component GMM over those scores),
 * and inference has no score voting. COP (issue 10) builds on this head.
 */
import { tf } from '../../engine/tf.js';
import type { LossTerms } from '../types.js';
import { AtssHead } from './atss_head.js';
import type { GroundTruth, HeadOutputs } from './dense_head.js';
import { zeroLoss } from './dense_head.js';
import { alignedIoUTensor } from '../losses/iou_loss.js';
import { stopGradient } from '../../nn/grad.js';

export class PaaStyleHead extends AtssHead {
  protected override createTwin(): PaaStyleHead {
    return new PaaStyleHead(this.config);
  }

  override loss(outs: HeadOutputs, gt: GroundTruth): LossTerms {
    const targets = this.buildTargets(outs, gt);
    const numPos = targets.posIdx.length;
    return tf.tidy(() => {
      const inputs = this.lossInputs(outs, targets);
      const lossCls = this.clsLoss(inputs, Math.max(numPos, targets.numPosPerImage.length));
      if (inputs.posBoxes === undefined || inputs.posQuality === undefined) {
        return { loss_cls: lossCls, loss_bbox: zeroLoss(inputs.reg), loss_iou: zeroLoss(inputs.quality) };
      }
      const gts = tf.tensor2d(targets.posGts, [numPos, 4]);
      const iouTarget = alignedIoUTensor(stopGradient(inputs.posBoxes), gts);
      return {
        loss_cls: lossCls,
        loss_bbox: this.config.lossBbox.compute(inputs.posBoxes, gts, { avgFactor: numPos }),
        loss_iou: this.config.lossQuality.compute(inputs.posQuality, iouTarget, { avgFactor: numPos }),
      };
    });
  }

  protected override readonly combineScores = (p: number, q: number): number => Math.sqrt(p * q);
}
