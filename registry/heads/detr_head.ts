/** DETR's decoder head with Hungarian matching and set-prediction losses (DETR defaults). */
import { DETRHead as Head } from '../../src/detection/detr/detr_head.js';
import { resolveNumClasses } from '../../src/detection/heads/schema.js';
import { defineComponent } from '../../src/registry/component.js';

interface Options {
  num_classes: number;
  embed_dims: number;
  num_heads: number;
  ffn_dims: number;
  num_layers: number;
  num_queries: number;
  matcher: { cost_class: number; cost_bbox: number; cost_giou: number };
  loss_weights: { cls: number; bbox: number; giou: number };
  eos_coef: number;
  max_per_img: number;
}

const weight = (description: string, dflt: number) => ({ type: 'number', minimum: 0, description, default: dflt });

export const DETRHead = defineComponent<Options, Head>({
  kind: 'head',
  name: 'DETRHead',
  description: 'DETR decoder: learned object queries, Hungarian matching on class + L1 + GIoU, auxiliary decoding losses',
  schema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      num_classes: { type: 'integer', minimum: 1, description: 'foreground classes (the dataset count from the builder takes precedence)', default: 80 },
      embed_dims: { type: 'integer', minimum: 2, description: 'transformer width (the encoder neck output channels)', default: 256 },
      num_heads: { type: 'integer', minimum: 1, description: 'attention heads (must divide embed_dims)', default: 8 },
      ffn_dims: { type: 'integer', minimum: 1, description: 'hidden width of the feed-forward block', default: 2048 },
      num_layers: { type: 'integer', minimum: 1, description: 'decoder layers (all but the last give auxiliary losses)', default: 6 },
      num_queries: { type: 'integer', minimum: 1, description: 'learned object queries (at most this many detections per image)', default: 100 },
      matcher: {
        type: 'object',
        additionalProperties: false,
        description: 'weights of the Hungarian matching cost',
        default: { cost_class: 1, cost_bbox: 5, cost_giou: 2 },
        properties: {
          cost_class: weight('weight of −p(class)', 1),
          cost_bbox: weight('weight of the L1 distance of normalised cxcywh boxes', 5),
          cost_giou: weight('weight of −GIoU', 2),
        },
      },
      loss_weights: {
        type: 'object',
        additionalProperties: false,
        description: 'weights of the set-prediction losses',
        default: { cls: 1, bbox: 5, giou: 2 },
        properties: {
          cls: weight('class cross-entropy', 1),
          bbox: weight('L1 on normalised cxcywh boxes', 5),
          giou: weight('1 − GIoU', 2),
        },
      },
      eos_coef: { type: 'number', minimum: 0, maximum: 1, description: 'relative weight of the no-object class in the cross-entropy', default: 0.1 },
      max_per_img: { type: 'integer', minimum: 1, description: 'detections kept per image at inference (best queries)', default: 100 },
    },
  },
  build: (o, ctx) => new Head({
    embedDims: o.embed_dims, numHeads: o.num_heads, ffnDims: o.ffn_dims, numLayers: o.num_layers, numQueries: o.num_queries, maxPerImg: o.max_per_img,
    criterion: {
      numClasses: resolveNumClasses(o.num_classes, ctx), costClass: o.matcher.cost_class, costBbox: o.matcher.cost_bbox, costGiou: o.matcher.cost_giou,
      lossClass: o.loss_weights.cls, lossBbox: o.loss_weights.bbox, lossGiou: o.loss_weights.giou, eosCoef: o.eos_coef,
    },
  }),
});
