/**
 * LGD's dynamic teacher (spec §2.3–2.5): label embeddings (PointNet),
 * appearance embeddings of the student's FPN levels by mean mask pooling,
 * one cross-attention shared across levels and masked to each image, and the
 * mapper that renders the attended objects back into per-level instructive
 * features X^I with the student's shapes.
 */
import { tf, type Tensor2D, type Tensor3D, type Tensor4D } from '../../engine/tf.js';
import { Conv2d } from '../../nn/conv2d.js';
import { GroupNorm } from '../../nn/group_norm.js';
import { Linear } from '../../nn/linear.js';
import { Module } from '../../nn/module.js';
import { ModuleList } from '../../nn/module_list.js';
import { MultiheadAttention } from '../../nn/multihead_attention.js';
import { PointNetLabelEncoder } from './label_encoder.js';
import { insideMasks, type TeacherObjects } from './objects.js';

/** `stuGuided` (query = appearance, the paper's choice) or `labelGuided` (query = label). */
export type InteractPattern = 'student' | 'label';

export interface TeacherOptions {
  numClasses: number;
  channels: number;
  numHeads: number;
  pattern: InteractPattern;
}

/** Conv3x3 → GroupNorm(1, no affine) [→ ReLU]. */
class ConvGn extends Module {
  private readonly conv: Conv2d;
  private readonly gn: GroupNorm;

  constructor(channels: number, private readonly relu: boolean) {
    super();
    this.conv = this.child('conv', new Conv2d(channels, channels, { kernelSize: 3, padding: 1 }));
    this.gn = this.child('gn', new GroupNorm(1, channels, { affine: false }));
  }

  forward(x: Tensor4D): Tensor4D {
    const y = this.gn.forward(this.conv.forward(x));
    return this.relu ? tf.relu(y) : y;
  }
}

/**
 * `a_i = Σ m_i·X / max(Σ m_i, 1)`: the mean of `feat [h·w, C]` over each
 * object's inside pixels (`masks [N, h·w]`); the official code divides by the
 * pixel count although the paper says sum pooling.
 */
export function maskMeanPool(masks: Tensor2D, feat: Tensor2D): Tensor2D {
  const counts = tf.maximum(tf.sum(masks, 1, true), 1);
  return tf.div(tf.matMul(masks, feat), counts);
}

/** Boolean `[T, T]`, true where query and key belong to different images (attention not allowed). */
export function crossImageMask(counts: readonly number[]): tf.Tensor2D {
  const owner = counts.flatMap((n, i) => new Array<number>(n).fill(i));
  const t = owner.length;
  const blocked = new Uint8Array(t * t);
  for (let i = 0; i < t; i++) for (let j = 0; j < t; j++) blocked[i * t + j] = owner[i] === owner[j] ? 0 : 1;
  return tf.cast(tf.tensor2d(blocked, [t, t], 'int32'), 'bool') as tf.Tensor2D;
}

export class DynamicTeacher extends Module {
  readonly labelEncoder: PointNetLabelEncoder;
  private readonly appearanceProj: ConvGn;
  readonly attention: MultiheadAttention;
  private readonly instProj: Linear;
  private readonly ctxProj: Linear;
  private readonly render: Conv2d;
  private readonly refine: ModuleList<ConvGn>;

  constructor(readonly options: TeacherOptions) {
    super();
    const c = options.channels;
    this.labelEncoder = this.child('label_encoder', new PointNetLabelEncoder(4 + options.numClasses, c));
    this.appearanceProj = this.child('appearance_proj', new ConvGn(c, true));
    this.attention = this.child('attention', new MultiheadAttention(c, options.numHeads));
    this.instProj = this.child('inst_proj', new Linear(c, c));
    this.ctxProj = this.child('ctx_proj', new Linear(c, c));
    this.render = this.child('render', new Conv2d(c, c, { kernelSize: 3, padding: 1 }));
    this.refine = this.child('refine', new ModuleList([new ConvGn(c, true), new ConvGn(c, true), new ConvGn(c, false)]));
  }

