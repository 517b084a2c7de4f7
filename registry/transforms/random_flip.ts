import { defineComponent } from '../../src/registry/component.js';
import { flipHorizontal } from '../../src/data/image_ops.js';
import { flipBoxes, withOp, type Transform } from '../../src/data/transform.js';

export interface RandomFlipOptions {
  prob: number;
}

export const RandomFlip = defineComponent<RandomFlipOptions, Transform>({
  kind: 'transform',
  name: 'RandomFlip',
  description: 'Horizontal flip with a probability, boxes mirrored exactly',
  schema: {
    type: 'object',
    properties: {
      prob: { type: 'number', minimum: 0, maximum: 1, description: 'Probability of flipping a sample', default: 0.5 },
    },
  },
  build(options) {
    return {
      name: 'RandomFlip',
      apply(sample, rng) {
        // Draw even when prob is 0 or 1, so later transforms see the same random stream.
        if (rng.next() >= options.prob) return sample;
        const image = flipHorizontal({ data: sample.image, height: sample.height, width: sample.width });
        const meta = withOp(sample.meta, { op: 'flip', width: sample.width });
        return {
          ...sample,
          image: image.data,
          boxes: flipBoxes(sample.boxes, sample.width),
          ignoreBoxes: flipBoxes(sample.ignoreBoxes, sample.width),
          meta: { ...meta, flip: !sample.meta.flip },
        };
      },
    };
  },
});
