/**
 * Maps points between the network input and the original image through the
 * geometric ops recorded in `ImageMeta.ops` (e.g. for PixelContrast, to put
 * feature-cell centres of two views in one frame). Coordinates are continuous
 * pixel coordinates: the centre of pixel `(i, j)` is `(i + 0.5, j + 0.5)`.
 */
import type { GeometricOp, ImageMeta } from './types.js';

/** The ops of a meta; metas without an op log get MMDetection's order resize → crop → flip → pad. */
export function geometricOps(meta: ImageMeta): GeometricOp[] {
  if (meta.ops !== undefined) return meta.ops;
  const ops: GeometricOp[] = [{ op: 'resize', scaleFactor: meta.scaleFactor }];
  if (meta.cropBox !== undefined) ops.push({ op: 'crop', box: meta.cropBox });
  if (meta.flip) ops.push({ op: 'flip', width: meta.imgShape[1] });
  return ops;
}

/** A point of the network input, in original-image pixels. */
export function toOriginal(meta: ImageMeta, x: number, y: number): [number, number] {
  const ops = geometricOps(meta);
  let [px, py] = [x, y];
  for (let i = ops.length - 1; i >= 0; i -= 1) {
    const op = ops[i] as GeometricOp;
    if (op.op === 'flip') px = op.width - px;
    else if (op.op === 'crop') [px, py] = [px + op.box[0], py + op.box[1]];
    else if (op.op === 'resize') [px, py] = [px / op.scaleFactor[0], py / op.scaleFactor[1]];
  }
  return [px, py];
}

/** A point of the original image, in network-input pixels (it may fall outside a crop). */
export function fromOriginal(meta: ImageMeta, x: number, y: number): [number, number] {
  let [px, py] = [x, y];
  for (const op of geometricOps(meta)) {
    if (op.op === 'resize') [px, py] = [px * op.scaleFactor[0], py * op.scaleFactor[1]];
    else if (op.op === 'crop') [px, py] = [px - op.box[0], py - op.box[1]];
    else if (op.op === 'flip') px = op.width - px;
  }
  return [px, py];
}