  /** Per-level object masks `[T, h·w]` of every image (images contiguous), as tensors. */
  levelMasks(objects: TeacherObjects, h: number, w: number, padH: number, padW: number): Tensor2D[] {
    let first = 0;
    return objects.counts.map((n) => {
      const m = tf.tensor2d(insideMasks(objects.boxes, first, n, h, w, padH, padW), [n, h * w]);
      first += n;
      return m;
    });
  }

  /** Appearance embeddings `[T, C]` of one level by mean mask pooling per image. */
  appearance(level: Tensor4D, masks: readonly Tensor2D[]): Tensor2D {
    const proj = this.appearanceProj.forward(level);
    const [b, h, w, c] = proj.shape;
    const perImage = tf.split(tf.reshape(proj, [b, h * w, c]), b, 0);
    return tf.concat(masks.map((m, i) => maskMeanPool(m, tf.reshape(perImage[i], [h * w, c]) as Tensor2D)), 0) as Tensor2D;
  }

  /** Attention outputs `[T, C]`: every object of the batch in one sequence, masked to its own image. */
  interact(appearance: Tensor2D, labels: Tensor2D, counts: readonly number[]): Tensor2D {
    const [query, kv] = this.options.pattern === 'student' ? [appearance, labels] : [labels, appearance];
    const t = query.shape[0];
    const c = this.options.channels;
    const as3 = (x: Tensor2D): Tensor3D => tf.reshape(x, [1, t, c]) as Tensor3D;
    const { output } = this.attention.forward(as3(query), as3(kv), as3(kv), { attnMask: crossImageMask(counts) });
    return tf.reshape(output, [t, c]) as Tensor2D;
  }

  /**
   * One level of X^I: `ReLU(G(Σ_i m_i ⊗ F_inst(e_i)) + F_ctx(e_ctx))` (context
   * token last, broadcast over the whole map, its mask not applied), then
   * the refinement convs with GN(1).
   */
  mapLevel(embeddings: Tensor2D, masks: readonly Tensor2D[], counts: readonly number[], context: boolean, h: number, w: number): Tensor4D {
    const c = this.options.channels;
    const perImage = tf.split(embeddings, [...counts], 0) as Tensor2D[];
    const inst: Tensor4D[] = [];
    const ctx: Tensor2D[] = [];
    perImage.forEach((e, i) => {
      const n = counts[i] - (context ? 1 : 0);
      const objects = tf.slice(e, [0, 0], [n, c]);
      const objMasks = tf.slice(masks[i], [0, 0], [n, h * w]);
      inst.push(tf.reshape(tf.matMul(objMasks, this.instProj.forward(objects), true, false), [1, h, w, c]) as Tensor4D);
      if (context) ctx.push(this.ctxProj.forward(tf.slice(e, [n, 0], [1, c])));
    });
    let raw: Tensor4D = this.render.forward(tf.concat(inst, 0));
    if (context) raw = tf.add(raw, tf.reshape(tf.concat(ctx, 0), [counts.length, 1, 1, c]));
    let x = tf.relu(raw);
    for (const conv of this.refine) x = conv.forward(x);
    return x;
  }

  /** X^I for every level of `studentLevels` (already detached when the appearance input is). */
  forward(studentLevels: readonly Tensor4D[], objects: TeacherObjects, padH: number, padW: number): Tensor4D[] {
    const t = objects.counts.reduce((a, b) => a + b, 0);
    const labels = this.labelEncoder.forward(tf.tensor2d(objects.descriptors, [t, 4 + this.options.numClasses]), objects.counts);
    return studentLevels.map((level) => {
      const [, h, w] = level.shape;
      const masks = this.levelMasks(objects, h, w, padH, padW);
      const e = this.interact(this.appearance(level, masks), labels, objects.counts);
      return this.mapLevel(e, masks, objects.counts, objects.context, h, w);
    });
  }
}
