/**
 * DETR's encoder as a neck: a 1×1 input projection of the lowest-resolution
 * backbone map (the last level; or PixelContrast's 2-layer head, see
 * input_projection.ts), the 2D sine positional encoding, and
 * `numLayers` post-norm self-attention + FFN layers. It returns the encoded
 * map `[N, H, W, E]`, followed by `numExtraLevels` stride-2 3×3 convs on it,
 * so one-stage heads that want several levels can sit on it too.
 */
import { ComponentError } from '../../config/errors.js';
import { tf, type Tensor3D, type Tensor4D } from '../../engine/tf.js';
import type { InputProjection, ProjectingNeck } from '../../nn/backbone.js';
import { ConvModule } from '../../nn/conv_module.js';
import { fill, xavierUniform } from '../../nn/init.js';
import { Module } from '../../nn/module.js';
import { ModuleList } from '../../nn/module_list.js';
import { createInputProjection, type InputProjectionType } from './input_projection.js';
import { EncoderLayer, type TransformerLayerOptions } from './layers.js';
import { sinePositionalEncoding } from './positional_encoding.js';

export interface TransformerEncoderOptions extends TransformerLayerOptions {
  /** Channels of every backbone level; the last is encoded. */
  inChannels: number[];
  numLayers: number;
  numExtraLevels: number;
  /** 'linear' (DETR's 1×1 conv) when absent. */
  projection?: InputProjectionType;
  /** Hidden width of the 'mlp' projection; the encoded level's channels when absent. */
  projectionChannels?: number;
}

export class TransformerEncoder extends Module implements ProjectingNeck {
  readonly outChannels: number[];
  private readonly inputProj: InputProjection['module'];
  private readonly layers: ModuleList<EncoderLayer>;
  private readonly extraConvs: ModuleList<ConvModule>;

  constructor(readonly options: TransformerEncoderOptions) {
    super();
    const { inChannels, embedDims: e, numLayers, numExtraLevels } = options;
    if (inChannels.length === 0) throw new ComponentError('TransformerEncoder in_channels must list at least one level');
    if (e % 2 !== 0) throw new ComponentError(`TransformerEncoder embed_dims ${e} must be even (half of it encodes y, half x)`);
    const plain = { activation: null, norm: null } as const;
    this.inputProj = this.child('input_proj', this.createInputProj());
    this.layers = this.child('layers', new ModuleList(Array.from({ length: numLayers }, () => new EncoderLayer(options))));
    this.extraConvs = this.child('extra_convs', new ModuleList(Array.from({ length: numExtraLevels }, () => new ConvModule(e, e, { kernelSize: 3, stride: 2, padding: 1, ...plain }))));
    this.outChannels = Array.from({ length: 1 + numExtraLevels }, () => e);
    // DETR initialises every matrix of the transformer with xavier_uniform.
    for (const [name, v] of this.layers.namedParameters()) {
      if (v.rank === 2 && name.endsWith('weight')) fill(v, xavierUniform(v.shape, v.shape[1] ?? 1, v.shape[0] ?? 1));
    }
  }

  forward(features: Tensor4D[]): Tensor4D[] {
    const last = features[features.length - 1];
    if (last === undefined) throw new Error('TransformerEncoder: no input level');
    const want = this.options.inChannels[this.options.inChannels.length - 1];
    if (last.shape[3] !== want) throw new ComponentError(`TransformerEncoder: the lowest-resolution input has ${last.shape[3]} channels, in_channels says ${want}`);
    const encoded = this.encode(this.inputProj.forward(last));
    const out = [encoded];
    for (const conv of this.extraConvs) out.push(conv.forward(out[out.length - 1]));
    return out;
  }

  /** Output 0 encodes `input_proj` of the last backbone map; the extra levels have no projection of their own. */
  inputProjection(level: number): InputProjection | undefined {
    if (level !== 0) return undefined;
    return { module: this.inputProj, backboneLevel: this.options.inChannels.length - 1, create: () => this.createInputProj() };
  }

  private createInputProj(): InputProjection['module'] {
    const { inChannels, embedDims, projection, projectionChannels } = this.options;
    const c = inChannels[inChannels.length - 1];
    return createInputProjection(projection ?? 'linear', c, projectionChannels ?? c, embedDims);
  }

  /** The encoder alone on a projected `[N, H, W, E]` map. */
  encode(x: Tensor4D): Tensor4D {
    const [n, h, w, e] = x.shape;
    const pos = tf.reshape(sinePositionalEncoding(h, w, e / 2), [1, h * w, e]) as Tensor3D;
    let seq = tf.reshape(x, [n, h * w, e]) as Tensor3D;
    for (const layer of this.layers) seq = layer.forward(seq, pos);
    return tf.reshape(seq, [n, h, w, e]) as Tensor4D;
  }
}
