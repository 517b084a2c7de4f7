/**
 * A fixed two-image batch of solid rectangles (64×64, 2 classes) drawn in
 * memory, shared by the detector, TSCODE/COP and DETR training tests.
 */
import { tf, type Tensor4D } from '../../src/engine/tf.js';
import type { Batch, ImageMeta } from '../../src/data/types.js';

export const SIZE = 64;

/** Two images: class-0 red and class-1 green rectangles on grey. */
export function drawBatch(): Batch {
  const boxes = [Float32Array.of(6, 8, 38, 36, 36, 30, 60, 60), Float32Array.of(18, 10, 54, 48)];
  const labels = [Int32Array.of(0, 1), Int32Array.of(1)];
  const colors = [[1.5, -1, -1], [-1, 1.5, -1]];
  const pixels = new Float32Array(2 * SIZE * SIZE * 3).fill(-0.5);
  boxes.forEach((bs, b) => {
    for (let k = 0; k < bs.length / 4; k++) {
      const [x1, y1, x2, y2] = bs.subarray(4 * k, 4 * k + 4);
      for (let y = y1; y < y2; y++) for (let x = x1; x < x2; x++) pixels.set(colors[labels[b][k]], ((b * SIZE + y) * SIZE + x) * 3);
    }
  });
  const metas: ImageMeta[] = [0, 1].map((i) => ({
    imageId: i, fileName: `drawn_${i}.png`, originalShape: [SIZE, SIZE], imgShape: [SIZE, SIZE], padShape: [SIZE, SIZE], scaleFactor: [1, 1], flip: false,
  }));
  return { images: tf.tensor4d(pixels, [2, SIZE, SIZE, 3]) as Tensor4D, boxes, labels, ignoreBoxes: [new Float32Array(0), new Float32Array(0)], metas };
}
