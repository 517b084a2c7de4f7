/**
 * The PAA head (Kim & Lee, ECCV 2020; mmdet PAAHead): the ATSS head's
 * architecture with its third branch predicting the IoU of the decoded box
 * with its gt (mmdet reuses `atss_centerness` for it), focal loss over
 * max(num_pos, num_images), GIoU on decoded boxes weighted by the detached
 * IoU targets (`paaBoxLoss`), sigmoid BCE against those targets over num_pos,
 * and the score √(σ(cls) · σ(iou)).
 *
 * Assignment, with `paaReassign`: MaxIoU (0.1 / 0.1, low-quality matches)
 * candidates, each scored by its classification + box loss, then PAA's
 * per-gt GMM split (`assigners/paa_reassign.ts`). Without it: ATSS
 * assignment (a cheaper PAA-style variant). Score voting is
 * `test_cfg.score_voting`. COP (issue 10) builds on this head.
 */
import { tf, type Scalar, type Tensor, type Tensor2D } from '../../engine/tf.js';
import { stopGradient } from '../../nn/grad.js';
import { assignMaxIoU } from '../assigners/max_iou_assigner.js';
import { paaReassign, type PaaCandidate } from '../assigners/paa_reassign.js';
import { alignedIoUTensor } from '../losses/iou_loss.js';
import type { Loss } from '../losses/loss.js';
import type { LossTerms } from '../types.js';
import { anchorTargets, multiLevelAnchors, type AnchorTargets } from './anchor_targets.js';
import { AtssHead, type AtssHeadOptions } from './atss_head.js';
import { flattenLevels, gatherRows, oneHotRows, zeroLoss, type GroundTruth, type HeadOutputs } from './dense_head.js';

export const PAA_BOX_LOSS_WEIGHTINGS = ['iou', 'mean'] as const;
export type PaaBoxLossWeighting = (typeof PAA_BOX_LOSS_WEIGHTINGS)[number];

export interface PaaHeadOptions extends AtssHeadOptions {
  /** PAA's GMM reassignment over MaxIoU-0.1 candidates; false uses ATSS assignment. */
  paaReassign: boolean;
  /** 'iou': mmdet PAAHead's IoU-weighted box loss (`paaBoxLoss`); 'mean': the plain mean over positives. */
  boxLossWeighting: PaaBoxLossWeighting;
}

/** mmdet paa_head.py's `EPS`, the floor of each box-loss weight. */
const IOU_WEIGHT_FLOOR = 1e-12;
/** torch.finfo(float32).eps: mmdet's weight_reduce_loss adds it to avg_factor, so Σ IoU = 0 does not divide by zero. */
const FLOAT32_EPS = 2 ** -23;

/**
 * mmdet PAAHead's box loss: `Σ_i max(IoU_i, 1e-12)·L_i / Σ_i IoU_i` over the
 * positives, where IoU_i is the IoU target (decoded box, detached, with its
 * gt). mmdet computes the target from `pos_bbox_pred.detach()`, so weights
 * and normaliser are constants here too: `iouTarget` is cut from the tape.
 * 'mean' is `Σ_i L_i / P`.
 */
export function paaBoxLoss(loss: Loss, boxes: Tensor2D, gts: Tensor2D, iouTarget: Tensor, weighting: PaaBoxLossWeighting): Scalar {
  return tf.tidy(() => {
    if (weighting === 'mean') return loss.compute(boxes, gts, { avgFactor: boxes.shape[0] });
    const iou = stopGradient(iouTarget);
    const weightedSum = loss.compute(boxes, gts, { weight: tf.maximum(iou, IOU_WEIGHT_FLOOR), avgFactor: 1 });
    return tf.div(weightedSum, tf.add(tf.sum(iou), FLOAT32_EPS)) as Scalar;
  });
}

/** mmdet's PAA train_cfg assigner. */
const PAA_CANDIDATES = { posIouThr: 0.1, negIouThr: 0.1, minPosIou: 0, matchLowQuality: true };

export class PaaStyleHead extends AtssHead {
  constructor(readonly paaConfig: PaaHeadOptions) {
    super(paaConfig);
  }

  protected override createTwin(): PaaStyleHead {
    return new PaaStyleHead(this.paaConfig);
  }

