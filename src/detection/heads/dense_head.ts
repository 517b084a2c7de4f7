/**
 * The common shape of detlab's one-stage heads (RetinaNet, FCOS, ATSS,
 * PAA-style): a classification and a regression tower shared across levels,
 * per-level predictions, a loss computed from CPU-built targets, and
 * postprocessing to DetectionResults.
 *
 * Reuse by supervisors: `forward(feats)` can be called on any second set of
 * features with the same weights (LGD's teacher, LabelEnc's label path);
 * `forwardBranches(clsFeats, regFeats)` feeds the two towers different inputs
 * (TSCODE); `cloneUnshared()` is an independent twin with copied weights.
 * Wrappers that own the classification branch (TSCODE) call
 * `forwardRegressionLevel`, which leaves the class predictor out.
 */
import { ComponentError } from '../../config/errors.js';
import { tf, type Scalar, type Tensor, type Tensor2D, type Tensor4D } from '../../engine/tf.js';
import type { ImageMeta } from '../../data/types.js';
import { Module } from '../../nn/module.js';
import type { ModuleList } from '../../nn/module_list.js';
import { postprocessImage, type LevelScores, type TestConfig } from '../postprocess.js';
import type { DetectionResult, LossTerms } from '../types.js';
import type { ConvModule } from '../../nn/conv_module.js';
import { buildTower, runTower, type TowerOptions } from './tower.js';

/** Per-level NHWC head outputs: `cls` `[B, H, W, A·C]` logits, `reg` `[B, H, W, A·4]`, `quality` `[B, H, W, A]` logits. */
export type HeadOutputs = {
  cls: Tensor4D[];
  reg: Tensor4D[];
  /** Centerness (FCOS, ATSS) or IoU (PAA-style) logits. */
  quality?: Tensor4D[];
};

/** Targets of a batch in network-input pixels (as `Batch` holds them). */
/** One level's predictions; `cls` is absent when the classification branch was left out. */
export interface LevelOutputs {
  cls?: Tensor4D;
  reg: Tensor4D;
  quality?: Tensor4D;
}

/** Features a head may draw on: the neck levels and the backbone's C-levels (TSCODE's DPE reads C2). */
export interface HeadInputs {
  neck: Tensor4D[];
  backbone: Tensor4D[];
}

export interface GroundTruth {
  boxes: Float32Array[];
  labels: Int32Array[];
  ignoreBoxes?: Float32Array[];
}

export interface DenseHeadOptions {
  numClasses: number;
  strides: number[];
  tower: TowerOptions;
  testCfg: TestConfig;
}

export abstract class DenseHead extends Module {
  readonly numClasses: number;
  readonly strides: number[];
  readonly testCfg: TestConfig;
  readonly clsConvs: ModuleList<ConvModule>;
  readonly regConvs: ModuleList<ConvModule>;

  constructor(readonly options: DenseHeadOptions) {
    super();
    if (!Number.isInteger(options.numClasses) || options.numClasses < 1) throw new ComponentError(`head: num_classes must be a positive integer, got ${options.numClasses}`);
    this.numClasses = options.numClasses;
    this.strides = [...options.strides];
    this.testCfg = { ...options.testCfg };
    this.clsConvs = this.child('cls_convs', buildTower(options.tower));
    this.regConvs = this.child('reg_convs', buildTower(options.tower));
  }

  get numLevels(): number {
    return this.strides.length;
  }

  /** Predictions on one set of multi-level features (finest first). */
  forward(feats: Tensor4D[]): HeadOutputs {
    return this.forwardBranches(feats, feats);
  }

  /** Predictions from the detector's features; heads that need more than the neck levels override it. */
  forwardFeatures(features: HeadInputs): HeadOutputs {
    return this.forward(features.neck);
  }

  /** Predictions with separate inputs for the classification and regression towers. */
  forwardBranches(clsFeats: Tensor4D[], regFeats: Tensor4D[]): HeadOutputs {
    if (clsFeats.length !== this.numLevels || regFeats.length !== this.numLevels) {
      throw new Error(`${this.constructor.name}: expected ${this.numLevels} feature levels (strides ${this.strides.join(', ')}), got ${clsFeats.length} and ${regFeats.length}`);
    }
    const outs: HeadOutputs = { cls: [], reg: [] };
    for (let l = 0; l < this.numLevels; l++) {
      const level = this.forwardLevel(l, runTower(this.clsConvs, clsFeats[l]), runTower(this.regConvs, regFeats[l]));
      if (level.cls === undefined) throw new Error(`${this.constructor.name}: level ${l} produced no classification output`);
      outs.cls.push(level.cls);
      outs.reg.push(level.reg);
      if (level.quality !== undefined) (outs.quality ??= []).push(level.quality);
    }
    return outs;
  }

  /** Regression-branch outputs (box and quality) of one level: the regression tower and its predictors on `regFeat`. */
  forwardRegressionLevel(level: number, regFeat: Tensor4D): LevelOutputs {
    return this.forwardLevel(level, undefined, runTower(this.regConvs, regFeat));
  }

