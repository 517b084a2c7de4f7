import { defineComponent } from '../../src/registry/component.js';
import type { Transform } from '../../src/data/transform.js';

export interface NormalizeOptions {
  mean: [number, number, number];
  std: [number, number, number];
  to_rgb: boolean;
}

export const Normalize = defineComponent<NormalizeOptions, Transform>({
  kind: 'transform',
  name: 'Normalize',
  description: 'Per-channel (x - mean) / std, in RGB order or swapped to BGR',
  schema: {
    type: 'object',
    properties: {
      mean: { type: 'array', items: { type: 'number' }, minItems: 3, maxItems: 3, description: 'Channel means in the output channel order, 0-255 units', default: [123.675, 116.28, 103.53] },
      std: { type: 'array', items: { type: 'number', exclusiveMinimum: 0 }, minItems: 3, maxItems: 3, description: 'Channel standard deviations in the output channel order', default: [58.395, 57.12, 57.375] },
      // detlab decodes images as RGB (MMDetection decodes BGR), so to_rgb: true keeps the order
      // and false swaps to BGR, for weights trained on BGR input.
      to_rgb: { type: 'boolean', description: 'Output RGB (true) or BGR (false) channel order', default: true },
    },
  },
  build(options) {
    const [m0, m1, m2] = options.mean;
    const [s0, s1, s2] = options.std;
    return {
      name: 'Normalize',
      apply(sample) {
        const src = sample.image;
        const out = new Float32Array(src.length);
        const swap = !options.to_rgb;
        for (let i = 0; i < src.length; i += 3) {
          const r = src[swap ? i + 2 : i] as number;
          const g = src[i + 1] as number;
          const b = src[swap ? i : i + 2] as number;
          out[i] = (r - m0) / s0;
          out[i + 1] = (g - m1) / s1;
          out[i + 2] = (b - m2) / s2;
        }
        return { ...sample, image: out };
      },
    };
  },
});
