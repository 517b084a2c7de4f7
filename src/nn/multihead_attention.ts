/**
 * Multi-head attention with torch `nn.MultiheadAttention` semantics and names
 * (`in_proj_weight` [3E, E], `in_proj_bias` [3E], `out_proj.weight`/`.bias`),
 * dropout 0, kdim = vdim = E. Inputs are batch-first: `[N, L, E]` queries and
 * `[N, S, E]` keys/values (torch's `batch_first=True`).
 *
 * Masks follow torch: a boolean `attnMask` ([L, S] or [N·heads, L, S]) or
 * `keyPaddingMask` ([N, S]) is true where attention is NOT allowed and becomes
 * -inf on the logits; a float `attnMask` is added as is. A query row with every
 * key masked gives NaN, as in torch.
 */
import { ComponentError } from '../config/errors.js';
import { tf, type Tensor, type Tensor2D, type Tensor3D, type Variable } from '../engine/tf.js';
import { recordFlops } from './flop_recorder.js';
import { constant, xavierUniform } from './init.js';
import { Linear } from './linear.js';
import { Module } from './module.js';

export interface AttentionMasks {
  /** [N, S]; true (or nonzero) marks padded keys to ignore. */
  keyPaddingMask?: Tensor;
  /** [L, S] or [N·heads, L, S]; bool: true = not allowed; float: added to the logits. */
  attnMask?: Tensor;
}

export interface AttentionOutput {
  /** [N, L, E] */
  output: Tensor3D;
  /** Attention weights averaged over heads, [N, L, S] (torch's `average_attn_weights=True`). */
  weights: Tensor3D;
}

export class MultiheadAttention extends Module {
  readonly inProjWeight: Variable;
  readonly inProjBias: Variable;
  readonly outProj: Linear;
  readonly headDim: number;

  constructor(readonly embedDim: number, readonly numHeads: number) {
    super();
    if (embedDim % numHeads !== 0) throw new ComponentError(`MultiheadAttention: embed_dim ${embedDim} is not divisible by num_heads ${numHeads}`);
    this.headDim = embedDim / numHeads;
    // torch computes the fans of the packed [3E, E] weight: fan_in E, fan_out 3E.
    this.inProjWeight = this.param('in_proj_weight', xavierUniform([3 * embedDim, embedDim], embedDim, 3 * embedDim));
    this.inProjBias = this.param('in_proj_bias', constant([3 * embedDim], 0));
    this.outProj = this.child('out_proj', new Linear(embedDim, embedDim));
    this.outProj.bias?.assign(tf.zeros([embedDim]));
  }

  forward(query: Tensor3D, key: Tensor3D, value: Tensor3D, masks: AttentionMasks = {}): AttentionOutput {
    const e = this.embedDim;
    const [n, l] = query.shape;
    const s = key.shape[1];
    for (const [what, t] of [['query', query], ['key', key], ['value', value]] as const) {
      if (t.rank !== 3 || t.shape[0] !== n || t.shape[2] !== e) {
        throw new Error(`MultiheadAttention: ${what} must be [N=${n}, len, E=${e}], got [${t.shape.join(', ')}]`);
      }
    }
    if (value.shape[1] !== s) throw new Error(`MultiheadAttention: key and value lengths differ (${s} vs ${value.shape[1]})`);
    const [wq, wk, wv] = tf.split(this.inProjWeight as Tensor2D, 3, 0) as Tensor2D[];
    const [bq, bk, bv] = tf.split(this.inProjBias, 3, 0);
    const h = this.numHeads;
    const d = this.headDim;
    // [N, T, E] -> [N, h, T, d]
    const project = (x: Tensor3D, w: Tensor2D, b: Tensor, len: number): Tensor =>
      tf.transpose(tf.reshape(tf.add(tf.matMul(tf.reshape(x, [n * len, e]) as Tensor2D, w, false, true), b), [n, len, h, d]), [0, 2, 1, 3]);
    const q = tf.mul(project(query, wq, bq, l), 1 / Math.sqrt(d));
    const k = project(key, wk, bk, s);
    const v = project(value, wv, bv, s);
    let logits: Tensor = tf.matMul(q, k, false, true); // [N, h, L, S]
    logits = this.applyMasks(logits, masks, n, l, s);
    const attn = tf.softmax(logits, -1);
    const ctx = tf.reshape(tf.transpose(tf.matMul(attn, v), [0, 2, 1, 3]), [n, l, e]) as Tensor3D;
    recordFlops(this, 'attention', n * l * e * e + 2 * n * s * e * e + 2 * n * l * s * e, query.shape, ctx.shape);
    return { output: this.outProj.forward(ctx), weights: tf.mean(attn, 1) as Tensor3D };
  }

  private applyMasks(logits: Tensor, masks: AttentionMasks, n: number, l: number, s: number): Tensor {
    const h = this.numHeads;
    let out = logits;
    if (masks.attnMask !== undefined) {
      const m = masks.attnMask;
      const ok2 = m.rank === 2 && m.shape[0] === l && m.shape[1] === s;
      const ok3 = m.rank === 3 && m.shape[0] === n * h && m.shape[1] === l && m.shape[2] === s;
      if (!ok2 && !ok3) throw new Error(`MultiheadAttention: attn_mask must be [${l}, ${s}] or [${n * h}, ${l}, ${s}], got [${m.shape.join(', ')}]`);
      const add = additive(m);
      out = tf.add(out, ok3 ? tf.reshape(add, [n, h, l, s]) : add);
    }
    if (masks.keyPaddingMask !== undefined) {
      const m = masks.keyPaddingMask;
      if (m.rank !== 2 || m.shape[0] !== n || m.shape[1] !== s) {
        throw new Error(`MultiheadAttention: key_padding_mask must be [${n}, ${s}], got [${m.shape.join(', ')}]`);
      }
      out = tf.add(out, tf.reshape(m.dtype === 'bool' ? additive(m) : additive(tf.notEqual(m, 0)), [n, 1, 1, s]));
    }
    return out;
  }
}

function additive(mask: Tensor): Tensor {
  return mask.dtype === 'bool' ? tf.where(mask, tf.fill(mask.shape, -Infinity), tf.zeros(mask.shape)) : mask;
}