  protected override buildTargets(outs: HeadOutputs, gt: GroundTruth): AnchorTargets {
    if (!this.paaConfig.paaReassign) return super.buildTargets(outs, gt);
    const { anchors, levelCounts } = multiLevelAnchors(this.anchors, outs.cls.map((t) => [t.shape[1], t.shape[2]]));
    const ignoreIofThr = this.config.assigner.ignoreIofThr;
    const initial = anchorTargets(anchors, gt, this.numClasses, (boxes, ignore) => assignMaxIoU(anchors, boxes, { ...PAA_CANDIDATES, ignoreIofThr }, ignore));
    const costs = this.candidateCosts(outs, initial);
    const n = anchors.length / 4;
    const levelOf = priorLevels(levelCounts);
    const keep = new Set<number>();
    let p = 0;
    for (let b = 0; b < gt.boxes.length; b++) {
      const candidates: PaaCandidate[] = [];
      for (let k = 0; k < initial.numPosPerImage[b]; k++, p++) {
        const prior = initial.posIdx[p] - b * n;
        candidates.push({ prior, gt: initial.posGtIdx[p], level: levelOf[prior], cost: costs[p] });
      }
      for (const prior of paaReassign(candidates, this.config.assigner.topk)) keep.add(b * n + prior);
    }
    return restrictPositives(initial, keep, this.numClasses, n);
  }

  /** Classification + box loss per candidate (mmdet `get_pos_loss`), read off the tape. */
  private candidateCosts(outs: HeadOutputs, t: AnchorTargets): Float32Array {
    const p = t.posIdx.length;
    if (p === 0) return new Float32Array(0);
    const cost = tf.tidy(() => {
      const cls = gatherRows(flattenLevels(outs.cls, this.numClasses), t.posIdx);
      const reg = gatherRows(flattenLevels(outs.reg, 4), t.posIdx);
      const posLabels = Int32Array.from(t.posIdx, (row) => t.labels[row]);
      const clsCost = tf.sum(this.config.lossCls.elementwise(cls, tf.tensor2d(oneHotRows(posLabels, this.numClasses), [p, this.numClasses])), 1);
      const boxes = this.coder.decodeTensor(tf.tensor2d(t.posAnchors, [p, 4]), reg);
      const boxCost = tf.reshape(this.config.lossBbox.elementwise(boxes, tf.tensor2d(t.posGts, [p, 4])), [p]);
      return stopGradient(tf.add(clsCost, boxCost));
    });
    const out = cost.dataSync() as Float32Array;
    cost.dispose();
    return out;
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
      const gts: Tensor2D = tf.tensor2d(targets.posGts, [numPos, 4]);
      const iouTarget = alignedIoUTensor(stopGradient(inputs.posBoxes), gts);
      return {
        loss_cls: lossCls,
        loss_bbox: paaBoxLoss(this.config.lossBbox, inputs.posBoxes, gts, iouTarget, this.paaConfig.boxLossWeighting),
        loss_iou: this.config.lossQuality.compute(inputs.posQuality, iouTarget, { avgFactor: numPos }),
      };
    });
  }

  protected override readonly combineScores = (p: number, q: number): number => Math.sqrt(p * q);
}

function priorLevels(levelCounts: number[]): Int32Array {
  const out = new Int32Array(levelCounts.reduce((a, b) => a + b, 0));
  let o = 0;
  levelCounts.forEach((count, l) => {
    out.fill(l, o, o + count);
    o += count;
  });
  return out;
}

/** The targets with only `keep` rows positive; dropped candidates become background (weight 1). */
function restrictPositives(t: AnchorTargets, keep: Set<number>, numClasses: number, priorsPerImage: number): AnchorTargets {
  const labels = t.labels.slice();
  const idx: number[] = [];
  const anchors: number[] = [];
  const gts: number[] = [];
  const gtIdx: number[] = [];
  const perImage = t.numPosPerImage.map(() => 0);
  t.posIdx.forEach((row, p) => {
    if (!keep.has(row)) {
      labels[row] = numClasses;
      return;
    }
    idx.push(row);
    gtIdx.push(t.posGtIdx[p]);
    for (let k = 0; k < 4; k++) {
      anchors.push(t.posAnchors[4 * p + k]);
      gts.push(t.posGts[4 * p + k]);
    }
    perImage[Math.floor(row / priorsPerImage)]++;
  });
  return { labels, labelWeights: t.labelWeights, posIdx: Int32Array.from(idx), posAnchors: Float32Array.from(anchors), posGts: Float32Array.from(gts), posGtIdx: Int32Array.from(gtIdx), numPosPerImage: perImage };
}
