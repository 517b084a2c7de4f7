import { defineComponent } from '../../src/registry/component.js';
import { uniform, type Rng } from '../../src/data/rng.js';
import type { Transform } from '../../src/data/transform.js';

export interface PhotometricJitterOptions {
  brightness_delta: number;
  contrast_range: [number, number];
  saturation_range: [number, number];
  hue_delta: number;
  prob: number;
}

function clamp255(v: number): number {
  return v < 0 ? 0 : v > 255 ? 255 : v;
}

/** Rotates chroma by `degrees` in YIQ space: a cheap hue shift that keeps luma. */
function rotateHue(px: Float32Array, degrees: number): void {
  const a = (degrees * Math.PI) / 180;
  const c = Math.cos(a);
  const s = Math.sin(a);
  for (let i = 0; i < px.length; i += 3) {
    const r = px[i] as number;
    const g = px[i + 1] as number;
    const b = px[i + 2] as number;
    const y = 0.299 * r + 0.587 * g + 0.114 * b;
    const ii = 0.596 * r - 0.274 * g - 0.322 * b;
    const q = 0.211 * r - 0.523 * g + 0.312 * b;
    const i2 = ii * c - q * s;
    const q2 = ii * s + q * c;
    px[i] = clamp255(y + 0.956 * i2 + 0.621 * q2);
    px[i + 1] = clamp255(y - 0.272 * i2 - 0.647 * q2);
    px[i + 2] = clamp255(y - 1.106 * i2 + 1.703 * q2);
  }
}

function jitter(px: Float32Array, o: PhotometricJitterOptions, rng: Rng): void {
  // Every draw happens whether or not the step applies, so the stream length is fixed.
  const doBrightness = rng.next() < o.prob;
  const delta = uniform(rng, -o.brightness_delta, o.brightness_delta);
  const doContrast = rng.next() < o.prob;
  const alpha = uniform(rng, o.contrast_range[0], o.contrast_range[1]);
  const doSaturation = rng.next() < o.prob;
  const sat = uniform(rng, o.saturation_range[0], o.saturation_range[1]);
  const doHue = rng.next() < o.prob;
  const hue = uniform(rng, -o.hue_delta, o.hue_delta);
  if (doBrightness || doContrast) {
    const gain = doContrast ? alpha : 1;
    const bias = doBrightness ? delta : 0;
    for (let i = 0; i < px.length; i += 1) px[i] = clamp255((px[i] as number) * gain + bias);
  }
  if (doSaturation) {
    for (let i = 0; i < px.length; i += 3) {
      const gray = 0.299 * (px[i] as number) + 0.587 * (px[i + 1] as number) + 0.114 * (px[i + 2] as number);
      for (let c = 0; c < 3; c += 1) px[i + c] = clamp255(gray + ((px[i + c] as number) - gray) * sat);
    }
  }
  if (doHue) rotateHue(px, hue);
}

export const PhotometricJitter = defineComponent<PhotometricJitterOptions, Transform>({
  kind: 'transform',
  name: 'PhotometricJitter',
  description: 'Random brightness, contrast, saturation and hue on 0-255 RGB pixels (before Normalize)',
  schema: {
    type: 'object',
    properties: {
      brightness_delta: { type: 'number', minimum: 0, description: 'Largest brightness offset, in 0-255 pixel units', default: 32 },
      contrast_range: { type: 'array', items: { type: 'number', minimum: 0 }, minItems: 2, maxItems: 2, description: 'Range of the contrast gain', default: [0.5, 1.5] },
      saturation_range: { type: 'array', items: { type: 'number', minimum: 0 }, minItems: 2, maxItems: 2, description: 'Range of the saturation gain', default: [0.5, 1.5] },
      hue_delta: { type: 'number', minimum: 0, maximum: 180, description: 'Largest hue rotation in degrees', default: 18 },
      prob: { type: 'number', minimum: 0, maximum: 1, description: 'Probability of applying each of the four steps', default: 0.5 },
    },
  },
  build(options) {
    return {
      name: 'PhotometricJitter',
      apply(sample, rng) {
        const image = sample.image.slice();
        jitter(image, options, rng);
        return { ...sample, image };
      },
    };
  },
});
