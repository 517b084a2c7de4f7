/**
 * DETR's decoder and prediction heads (Carion et al. 2020): `numQueries`
 * learned query embeddings attend to the encoded map through `numLayers`
 * post-norm decoder layers; a shared LayerNorm then a linear classifier
 * (`numClasses` + no-object) and a 3-layer MLP with a sigmoid (normalised
 * cxcywh boxes) read every layer's output. Training sums the set loss of the
 * last layer (`loss_cls`, `loss_bbox`, `loss_iou`) and of each earlier layer
 * (`d0.loss_cls`, ...: the auxiliary decoding losses).
 */
import { ComponentError } from '../../config/errors.js';
import { tf, type Tensor3D, type Tensor4D, type Variable } from '../../engine/tf.js';
import type { ImageMeta } from '../../data/types.js';
import { normal } from '../../nn/init.js';
import { LayerNorm } from '../../nn/layer_norm.js';
import { Linear } from '../../nn/linear.js';
import { Module } from '../../nn/module.js';
import { ModuleList } from '../../nn/module_list.js';
import type { GroundTruth } from '../heads/dense_head.js';
import { toOriginal } from '../postprocess.js';
import type { DetectionResult, LossTerms } from '../types.js';
import { DecoderLayer, type TransformerLayerOptions } from './layers.js';
import { sinePositionalEncoding } from './positional_encoding.js';
import { setLoss, type SetCriterionOptions, type SetTargets } from './set_criterion.js';

export interface DETRHeadOptions extends TransformerLayerOptions {
  numQueries: number;
  numLayers: number;
  criterion: SetCriterionOptions;
  maxPerImg: number;
}

/** Per decoder layer, first to last: logits `[N, Q, C+1]` and normalised cxcywh boxes `[N, Q, 4]`. */
export type SetPredictions = {
  logits: Tensor3D[];
  boxes: Tensor3D[];
};

class BoxMLP extends Module {
  private readonly layers: ModuleList<Linear>;

  constructor(e: number) {
    super();
    this.layers = this.child('layers', new ModuleList([new Linear(e, e), new Linear(e, e), new Linear(e, 4)]));
  }

  forward(x: Tensor3D): Tensor3D {
    let y = x;
    for (let i = 0; i < this.layers.length; i++) {
      y = this.layers.at(i).forward(y);
      if (i < this.layers.length - 1) y = tf.relu(y);
    }
    return tf.sigmoid(y);
  }
}

export class DETRHead extends Module {
  readonly numClasses: number;
  private readonly queryEmbed: Variable;
  private readonly layers: ModuleList<DecoderLayer>;
  private readonly norm: LayerNorm;
  private readonly classEmbed: Linear;
  private readonly bboxEmbed: BoxMLP;

  constructor(readonly options: DETRHeadOptions) {
    super();
    const e = options.embedDims;
    if (options.numLayers < 1) throw new ComponentError('DETRHead needs at least one decoder layer');
    this.numClasses = options.criterion.numClasses;
    this.queryEmbed = this.param('query_embed', normal([options.numQueries, e], 1));
    this.layers = this.child('layers', new ModuleList(Array.from({ length: options.numLayers }, () => new DecoderLayer(options))));
    this.norm = this.child('norm', new LayerNorm(e));
    this.classEmbed = this.child('class_embed', new Linear(e, this.numClasses + 1));
    this.bboxEmbed = this.child('bbox_embed', new BoxMLP(e));
  }

  /** `memory`: the encoded map `[N, H, W, E]`. */
  forward(memory: Tensor4D): SetPredictions {
    const [n, h, w, e] = memory.shape;
    if (e !== this.options.embedDims) throw new ComponentError(`DETRHead: the encoded map has ${e} channels, embed_dims is ${this.options.embedDims}`);
    const pos = tf.reshape(sinePositionalEncoding(h, w, e / 2), [1, h * w, e]) as Tensor3D;
    const mem = tf.reshape(memory, [n, h * w, e]) as Tensor3D;
    const q = this.options.numQueries;
    const queryPos = tf.broadcastTo(tf.reshape(this.queryEmbed, [1, q, e]), [n, q, e]) as Tensor3D;
    let tgt = tf.zeros([n, q, e]) as Tensor3D;
    const out: SetPredictions = { logits: [], boxes: [] };
    for (const layer of this.layers) {
      tgt = layer.forward(tgt, queryPos, mem, pos);
      const normed = this.norm.forward(tgt);
      out.logits.push(this.classEmbed.forward(normed));
      out.boxes.push(this.bboxEmbed.forward(normed));
    }
    return out;
  }

  loss(preds: SetPredictions, gt: GroundTruth, metas: ImageMeta[]): LossTerms {
    const targets = setTargets(gt, metas);
    const last = preds.logits.length - 1;
    const terms: LossTerms = {};
    preds.logits.forEach((logits, i) => {
      const l = setLoss(logits, preds.boxes[i], targets, this.options.criterion);
      const prefix = i === last ? '' : `d${i}.`;
      terms[`${prefix}loss_cls`] = l.cls;
      terms[`${prefix}loss_bbox`] = l.bbox;
      terms[`${prefix}loss_iou`] = l.giou;
    });
    return terms;
  }

  /** The last layer's queries: score = best foreground probability, top `maxPerImg`, in original-image pixels. */
  predict(preds: SetPredictions, metas: ImageMeta[]): DetectionResult[] {
    const logits = preds.logits[preds.logits.length - 1];
    const boxes = preds.boxes[preds.boxes.length - 1];
    const [n, q, c1] = logits.shape;
    if (n !== metas.length) throw new Error(`DETRHead.predict: ${metas.length} metas for a batch of ${n}`);
    const probs = tf.tidy(() => tf.softmax(logits, -1).dataSync() as Float32Array);
    const b = boxes.dataSync() as Float32Array;
    return metas.map((meta, img) => {
      const [ih, iw] = meta.imgShape;
      const rows = Array.from({ length: q }, (_, i) => {
        let best = 0;
        for (let c = 1; c < c1 - 1; c++) if (probs[(img * q + i) * c1 + c] > probs[(img * q + i) * c1 + best]) best = c;
        return { i, label: best, score: probs[(img * q + i) * c1 + best] };
      }).sort((x, y) => y.score - x.score).slice(0, this.options.maxPerImg);
      const out = new Float32Array(rows.length * 4);
      rows.forEach((r, k) => {
        const o = (img * q + r.i) * 4;
        const [cx, cy, w, h] = [b[o] * iw, b[o + 1] * ih, b[o + 2] * iw, b[o + 3] * ih];
        out.set([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], 4 * k);
      });
      return { imageId: meta.imageId, boxes: toOriginal(out, meta), scores: Float32Array.from(rows, (r) => r.score), labels: Int32Array.from(rows, (r) => r.label) };
    });
  }
}

/** Ground truth in network-input pixels → normalised cxcywh per image (DETR normalises by the unpadded size). */
export function setTargets(gt: GroundTruth, metas: ImageMeta[]): SetTargets[] {
  return gt.boxes.map((boxes, b) => {
    const [h, w] = metas[b].imgShape;
    const out = new Float32Array(boxes.length);
    for (let i = 0; i < boxes.length; i += 4) {
      out[i] = (boxes[i] + boxes[i + 2]) / 2 / w;
      out[i + 1] = (boxes[i + 1] + boxes[i + 3]) / 2 / h;
      out[i + 2] = (boxes[i + 2] - boxes[i]) / w;
      out[i + 3] = (boxes[i + 3] - boxes[i + 1]) / h;
    }
    return { boxes: out, labels: gt.labels[b] };
  });
}
