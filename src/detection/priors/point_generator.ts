import { ComponentError } from '../../config/errors.js';
/**
 * mmdet's MlvlPointGenerator: one prior per feature cell at
 * `((x + offset) · stride, (y + offset) · stride)`, row-major; FCOS uses
 * offset 0.5 (cell centres).
 */

export class PointGenerator {
  readonly strides: number[];
  readonly offset: number;
  private readonly cache = new Map<string, Float32Array>();

  constructor(strides: number[], offset = 0.5) {
    if (strides.length === 0) throw new ComponentError('PointGenerator: strides must be non-empty');
    this.strides = [...strides];
    this.offset = offset;
  }

  get numLevels(): number {
    return this.strides.length;
  }

  /** Points `[x, y]` packed by two for level `level` over an `[h, w]` map (cached). */
  gridPoints(level: number, featH: number, featW: number): Float32Array {
    const key = `${level}:${featH}x${featW}`;
    const hit = this.cache.get(key);
    if (hit !== undefined) return hit;
    const s = this.strides[level];
    const out = new Float32Array(featH * featW * 2);
    for (let y = 0; y < featH; y++) {
      for (let x = 0; x < featW; x++) {
        const i = 2 * (y * featW + x);
        out[i] = (x + this.offset) * s;
        out[i + 1] = (y + this.offset) * s;
      }
    }
    this.cache.set(key, out);
    return out;
  }
}
