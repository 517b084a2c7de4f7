/**
 * FCOS head (Tian et al., ICCV 2019; mmdet FCOSHead): GN towers, per
 * location C logits, 4 distances and a centerness logit, a learnable Scale
 * per level. With `normOnBbox` the distances are ReLU(scale·x) in units of
 * the level's stride (× stride at inference), otherwise exp(scale·x) pixels.
 * Losses as mmdet: focal over max(num_pos, 1); IoU/GIoU on decoded boxes
 * weighted by the centerness target and normalised by its sum; sigmoid BCE on
 * centerness over max(num_pos, 1). Inference scores are σ(cls)·σ(centerness).
 */
import { ComponentError } from '../../config/errors.js';
import { tf, type Tensor4D } from '../../engine/tf.js';
import type { ImageMeta } from '../../data/types.js';
import type { Conv2d } from '../../nn/conv2d.js';
import { biasFromPriorProb } from '../../nn/init.js';
import { ModuleList } from '../../nn/module_list.js';
import { centerness, fcosTargets, type FcosTargetOptions } from '../assigners/fcos_targets.js';
import { decodeDistances, decodeDistancesTensor } from '../coders/distance_point.js';
import type { Loss } from '../losses/loss.js';
import type { LevelScores } from '../postprocess.js';
import { PointGenerator } from '../priors/point_generator.js';
import type { LossTerms } from '../types.js';
import { predictionConv, Scale } from './tower.js';
import { DenseHead, flattenLevels, gatherRows, imageSlice, oneHotRows, zeroLoss, type DenseHeadOptions, type GroundTruth, type HeadOutputs, type LevelOutputs, type ReadOutputs } from './dense_head.js';

export interface FcosHeadOptions extends DenseHeadOptions {
  targets: FcosTargetOptions;
  normOnBbox: boolean;
  centernessOnReg: boolean;
  lossCls: Loss;
  lossBbox: Loss;
  lossCenterness: Loss;
  priorProb: number;
}

export class FcosHead extends DenseHead {
  readonly points: PointGenerator;
  private readonly convCls: Conv2d;
  private readonly convReg: Conv2d;
  private readonly convCenterness: Conv2d;
  private readonly scales: ModuleList<Scale>;

  constructor(readonly config: FcosHeadOptions) {
    super(config);
    if (config.targets.regressRanges.length !== this.numLevels) {
      throw new ComponentError(`FCOSHead: ${config.targets.regressRanges.length} regress ranges for ${this.numLevels} strides`);
    }
    this.points = new PointGenerator(this.strides, 0.5);
    const c = config.tower.stackedConvs > 0 ? config.tower.featChannels : config.tower.inChannels;
    this.convCls = this.child('conv_cls', predictionConv(c, this.numClasses, biasFromPriorProb(config.priorProb)));
    this.convReg = this.child('conv_reg', predictionConv(c, 4));
    this.convCenterness = this.child('conv_centerness', predictionConv(c, 1));
    this.scales = this.child('scales', new ModuleList(this.strides.map(() => new Scale(1))));
  }

  protected createTwin(): FcosHead {
    return new FcosHead(this.config);
  }

  protected forwardLevel(level: number, clsFeat: Tensor4D | undefined, regFeat: Tensor4D): LevelOutputs {
    const raw = this.scales.at(level).forward(this.convReg.forward(regFeat));
    const ctrFeat = this.config.centernessOnReg ? regFeat : clsFeat;
    if (ctrFeat === undefined) throw new ComponentError('FCOSHead: centerness reads the classification tower; set centerness_on_reg: true to predict without it');
    return {
      cls: clsFeat === undefined ? undefined : this.convCls.forward(clsFeat),
      reg: this.config.normOnBbox ? tf.relu(raw) : tf.exp(raw),
      quality: this.convCenterness.forward(ctrFeat),
    };
  }

