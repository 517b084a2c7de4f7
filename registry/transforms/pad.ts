import { ComponentError } from '../../src/config/errors.js';
import { defineComponent } from '../../src/registry/component.js';
import { padBottomRight } from '../../src/data/image_ops.js';
import { withOp, type Transform } from '../../src/data/transform.js';

export interface PadOptions {
  size: [number, number] | null;
  size_divisor: number;
  pad_val: number;
}

export const Pad = defineComponent<PadOptions, Transform>({
  kind: 'transform',
  name: 'Pad',
  description: 'Pads bottom/right to a fixed size or a multiple of a divisor; boxes unchanged',
  schema: {
    type: 'object',
    properties: {
      size: { type: ['array', 'null'], items: { type: 'integer', minimum: 1 }, minItems: 2, maxItems: 2, description: 'Fixed [width, height] to pad to (null: use size_divisor)', default: null },
      size_divisor: { type: 'integer', minimum: 1, description: 'Pad height and width up to a multiple of this (when size is null)', default: 32 },
      pad_val: { type: 'number', description: 'Value of the padded pixels', default: 0 },
    },
  },
  build(options, ctx) {
    return {
      name: 'Pad',
      apply(sample) {
        let h: number;
        let w: number;
        if (options.size !== null) {
          [w, h] = options.size;
          if (sample.width > w || sample.height > h) {
            throw new ComponentError(`image ${sample.meta.fileName} is ${sample.width}x${sample.height}, larger than the pad size ${w}x${h}`, ctx.path);
          }
        } else {
          const d = options.size_divisor;
          h = Math.ceil(sample.height / d) * d;
          w = Math.ceil(sample.width / d) * d;
        }
        const image = padBottomRight({ data: sample.image, height: sample.height, width: sample.width }, h, w, options.pad_val);
        const meta = withOp(sample.meta, { op: 'pad', shape: [h, w] });
        return { ...sample, image: image.data, height: h, width: w, meta: { ...meta, padShape: [h, w] } };
      },
    };
  },
});
