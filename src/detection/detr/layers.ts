/**
 * DETR's post-norm transformer layers (Carion et al. 2020), dropout 0:
 * the encoder layer adds the positional encoding to queries and keys of its
 * self-attention; the decoder layer adds the query embedding to its
 * self-attention queries/keys and its cross-attention queries, and the
 * memory's positional encoding to the cross-attention keys.
 * Names follow torch's layers (`self_attn`, `multihead_attn`, `norm1`..`norm3`),
 * with the feed-forward pair under `ffn` (`ffn.linear1`, `ffn.linear2`).
 */
import { tf, type Tensor3D } from '../../engine/tf.js';
import { LayerNorm } from '../../nn/layer_norm.js';
import { Linear } from '../../nn/linear.js';
import { Module } from '../../nn/module.js';
import { MultiheadAttention } from '../../nn/multihead_attention.js';

export interface TransformerLayerOptions {
  embedDims: number;
  numHeads: number;
  ffnDims: number;
}

class FFN extends Module {
  private readonly linear1: Linear;
  private readonly linear2: Linear;

  constructor(o: TransformerLayerOptions) {
    super();
    this.linear1 = this.child('linear1', new Linear(o.embedDims, o.ffnDims));
    this.linear2 = this.child('linear2', new Linear(o.ffnDims, o.embedDims));
  }

  forward(x: Tensor3D): Tensor3D {
    return this.linear2.forward(tf.relu(this.linear1.forward(x)));
  }
}

export class EncoderLayer extends Module {
  private readonly selfAttn: MultiheadAttention;
  private readonly ffn: FFN;
  private readonly norm1: LayerNorm;
  private readonly norm2: LayerNorm;

  constructor(o: TransformerLayerOptions) {
    super();
    this.selfAttn = this.child('self_attn', new MultiheadAttention(o.embedDims, o.numHeads));
    this.ffn = this.child('ffn', new FFN(o));
    this.norm1 = this.child('norm1', new LayerNorm(o.embedDims));
    this.norm2 = this.child('norm2', new LayerNorm(o.embedDims));
  }

  /** `x`, `pos`: `[N, HW, E]` (pos may broadcast with N = 1). */
  forward(x: Tensor3D, pos: Tensor3D): Tensor3D {
    const qk = tf.add<Tensor3D>(x, pos);
    const h = this.norm1.forward(tf.add<Tensor3D>(x, this.selfAttn.forward(qk, qk, x).output));
    return this.norm2.forward(tf.add<Tensor3D>(h, this.ffn.forward(h)));
  }
}

export class DecoderLayer extends Module {
  private readonly selfAttn: MultiheadAttention;
  private readonly crossAttn: MultiheadAttention;
  private readonly ffn: FFN;
  private readonly norm1: LayerNorm;
  private readonly norm2: LayerNorm;
  private readonly norm3: LayerNorm;

  constructor(o: TransformerLayerOptions) {
    super();
    this.selfAttn = this.child('self_attn', new MultiheadAttention(o.embedDims, o.numHeads));
    this.crossAttn = this.child('multihead_attn', new MultiheadAttention(o.embedDims, o.numHeads));
    this.ffn = this.child('ffn', new FFN(o));
    this.norm1 = this.child('norm1', new LayerNorm(o.embedDims));
    this.norm2 = this.child('norm2', new LayerNorm(o.embedDims));
    this.norm3 = this.child('norm3', new LayerNorm(o.embedDims));
  }

  /** `tgt`, `queryPos`: `[N, Q, E]`; `memory`, `pos`: `[N, HW, E]`. */
  forward(tgt: Tensor3D, queryPos: Tensor3D, memory: Tensor3D, pos: Tensor3D): Tensor3D {
    const qk = tf.add<Tensor3D>(tgt, queryPos);
    const a = this.norm1.forward(tf.add<Tensor3D>(tgt, this.selfAttn.forward(qk, qk, tgt).output));
    const keys = tf.add<Tensor3D>(memory, pos);
    const b = this.norm2.forward(tf.add<Tensor3D>(a, this.crossAttn.forward(tf.add<Tensor3D>(a, queryPos), keys, memory).output));
    return this.norm3.forward(tf.add<Tensor3D>(b, this.ffn.forward(b)));
  }
}
