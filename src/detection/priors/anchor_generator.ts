import { ComponentError } from '../../config/errors.js';
/**
 * mmdet's AnchorGenerator. Base anchors of a level are centred at
 * `center_offset · stride` with sizes `stride · scale · (1/√r, √r)` for every
 * ratio r = h/w and scale, ratio-major (mmdet `scale_major=True`); the grid
 * places them at `(x · stride, y · stride)`, location-major, so anchor `a` of
 * cell `(y, x)` sits at index `((y · W + x) · A + a)`: the same order as an
 * NHWC head output reshaped to `[H·W·A, ·]`.
 */

export interface AnchorGeneratorOptions {
  strides: number[];
  ratios: number[];
  /** Explicit scales; or give `octaveBaseScale` and `scalesPerOctave`. */
  scales?: number[];
  octaveBaseScale?: number;
  scalesPerOctave?: number;
  centerOffset?: number;
}

export class AnchorGenerator {
  readonly strides: number[];
  readonly scales: number[];
  readonly ratios: number[];
  readonly centerOffset: number;
  private readonly baseAnchors: Float32Array[];
  private readonly cache = new Map<string, Float32Array>();

  constructor(options: AnchorGeneratorOptions) {
    const { strides, ratios } = options;
    if (options.scales !== undefined) {
      this.scales = [...options.scales];
    } else if (options.octaveBaseScale !== undefined && options.scalesPerOctave !== undefined) {
      const { octaveBaseScale, scalesPerOctave } = options;
      this.scales = Array.from({ length: scalesPerOctave }, (_, i) => octaveBaseScale * 2 ** (i / scalesPerOctave));
    } else {
      throw new ComponentError('AnchorGenerator: give either scales or octaveBaseScale with scalesPerOctave');
    }
    if (strides.length === 0 || ratios.length === 0 || this.scales.length === 0) throw new ComponentError('AnchorGenerator: strides, ratios and scales must be non-empty');
    this.strides = [...strides];
    this.ratios = [...ratios];
    this.centerOffset = options.centerOffset ?? 0;
    this.baseAnchors = this.strides.map((s) => this.levelBaseAnchors(s));
  }

  get numBaseAnchors(): number {
    return this.scales.length * this.ratios.length;
  }

  get numLevels(): number {
    return this.strides.length;
  }

  /** Base anchors of level `level`, packed `[x1, y1, x2, y2]`. */
  base(level: number): Float32Array {
    return this.baseAnchors[level];
  }

  private levelBaseAnchors(stride: number): Float32Array {
    const c = this.centerOffset * stride;
    const out = new Float32Array(4 * this.numBaseAnchors);
    let k = 0;
    for (const r of this.ratios) {
      const hRatio = Math.sqrt(r);
      const wRatio = 1 / hRatio;
      for (const s of this.scales) {
        const w = stride * wRatio * s;
        const h = stride * hRatio * s;
        out.set([c - 0.5 * w, c - 0.5 * h, c + 0.5 * w, c + 0.5 * h], 4 * k++);
      }
    }
    return out;
  }

  /** Anchors of one level over an `[h, w]` feature map (cached). */
  gridAnchors(level: number, featH: number, featW: number): Float32Array {
    const key = `${level}:${featH}x${featW}`;
    const hit = this.cache.get(key);
    if (hit !== undefined) return hit;
    const base = this.baseAnchors[level];
    const stride = this.strides[level];
    const a = this.numBaseAnchors;
    const out = new Float32Array(featH * featW * a * 4);
    let o = 0;
    for (let y = 0; y < featH; y++) {
      for (let x = 0; x < featW; x++) {
        const sx = x * stride, sy = y * stride;
        for (let k = 0; k < 4 * a; k += 4) {
          out[o++] = base[k] + sx;
          out[o++] = base[k + 1] + sy;
          out[o++] = base[k + 2] + sx;
          out[o++] = base[k + 3] + sy;
        }
      }
    }
    this.cache.set(key, out);
    return out;
  }
}