  /**
   * Prediction convs of one level on the tower outputs; without `clsFeat` the
   * class predictor is skipped (a head whose quality branch reads the
   * classification tower must then throw).
   */
  protected abstract forwardLevel(level: number, clsFeat: Tensor4D | undefined, regFeat: Tensor4D): LevelOutputs;

  /**
   * Names of the children forming the classification branch, which a wrapper
   * replacing it leaves out: the tower `cls_convs` and the predictor, named
   * `*_cls` by mmdet's convention (`retina_cls`, `conv_cls`, `atss_cls`).
   */
  get classificationChildren(): string[] {
    return this.children().map(([n]) => n).filter((n) => n === 'cls_convs' || n.endsWith('_cls'));
  }

  /** Class probabilities from the `cls` outputs (sigmoid of logits; heads predicting probabilities override it). */
  clsProbabilities(cls: Tensor4D): Tensor4D {
    return tf.sigmoid(cls);
  }

  /** Weighted loss terms of `outs` against `gt`; call inside a gradient scope. */
  abstract loss(outs: HeadOutputs, gt: GroundTruth): LossTerms;

  /** Per-level scores and decoders of image `b` (all arrays already read from the tensors). */
  protected abstract levelScores(read: ReadOutputs, b: number, meta: ImageMeta): LevelScores[];

  /** A head of the same configuration with its own parameters (fresh init). */
  protected abstract createTwin(): DenseHead;

  /** Detections for each image, in original-image pixels. */
  predict(outs: HeadOutputs, metas: ImageMeta[]): DetectionResult[] {
    const read = readOutputs(outs, (t) => this.clsProbabilities(t));
    if (metas.length !== read.batch) throw new Error(`${this.constructor.name}.predict: ${read.batch} images but ${metas.length} metas`);
    return metas.map((meta, b) => postprocessImage(this.levelScores(read, b, meta), meta, this.testCfg));
  }

  /** An independent copy: same configuration, weights copied, no variable shared. */
  cloneUnshared(): this {
    const twin = this.createTwin();
    twin.loadStateDict(this.stateDict());
    twin.train(this.training);
    return twin as this;
  }
}

/** Head outputs on the CPU: sigmoid probabilities, raw regression, sigmoid quality, per level. */
export interface ReadOutputs {
  batch: number;
  /** `[H, W]` per level. */
  sizes: [number, number][];
  probs: Float32Array[];
  reg: Float32Array[];
  quality?: Float32Array[];
}

function readOutputs(outs: HeadOutputs, probabilities: (cls: Tensor4D) => Tensor4D): ReadOutputs {
  const sig = outs.cls.map((t) => probabilities(t));
  const q = outs.quality?.map((t) => tf.sigmoid(t));
  const read: ReadOutputs = {
    batch: outs.cls[0].shape[0],
    sizes: outs.cls.map((t) => [t.shape[1], t.shape[2]]),
    probs: sig.map((t) => t.dataSync() as Float32Array),
    reg: outs.reg.map((t) => t.dataSync() as Float32Array),
    quality: q?.map((t) => t.dataSync() as Float32Array),
  };
  tf.dispose([...sig, ...(q ?? [])]);
  return read;
}

/** The slice of image `b` in a level array holding `perImage` values per image. */
export function imageSlice(a: Float32Array, b: number, perImage: number): Float32Array {
  return a.subarray(b * perImage, (b + 1) * perImage);
}

/** Per-level `[B, H, W, A·k]` → `[B·N, k]`, image-major, levels concatenated per image. */
export function flattenLevels(xs: Tensor4D[], k: number): Tensor2D {
  return tf.tidy(() => {
    const b = xs[0].shape[0];
    const parts = xs.map((x) => tf.reshape(x, [b, -1, k]));
    return tf.reshape(parts.length === 1 ? parts[0] : tf.concat(parts, 1), [-1, k]) as Tensor2D;
  });
}

/** Rows `idx` of `[M, k]` (differentiable through tf.gather, unlike gatherND). */
export function gatherRows(x: Tensor2D, idx: Int32Array): Tensor2D {
  return tf.gather(x, tf.tensor1d(idx, 'int32')) as Tensor2D;
}

/** A zero that keeps every head output in the graph (mmdet's `pred.sum() * 0` when nothing is positive). */
export function zeroLoss(...ts: Tensor[]): Scalar {
  return tf.mul(tf.addN(ts.map((t) => tf.sum(t))), 0) as Scalar;
}

/** One-hot `[rows, C]` for rows whose label is in `[0, C)`; others stay zero. */
export function oneHotRows(labels: Int32Array, numClasses: number): Float32Array {
  const out = new Float32Array(labels.length * numClasses);
  for (let i = 0; i < labels.length; i++) if (labels[i] >= 0 && labels[i] < numClasses) out[i * numClasses + labels[i]] = 1;
  return out;
}