  loss(outs: HeadOutputs, gt: GroundTruth): LossTerms {
    if (outs.quality === undefined) throw new Error('FCOSHead.loss: outputs lack the centerness branch');
    const quality = outs.quality;
    const sizes = outs.cls.map((t) => [t.shape[1], t.shape[2]] as [number, number]);
    const levelPoints = sizes.map(([h, w], l) => this.points.gridPoints(l, h, w));
    const levelSizes = levelPoints.map((p) => p.length / 2);
    const points = new Float32Array(levelPoints.reduce((n, p) => n + p.length, 0));
    const pointStride = new Float32Array(points.length / 2);
    let o = 0;
    levelPoints.forEach((p, l) => {
      points.set(p, o);
      pointStride.fill(this.strides[l], o / 2, (o + p.length) / 2);
      o += p.length;
    });
    const n = points.length / 2;
    const batch = gt.boxes.length;
    const labels = new Int32Array(batch * n);
    const posIdx: number[] = [];
    const posPoints: number[] = [];
    const posDist: number[] = [];
    for (let b = 0; b < batch; b++) {
      const t = fcosTargets(points, levelSizes, this.strides, gt.boxes[b], gt.labels[b], this.numClasses, this.config.targets);
      labels.set(t.labels, b * n);
      for (let i = 0; i < n; i++) {
        if (t.labels[i] === this.numClasses) continue;
        posIdx.push(b * n + i);
        posPoints.push(points[2 * i], points[2 * i + 1]);
        const s = this.config.normOnBbox ? pointStride[i] : 1;
        for (let k = 0; k < 4; k++) posDist.push(t.distances[4 * i + k] / s);
      }
    }
    const numPos = Math.max(posIdx.length, 1);
    const dist = Float32Array.from(posDist);
    const ctr = centerness(dist);
    const ctrSum = ctr.reduce((s, v) => s + v, 0);
    return tf.tidy(() => {
      const cls = flattenLevels(outs.cls, this.numClasses);
      const reg = flattenLevels(outs.reg, 4);
      const q = flattenLevels(quality, 1);
      const rows = labels.length;
      const lossCls = this.config.lossCls.compute(cls, tf.tensor2d(oneHotRows(labels, this.numClasses), [rows, this.numClasses]), { avgFactor: numPos });
      if (posIdx.length === 0) return { loss_cls: lossCls, loss_bbox: zeroLoss(reg), loss_centerness: zeroLoss(q) };
      const p = posIdx.length;
      const idx = Int32Array.from(posIdx);
      const pts = Float32Array.from(posPoints);
      // Boxes are decoded from pixel points with stride-normalised distances
      // when normOnBbox (as mmdet does); IoU losses are translation- and
      // scale-invariant, so the mix does not change the loss.
      const predBoxes = decodeDistancesTensor(tf.tensor2d(pts, [p, 2]), gatherRows(reg, idx));
      const targetBoxes = tf.tensor2d(decodeDistances(pts, dist), [p, 4]);
      const ctrT = tf.tensor2d(ctr, [p, 1]);
      return {
        loss_cls: lossCls,
        loss_bbox: this.config.lossBbox.compute(predBoxes, targetBoxes, { weight: ctrT, avgFactor: Math.max(ctrSum, 1e-6) }),
        loss_centerness: this.config.lossCenterness.compute(gatherRows(q, idx), ctrT, { avgFactor: numPos }),
      };
    });
  }

  protected levelScores(read: ReadOutputs, b: number, meta: ImageMeta): LevelScores[] {
    const quality = read.quality;
    if (quality === undefined) throw new Error('FCOSHead.predict: outputs lack the centerness branch');
    return read.sizes.map(([h, w], l) => {
      const points = this.points.gridPoints(l, h, w);
      const reg = imageSlice(read.reg[l], b, h * w * 4);
      const scale = this.config.normOnBbox ? this.strides[l] : 1;
      return {
        scores: imageSlice(read.probs[l], b, h * w * this.numClasses),
        numClasses: this.numClasses,
        scoreFactors: imageSlice(quality[l], b, h * w),
        decode: (idx: Int32Array) => {
          const pts = new Float32Array(2 * idx.length);
          const d = new Float32Array(4 * idx.length);
          idx.forEach((i, j) => {
            pts[2 * j] = points[2 * i];
            pts[2 * j + 1] = points[2 * i + 1];
            for (let k = 0; k < 4; k++) d[4 * j + k] = reg[4 * i + k] * scale;
          });
          return decodeDistances(pts, d, meta.imgShape);
        },
      };
    });
  }
}
