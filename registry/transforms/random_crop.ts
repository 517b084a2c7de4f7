import { ComponentError } from '../../src/config/errors.js';
import { defineComponent } from '../../src/registry/component.js';
import { crop } from '../../src/data/image_ops.js';
import { randInt, type Rng } from '../../src/data/rng.js';
import { cropBoxes, selectLabels, withOp, type Transform } from '../../src/data/transform.js';
import type { Sample } from '../../src/data/types.js';

export interface RandomCropOptions {
  crop_size: [number, number];
  crop_type: 'absolute' | 'relative';
  allow_negative_crop: boolean;
  max_tries: number;
}

function keptCount(sample: Sample, x0: number, y0: number, w: number, h: number): number {
  return cropBoxes(sample.boxes, x0, y0, w, h).keep.length;
}

/**
 * A window offset. Without `allow_negative_crop`, a window that would lose
 * every box is redrawn up to `maxTries` times; then the window is centred on
 * a randomly chosen box (clamped to the image), which always keeps that box.
 */
function chooseOffset(sample: Sample, w: number, h: number, o: RandomCropOptions, rng: Rng): [number, number] {
  const maxX = sample.width - w;
  const maxY = sample.height - h;
  const n = sample.boxes.length / 4;
  for (let t = 0; t < o.max_tries; t += 1) {
    const x0 = randInt(rng, 0, maxX);
    const y0 = randInt(rng, 0, maxY);
    if (o.allow_negative_crop || n === 0 || keptCount(sample, x0, y0, w, h) > 0) return [x0, y0];
  }
  const k = Math.min(n - 1, Math.floor(rng.next() * n));
  const cx = ((sample.boxes[4 * k] as number) + (sample.boxes[4 * k + 2] as number)) / 2;
  const cy = ((sample.boxes[4 * k + 1] as number) + (sample.boxes[4 * k + 3] as number)) / 2;
  const x0 = Math.min(Math.max(Math.round(cx - w / 2), 0), maxX);
  const y0 = Math.min(Math.max(Math.round(cy - h / 2), 0), maxY);
  return [x0, y0];
}

export const RandomCrop = defineComponent<RandomCropOptions, Transform>({
  kind: 'transform',
  name: 'RandomCrop',
  description: 'Random window crop; boxes shifted and clipped (empty ones dropped), the window kept in meta.cropBox',
  schema: {
    type: 'object',
    properties: {
      crop_size: { type: 'array', items: { type: 'number', exclusiveMinimum: 0 }, minItems: 2, maxItems: 2, description: 'Window [width, height] in pixels (absolute) or as fractions of the image (relative)', default: [384, 384] },
      crop_type: { type: 'string', enum: ['absolute', 'relative'], description: 'How crop_size is read', default: 'absolute' },
      allow_negative_crop: { type: 'boolean', description: 'Allow a window that keeps no box of an image that has boxes', default: false },
      max_tries: { type: 'integer', minimum: 1, description: 'Windows drawn before centring one on a box (when negative crops are not allowed)', default: 10 },
    },
  },
  build(options, ctx) {
    if (options.crop_type === 'relative' && options.crop_size.some((v) => v > 1)) {
      throw new ComponentError(`relative sizes must be in (0, 1], got ${JSON.stringify(options.crop_size)}`, `${ctx.path}.crop_size`);
    }
    return {
      name: 'RandomCrop',
      apply(sample, rng) {
        const [cw, ch] = options.crop_size;
        const wantW = options.crop_type === 'relative' ? Math.round(sample.width * cw) : Math.round(cw);
        const wantH = options.crop_type === 'relative' ? Math.round(sample.height * ch) : Math.round(ch);
        const w = Math.max(1, Math.min(wantW, sample.width));
        const h = Math.max(1, Math.min(wantH, sample.height));
        const [x0, y0] = chooseOffset(sample, w, h, options, rng);
        const image = crop({ data: sample.image, height: sample.height, width: sample.width }, x0, y0, w, h);
        const kept = cropBoxes(sample.boxes, x0, y0, w, h);
        const ignored = cropBoxes(sample.ignoreBoxes, x0, y0, w, h);
        const prev = sample.meta.cropBox;
        // A second crop composes with the first (both are in the same resized frame unless a Resize ran between; meta.ops is exact).
        const cropBox: [number, number, number, number] =
          prev === undefined ? [x0, y0, x0 + w, y0 + h] : [prev[0] + x0, prev[1] + y0, prev[0] + x0 + w, prev[1] + y0 + h];
        const meta = withOp(sample.meta, { op: 'crop', box: [x0, y0, x0 + w, y0 + h] });
        return {
          ...sample,
          image: image.data,
          height: h,
          width: w,
          boxes: kept.boxes,
          labels: selectLabels(sample.labels, kept.keep),
          ignoreBoxes: ignored.boxes,
          meta: { ...meta, imgShape: [h, w], padShape: [h, w], cropBox },
        };
      },
    };
  },
});
