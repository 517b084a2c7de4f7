/**
 * LGD's label encoder (spec §2.2): a PointNet over the objects of each image.
 * Every 1-d conv sees a sequence of length 1, so it is a Linear per object;
 * every norm is a LayerNorm over channels without affine. The spatial
 * transformers output a full k×k matrix with no identity added (official
 * code), applied as the row vector times the matrix.
 */
import { tf, type Tensor2D, type Tensor3D } from '../../engine/tf.js';
import { LayerNorm } from '../../nn/layer_norm.js';
import { Linear } from '../../nn/linear.js';
import { Module } from '../../nn/module.js';
import { ModuleList } from '../../nn/module_list.js';

/** Linear → LayerNorm(no affine) → ReLU, on `[T, C]` rows. */
export class LinearLnRelu extends Module {
  private readonly fc: Linear;
  private readonly ln: LayerNorm;

  constructor(inF: number, outF: number) {
    super();
    this.fc = this.child('fc', new Linear(inF, outF));
    this.ln = this.child('ln', new LayerNorm(outF, { affine: false }));
  }

  forward(x: Tensor2D): Tensor2D {
    return tf.relu(this.ln.forward(this.fc.forward(x)));
  }
}

function mlp(widths: number[]): ModuleList<LinearLnRelu> {
  return new ModuleList(widths.slice(1).map((w, i) => new LinearLnRelu(widths[i], w)));
}

function run(layers: ModuleList<LinearLnRelu>, x: Tensor2D): Tensor2D {
  let y = x;
  for (const l of layers) y = l.forward(y);
  return y;
}

/** STNkd: k → 64 → 128 → 1024 → 512 → 256 → k·k per object. */
export class SpatialTransformer extends Module {
  private readonly layers: ModuleList<LinearLnRelu>;
  private readonly out: Linear;

  constructor(readonly k: number) {
    super();
    this.layers = this.child('layers', mlp([k, 64, 128, 1024, 512, 256]));
    this.out = this.child('out', new Linear(256, k * k));
  }

  /** `x [T, k]` → `x_t · M_t` for each object t. */
  transform(x: Tensor2D): Tensor2D {
    const t = x.shape[0];
    const m = tf.reshape(this.out.forward(run(this.layers, x)), [t, this.k, this.k]) as Tensor3D;
    return tf.reshape(tf.matMul(tf.reshape(x, [t, 1, this.k]) as Tensor3D, m), [t, this.k]) as Tensor2D;
  }
}

/** Label embeddings `[T, embedDim]` from object descriptors `[T, D]`, objects of one image contiguous. */
export class PointNetLabelEncoder extends Module {
  private readonly stnDesc: SpatialTransformer;
  private readonly conv1: LinearLnRelu;
  private readonly stnFeat: SpatialTransformer;
  private readonly conv23: ModuleList<LinearLnRelu>;
  private readonly conv4: LinearLnRelu;
  /** `canoni_proj_1D` of the official code (not in the paper). */
  private readonly proj: LinearLnRelu;

  constructor(readonly descriptorDim: number, readonly embedDim: number) {
    super();
    this.stnDesc = this.child('stn_desc', new SpatialTransformer(descriptorDim));
    this.conv1 = this.child('conv1', new LinearLnRelu(descriptorDim, 64));
    this.stnFeat = this.child('stn_feat', new SpatialTransformer(64));
    this.conv23 = this.child('conv23', mlp([64, 128, 1024]));
    this.conv4 = this.child('conv4', new LinearLnRelu(64 + 1024, embedDim));
    this.proj = this.child('proj', new LinearLnRelu(embedDim, embedDim));
  }

  /** @param counts objects per image (context included), summing to T */
  forward(descriptors: Tensor2D, counts: readonly number[]): Tensor2D {
    const feat = this.stnFeat.transform(this.conv1.forward(this.stnDesc.transform(descriptors)));
    const deep = run(this.conv23, feat);
    // Global feature: max over the objects of the same image, broadcast back to each.
    const global = tf.concat(
      splitRows(deep, counts).map((rows, i) => tf.tile(tf.max(rows, 0, true), [counts[i], 1])),
      0,
    ) as Tensor2D;
    return this.proj.forward(this.conv4.forward(tf.concat([feat, global], 1)));
  }
}

/** Splits `[T, C]` into consecutive row blocks of the given sizes. */
export function splitRows(x: Tensor2D, counts: readonly number[]): Tensor2D[] {
  const total = counts.reduce((a, b) => a + b, 0);
  if (total !== x.shape[0]) throw new Error(`object counts sum to ${total} but there are ${x.shape[0]} rows`);
  return tf.split(x, [...counts], 0) as Tensor2D[];
}
