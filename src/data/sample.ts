/** A sample of an image before any transform, with no annotations (inference) or with a record's (decode.ts). */
import type { Sample } from './types.js';

/** `pixels`: HWC float32 RGB, 0-255. */
export function imageSample(pixels: Float32Array, height: number, width: number, imageId: number, fileName: string): Sample {
  return {
    image: pixels,
    height,
    width,
    boxes: new Float32Array(0),
    labels: new Int32Array(0),
    ignoreBoxes: new Float32Array(0),
    meta: {
      imageId,
      fileName,
      originalShape: [height, width],
      imgShape: [height, width],
      padShape: [height, width],
      scaleFactor: [1, 1],
      flip: false,
      ops: [],
    },
  };
}
