/**
 * DETR's 2D sine positional encoding (`PositionEmbeddingSine`, normalize =
 * True, scale 2π, temperature 10000): the first `numFeats` channels encode y,
 * the next `numFeats` encode x, each as interleaved sin/cos of
 * `pos / T^(2⌊k/2⌋ / numFeats)`. Every cell of the map counts as valid (detlab
 * batches carry no padding mask), so positions are normalised by the map size.
 */
import { ComponentError } from '../../config/errors.js';
import { tf, type Tensor4D } from '../../engine/tf.js';

/** `[1, h, w, 2·numFeats]` encoding of an h × w map. */
export function sinePositionalEncoding(h: number, w: number, numFeats: number, temperature = 10000): Tensor4D {
  if (numFeats % 2 !== 0) throw new ComponentError(`sine positional encoding: num_feats ${numFeats} must be even`);
  const eps = 1e-6;
  const scale = 2 * Math.PI;
  const out = new Float32Array(h * w * 2 * numFeats);
  const dimT = Array.from({ length: numFeats }, (_, k) => temperature ** ((2 * Math.floor(k / 2)) / numFeats));
  for (let y = 0; y < h; y++) {
    // Cumulative sums of an all-valid mask: 1..h and 1..w, normalised by the last.
    const py = ((y + 1) / (h + eps)) * scale;
    for (let x = 0; x < w; x++) {
      const px = ((x + 1) / (w + eps)) * scale;
      const base = (y * w + x) * 2 * numFeats;
      for (let k = 0; k < numFeats; k++) {
        const trig = k % 2 === 0 ? Math.sin : Math.cos;
        out[base + k] = trig(py / dimT[k]);
        out[base + numFeats + k] = trig(px / dimT[k]);
      }
    }
  }
  return tf.tensor4d(out, [1, h, w, 2 * numFeats]);
}
