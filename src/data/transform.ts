/**
 * The transform contract. A transform component (`kind: 'transform'`) builds
 * a `Transform`: a pure function of the sample and a seeded generator, so the
 * same sample index and seed give the same result in any worker. Transforms
 * are built from config inside each worker (functions never cross threads).
 */
import type { GeometricOp, ImageMeta, Sample } from './types.js';
import type { Rng } from './rng.js';

export interface Transform {
  readonly name: string;
  apply(sample: Sample, rng: Rng): Sample;
}

/** Appends a geometric step to the meta's op log (a new meta; samples are not mutated). */
export function withOp(meta: ImageMeta, op: GeometricOp): ImageMeta {
  return { ...meta, ops: [...(meta.ops ?? []), op] };
}

/** Number of boxes in a packed `[x1, y1, x2, y2]` array. */
export function boxCount(boxes: Float32Array): number {
  return boxes.length / 4;
}

/** Applies `x' = x * sx, y' = y * sy` to packed boxes. */
export function scaleBoxes(boxes: Float32Array, sx: number, sy: number): Float32Array {
  const out = new Float32Array(boxes.length);
  for (let i = 0; i < boxes.length; i += 4) {
    out[i] = (boxes[i] as number) * sx;
    out[i + 1] = (boxes[i + 1] as number) * sy;
    out[i + 2] = (boxes[i + 2] as number) * sx;
    out[i + 3] = (boxes[i + 3] as number) * sy;
  }
  return out;
}

/** Mirrors packed boxes in an image of `width`: `x1' = width - x2`, `x2' = width - x1`. */
export function flipBoxes(boxes: Float32Array, width: number): Float32Array {
  const out = new Float32Array(boxes.length);
  for (let i = 0; i < boxes.length; i += 4) {
    out[i] = width - (boxes[i + 2] as number);
    out[i + 1] = boxes[i + 1] as number;
    out[i + 2] = width - (boxes[i] as number);
    out[i + 3] = boxes[i + 3] as number;
  }
  return out;
}

/**
 * Shifts boxes by `-(x0, y0)` and clips them to `width × height`; returns the
 * indices of boxes whose clipped area stays positive.
 */
export function cropBoxes(
  boxes: Float32Array,
  x0: number,
  y0: number,
  width: number,
  height: number,
): { boxes: Float32Array; keep: number[] } {
  const keep: number[] = [];
  const kept: number[] = [];
  for (let i = 0; i < boxes.length / 4; i += 1) {
    const x1 = Math.min(Math.max((boxes[4 * i] as number) - x0, 0), width);
    const y1 = Math.min(Math.max((boxes[4 * i + 1] as number) - y0, 0), height);
    const x2 = Math.min(Math.max((boxes[4 * i + 2] as number) - x0, 0), width);
    const y2 = Math.min(Math.max((boxes[4 * i + 3] as number) - y0, 0), height);
    if (x2 > x1 && y2 > y1) {
      keep.push(i);
      kept.push(x1, y1, x2, y2);
    }
  }
  return { boxes: Float32Array.from(kept), keep };
}

/** Picks entries of a per-box array. */
export function selectLabels(labels: Int32Array, keep: readonly number[]): Int32Array {
  return Int32Array.from(keep, (i) => labels[i] as number);
}

/**
 * Runs the transforms in order. Once a transform (TwoViews) has attached a
 * second view, every later transform runs on both views, the first view
 * first, so `[TwoViews, Normalize, Pad]` normalises and pads both.
 */
export function applyPipeline(transforms: readonly Transform[], sample: Sample, rng: Rng): Sample {
  let out = sample;
  for (const transform of transforms) {
    const { secondView, ...first } = out;
    const next = transform.apply(first, rng);
    if (secondView !== undefined) {
      if (next.secondView !== undefined) throw new Error(`${transform.name}: a sample cannot get a second view twice`);
      next.secondView = transform.apply(secondView, rng);
    }
    out = next;
  }
  return out;
}
