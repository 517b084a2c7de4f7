import { ComponentError } from '../../src/config/errors.js';
import { defineComponent } from '../../src/registry/component.js';
import { resizeBilinear } from '../../src/data/image_ops.js';
import { choice, randInt, type Rng } from '../../src/data/rng.js';
import { scaleBoxes, withOp, type Transform } from '../../src/data/transform.js';

export interface ResizeOptions {
  scale: [number, number] | [number, number][];
  keep_ratio: boolean;
  multiscale_mode: 'choice' | 'range';
}

/** The output `(width, height)` for an input of `w × h` and a target scale, MMDetection's rule. */
export function resizedSize(w: number, h: number, scale: [number, number], keepRatio: boolean): [number, number] {
  if (!keepRatio) return [scale[0], scale[1]];
  // Fit the long side to the long scale edge and the short side to the short one, whichever is tighter.
  const factor = Math.min(Math.max(...scale) / Math.max(w, h), Math.min(...scale) / Math.min(w, h));
  return [Math.max(1, Math.round(w * factor)), Math.max(1, Math.round(h * factor))];
}

function parseScales(scale: unknown, path: string): [number, number][] {
  const isPair = (v: unknown): v is [number, number] =>
    Array.isArray(v) && v.length === 2 && v.every((x) => typeof x === 'number' && Number.isFinite(x) && x > 0);
  if (isPair(scale)) return [scale];
  if (Array.isArray(scale) && scale.length > 0 && scale.every(isPair)) return scale;
  throw new ComponentError(`expected [width, height] or a non-empty list of them, got ${JSON.stringify(scale)}`, `${path}.scale`);
}

/**
 * The scale of one sample: one of the listed scales (`choice`), or, from two
 * scales (`range`), a long edge and a short edge each drawn uniformly between
 * theirs (MMDetection's `multiscale_mode='range'`).
 */
function pickScale(scales: [number, number][], mode: 'choice' | 'range', rng: Rng): [number, number] {
  if (scales.length === 1) return scales[0] as [number, number];
  if (mode === 'choice') return choice(rng, scales);
  const longs = scales.map((s) => Math.max(...s));
  const shorts = scales.map((s) => Math.min(...s));
  const long = randInt(rng, Math.min(...longs), Math.max(...longs));
  const short = randInt(rng, Math.min(...shorts), Math.max(...shorts));
  return [long, short];
}

export const Resize = defineComponent<ResizeOptions, Transform>({
  kind: 'transform',
  name: 'Resize',
  description: 'Bilinear resize to a scale (or one picked per sample from a list), boxes scaled exactly',
  schema: {
    type: 'object',
    properties: {
      scale: { type: 'array', description: 'Target [width, height], or a list of them to pick one per sample (multi-scale training)', default: [1333, 800] },
      keep_ratio: { type: 'boolean', description: 'Keep the aspect ratio, fitting the image inside the scale', default: true },
      multiscale_mode: { type: 'string', enum: ['choice', 'range'], description: 'With a list of scales: pick one (choice), or draw edges between two (range)', default: 'choice' },
    },
  },
  build(options, ctx) {
    const scales = parseScales(options.scale, ctx.path);
    if (options.multiscale_mode === 'range' && scales.length !== 2) {
      throw new ComponentError(`multiscale_mode 'range' needs exactly two scales, got ${scales.length}`, `${ctx.path}.scale`);
    }
    return {
      name: 'Resize',
      apply(sample, rng) {
        const scale = pickScale(scales, options.multiscale_mode, rng);
        const [w, h] = resizedSize(sample.width, sample.height, scale, options.keep_ratio);
        const sx = w / sample.width;
        const sy = h / sample.height;
        const image = resizeBilinear({ data: sample.image, height: sample.height, width: sample.width }, h, w);
        const meta = withOp(sample.meta, { op: 'resize', scaleFactor: [sx, sy] });
        return {
          ...sample,
          image: image.data,
          height: h,
          width: w,
          boxes: scaleBoxes(sample.boxes, sx, sy),
          ignoreBoxes: scaleBoxes(sample.ignoreBoxes, sx, sy),
          meta: {
            ...meta,
            imgShape: [h, w],
            padShape: [h, w],
            scaleFactor: [sample.meta.scaleFactor[0] * sx, sample.meta.scaleFactor[1] * sy],
          },
        };
      },
    };
  },
});
