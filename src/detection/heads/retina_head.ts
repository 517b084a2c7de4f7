/**
 * RetinaNet's head (Lin et al., ICCV 2017, §4; mmdet RetinaHead): two
 * 4-conv towers without normalisation, A·C sigmoid logits and A·4 deltas per
 * location, MaxIoU assignment (0.5 / 0.4, low-quality matches), focal loss
 * and a box loss on deltas (L1, smooth L1) or on decoded boxes (GIoU),
 * both normalised by Σ max(num_pos, 1).
 */
import { tf, type Tensor4D } from '../../engine/tf.js';
import type { ImageMeta } from '../../data/types.js';
import type { Conv2d } from '../../nn/conv2d.js';
import { biasFromPriorProb } from '../../nn/init.js';
import { assignMaxIoU, type MaxIoUAssignerOptions } from '../assigners/max_iou_assigner.js';
import { DeltaXYWHCoder, type DeltaXYWHOptions } from '../coders/delta_xywh.js';
import type { Loss } from '../losses/loss.js';
import type { LevelScores } from '../postprocess.js';
import { AnchorGenerator, type AnchorGeneratorOptions } from '../priors/anchor_generator.js';
import type { LossTerms } from '../types.js';
import { anchorAvgFactor, anchorTargets, multiLevelAnchors } from './anchor_targets.js';
import { predictionConv } from './tower.js';
import { DenseHead, flattenLevels, gatherRows, imageSlice, oneHotRows, zeroLoss, type DenseHeadOptions, type GroundTruth, type HeadOutputs, type LevelOutputs, type ReadOutputs } from './dense_head.js';

export interface RetinaHeadOptions extends Omit<DenseHeadOptions, 'strides'> {
  anchor: AnchorGeneratorOptions;
  assigner: MaxIoUAssignerOptions;
  coder: DeltaXYWHOptions;
  /** Box loss on decoded boxes (GIoU/IoU) instead of deltas (mmdet `reg_decoded_bbox`). */
  regDecodedBbox: boolean;
  lossCls: Loss;
  lossBbox: Loss;
  /** Initial foreground probability of the classifier bias (0.01). */
  priorProb: number;
}

export class RetinaHead extends DenseHead {
  readonly anchors: AnchorGenerator;
  readonly coder: DeltaXYWHCoder;
  private readonly retinaCls: Conv2d;
  private readonly retinaReg: Conv2d;

  constructor(readonly config: RetinaHeadOptions) {
    super({ ...config, strides: config.anchor.strides });
    this.anchors = new AnchorGenerator(config.anchor);
    this.coder = new DeltaXYWHCoder(config.coder);
    const a = this.anchors.numBaseAnchors;
    const c = config.tower.stackedConvs > 0 ? config.tower.featChannels : config.tower.inChannels;
    this.retinaCls = this.child('retina_cls', predictionConv(c, a * this.numClasses, biasFromPriorProb(config.priorProb)));
    this.retinaReg = this.child('retina_reg', predictionConv(c, a * 4));
  }

  protected createTwin(): RetinaHead {
    return new RetinaHead(this.config);
  }

  protected forwardLevel(_level: number, clsFeat: Tensor4D | undefined, regFeat: Tensor4D): LevelOutputs {
    return { cls: clsFeat === undefined ? undefined : this.retinaCls.forward(clsFeat), reg: this.retinaReg.forward(regFeat) };
  }

  loss(outs: HeadOutputs, gt: GroundTruth): LossTerms {
    const { anchors } = multiLevelAnchors(this.anchors, outs.cls.map((t) => [t.shape[1], t.shape[2]]));
    const t = anchorTargets(anchors, gt, this.numClasses, (boxes, ignore) => assignMaxIoU(anchors, boxes, this.config.assigner, ignore));
    const avgFactor = anchorAvgFactor(t);
    return tf.tidy(() => {
      const cls = flattenLevels(outs.cls, this.numClasses);
      const reg = flattenLevels(outs.reg, 4);
      const rows = t.labels.length;
      const lossCls = this.config.lossCls.compute(cls, tf.tensor2d(oneHotRows(t.labels, this.numClasses), [rows, this.numClasses]), {
        weight: tf.tensor2d(t.labelWeights, [rows, 1]),
        avgFactor,
      });
      if (t.posIdx.length === 0) return { loss_cls: lossCls, loss_bbox: zeroLoss(reg) };
      const posReg = gatherRows(reg, t.posIdx);
      const p = t.posIdx.length;
      const lossBbox = this.config.regDecodedBbox
        ? this.config.lossBbox.compute(this.coder.decodeTensor(tf.tensor2d(t.posAnchors, [p, 4]), posReg), tf.tensor2d(t.posGts, [p, 4]), { avgFactor })
        : this.config.lossBbox.compute(posReg, tf.tensor2d(this.coder.encode(t.posAnchors, t.posGts), [p, 4]), { avgFactor });
      return { loss_cls: lossCls, loss_bbox: lossBbox };
    });
  }

  protected levelScores(read: ReadOutputs, b: number, meta: ImageMeta): LevelScores[] {
    const a = this.anchors.numBaseAnchors;
    return read.sizes.map(([h, w], l) => {
      const anchors = this.anchors.gridAnchors(l, h, w);
      const reg = imageSlice(read.reg[l], b, h * w * a * 4);
      return {
        scores: imageSlice(read.probs[l], b, h * w * a * this.numClasses),
        numClasses: this.numClasses,
        decode: (idx: Int32Array) => this.coder.decode(pick(anchors, idx), pick(reg, idx), meta.imgShape),
      };
    });
  }
}

/** Rows `idx` of a packed-by-four array. */
export function pick(a: Float32Array, idx: Int32Array): Float32Array {
  const out = new Float32Array(4 * idx.length);
  idx.forEach((i, j) => out.set(a.subarray(4 * i, 4 * i + 4), 4 * j));
  return out;
}
