/**
 * DETR's transformer encoder on the lowest-resolution backbone map, as a neck
 * (DETR defaults). `projection: mlp` is PixelContrast's f_e head; it stays an
 * option so that DETR keeps its own single 1×1 projection.
 */
import { INPUT_PROJECTIONS, type InputProjectionType } from '../../src/detection/detr/input_projection.js';
import { TransformerEncoder as Encoder } from '../../src/detection/detr/transformer_encoder.js';
import { defineComponent } from '../../src/registry/component.js';

interface Options {
  in_channels: number[];
  embed_dims: number;
  num_heads: number;
  ffn_dims: number;
  num_layers: number;
  num_extra_levels: number;
  projection: InputProjectionType;
  projection_channels: number | null;
}

export const TransformerEncoder = defineComponent<Options, Encoder>({
  kind: 'neck',
  name: 'TransformerEncoder',
  description: 'DETR encoder: 1×1 input projection of the last backbone level, 2D sine positions, self-attention + FFN layers',
  schema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      in_channels: { type: 'array', items: { type: 'integer', minimum: 1 }, minItems: 1, description: 'channels of each backbone level (the last one is encoded)', default: [2048] },
      embed_dims: { type: 'integer', minimum: 2, description: 'transformer width (even: half encodes y, half x)', default: 256 },
      num_heads: { type: 'integer', minimum: 1, description: 'attention heads (must divide embed_dims)', default: 8 },
      ffn_dims: { type: 'integer', minimum: 1, description: 'hidden width of the feed-forward block', default: 2048 },
      num_layers: { type: 'integer', minimum: 0, description: 'encoder layers', default: 6 },
      num_extra_levels: { type: 'integer', minimum: 0, description: 'stride-2 3×3 convs appended after the encoded map (for one-stage heads on several levels)', default: 0 },
      projection: { type: 'string', enum: INPUT_PROJECTIONS, description: "input projection Γ: 'linear' (DETR's 1×1 conv) or 'mlp' (PixelContrast's f_e head: 1×1 conv, BN, ReLU, 1×1 conv)", default: 'linear' },
      projection_channels: { type: ['integer', 'null'], minimum: 1, description: "hidden width of the 'mlp' projection (paper silent; null: the encoded level's channels)", default: null },
    },
  },
  build: (o) => new Encoder({
    inChannels: o.in_channels, embedDims: o.embed_dims, numHeads: o.num_heads, ffnDims: o.ffn_dims, numLayers: o.num_layers, numExtraLevels: o.num_extra_levels,
    projection: o.projection, ...(o.projection_channels === null ? {} : { projectionChannels: o.projection_channels }),
  }),
});
