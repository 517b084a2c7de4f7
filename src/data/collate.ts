/**
 * Stacks samples into one padded NHWC buffer (bottom/right padding with 0 to
 * the largest height and width in the batch). The tensor itself is made by
 * the loader at hand-over time, on the main thread.
 */
import type { ImageMeta, Sample } from './types.js';

export interface CollatedView {
  pixels: Float32Array;
  shape: [number, number, number, number];
  boxes: Float32Array[];
  labels: Int32Array[];
  ignoreBoxes: Float32Array[];
  metas: ImageMeta[];
}

export function collate(samples: readonly Omit<Sample, 'secondView'>[]): CollatedView {
  const height = Math.max(...samples.map((s) => s.height));
  const width = Math.max(...samples.map((s) => s.width));
  const pixels = new Float32Array(samples.length * height * width * 3);
  samples.forEach((s, b) => {
    const base = b * height * width * 3;
    if (s.width === width) pixels.set(s.image, base);
    else for (let y = 0; y < s.height; y += 1) pixels.set(s.image.subarray(y * s.width * 3, (y + 1) * s.width * 3), base + y * width * 3);
  });
  return {
    pixels,
    shape: [samples.length, height, width, 3],
    boxes: samples.map((s) => s.boxes),
    labels: samples.map((s) => s.labels),
    ignoreBoxes: samples.map((s) => s.ignoreBoxes),
    metas: samples.map((s) => ({ ...s.meta, padShape: [height, width] })),
  };
}
