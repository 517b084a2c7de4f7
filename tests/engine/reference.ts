/**
 * Plain JavaScript references (double-precision loops straight from the
 * definitions, NHWC) for the kernel parity tests. They share no code with the
 * kernels, and none with the cpu backend (whose ResizeNearestNeighborGrad is
 * wrong for batch > 1).
 */

export type Pad = 'same' | 'valid' | number | [[number, number], [number, number], [number, number], [number, number]];

export interface Axis {
  out: number;
  before: number;
}

/** Output size and leading padding of one spatial axis (TensorFlow's rules). */
export function axis(size: number, k: number, stride: number, pad: Pad, dim: 1 | 2, dilation = 1): Axis {
  const ek = (k - 1) * dilation + 1;
  if (pad === 'valid') return { out: Math.floor((size - ek) / stride) + 1, before: 0 };
  if (pad === 'same') {
    const out = Math.ceil(size / stride);
    const total = Math.max((out - 1) * stride + ek - size, 0);
    return { out, before: Math.floor(total / 2) };
  }
  const [before, after] = typeof pad === 'number' ? [pad, pad] : pad[dim];
  return { out: Math.floor((size + before + after - ek) / stride) + 1, before };
}

export interface ConvGeometry {
  B: number; H: number; W: number; C: number;
  KH: number; KW: number; CO: number;
  sh: number; sw: number; OH: number; OW: number; pt: number; pl: number; dh: number; dw: number;
}

export function convGeometry(
  xShape: number[], k: [number, number], co: number, stride: number, pad: Pad, dilation = 1,
): ConvGeometry {
  const [B, H, W, C] = xShape;
  const h = axis(H, k[0], stride, pad, 1, dilation);
  const w = axis(W, k[1], stride, pad, 2, dilation);
  return { B, H, W, C, KH: k[0], KW: k[1], CO: co, sh: stride, sw: stride, OH: h.out, OW: w.out, pt: h.before, pl: w.before, dh: dilation, dw: dilation };
}

/** visit(xPixel, yPixel, tap) for every output pixel and filter tap that lands inside the input. */
function taps(g: ConvGeometry, visit: (xPixel: number, yPixel: number, tap: number) => void): void {
  for (let b = 0; b < g.B; b++) {
    for (let oh = 0; oh < g.OH; oh++) {
      for (let ow = 0; ow < g.OW; ow++) {
        for (let kh = 0; kh < g.KH; kh++) {
          for (let kw = 0; kw < g.KW; kw++) {
            const ih = oh * g.sh + kh * g.dh - g.pt;
            const iw = ow * g.sw + kw * g.dw - g.pl;
            if (ih < 0 || ih >= g.H || iw < 0 || iw >= g.W) continue;
            visit((b * g.H + ih) * g.W + iw, (b * g.OH + oh) * g.OW + ow, kh * g.KW + kw);
          }
        }
      }
    }
  }
}

export function conv2d(x: Float32Array, w: Float32Array, g: ConvGeometry): Float64Array {
  const y = new Float64Array(g.B * g.OH * g.OW * g.CO);
  taps(g, (xp, yp, tap) => {
    for (let c = 0; c < g.C; c++) {
      for (let o = 0; o < g.CO; o++) y[yp * g.CO + o] += x[xp * g.C + c] * w[(tap * g.C + c) * g.CO + o];
    }
  });
  return y;
}

export function conv2dFilterGrad(x: Float32Array, dy: Float32Array, g: ConvGeometry): Float64Array {
  const dw = new Float64Array(g.KH * g.KW * g.C * g.CO);
  taps(g, (xp, yp, tap) => {
    for (let c = 0; c < g.C; c++) {
      for (let o = 0; o < g.CO; o++) dw[(tap * g.C + c) * g.CO + o] += x[xp * g.C + c] * dy[yp * g.CO + o];
    }
  });
  return dw;
}

export function conv2dInputGrad(dy: Float32Array, w: Float32Array, g: ConvGeometry): Float64Array {
  const dx = new Float64Array(g.B * g.H * g.W * g.C);
  taps(g, (xp, yp, tap) => {
    for (let c = 0; c < g.C; c++) {
      for (let o = 0; o < g.CO; o++) dx[xp * g.C + c] += dy[yp * g.CO + o] * w[(tap * g.C + c) * g.CO + o];
    }
  });
  return dx;
}

/** Depthwise: filter [KH,KW,C,M]; output channel c·M + m reads input channel c (g.CO = C·M). */
export function depthwiseFilterGrad(x: Float32Array, dy: Float32Array, g: ConvGeometry): Float64Array {
  const dw = new Float64Array(g.KH * g.KW * g.CO);
  taps(g, (xp, yp, tap) => {
    for (let o = 0; o < g.CO; o++) dw[tap * g.CO + o] += x[xp * g.C + Math.floor(o * g.C / g.CO)] * dy[yp * g.CO + o];
  });
  return dw;
}

export function depthwiseInputGrad(dy: Float32Array, w: Float32Array, g: ConvGeometry): Float64Array {
  const dx = new Float64Array(g.B * g.H * g.W * g.C);
  taps(g, (xp, yp, tap) => {
    for (let o = 0; o < g.CO; o++) dx[xp * g.C + Math.floor(o * g.C / g.CO)] += dy[yp * g.CO + o] * w[tap * g.CO + o];
  });
  return dx;
}

/** Gradient of max pooling: each window's dy goes to its first maximum among in-bounds inputs. */
export function maxPoolGrad(x: Float32Array, dy: Float32Array, g: ConvGeometry): Float64Array {
  const dx = new Float64Array(x.length);
  for (let b = 0; b < g.B; b++) {
    for (let oh = 0; oh < g.OH; oh++) {
      for (let ow = 0; ow < g.OW; ow++) {
        for (let c = 0; c < g.C; c++) {
          let at = -1;
          for (let kh = 0; kh < g.KH; kh++) {
            for (let kw = 0; kw < g.KW; kw++) {
              const ih = oh * g.sh + kh - g.pt;
              const iw = ow * g.sw + kw - g.pl;
              if (ih < 0 || ih >= g.H || iw < 0 || iw >= g.W) continue;
              const i = ((b * g.H + ih) * g.W + iw) * g.C + c;
              if (at < 0 || x[i] > x[at]) at = i;
            }
          }
          if (at >= 0) dx[at] += dy[((b * g.OH + oh) * g.OW + ow) * g.C + c];
        }
      }
    }
  }
  return dx;
}

/** out[i, j] for a batch of (optionally transposed) row-major matrices; batch dims broadcast from size 1. */
export function batchMatMul(
  a: Float32Array, b: Float32Array, dims: { batchA: number; batchB: number; m: number; k: number; n: number },
  transposeA: boolean, transposeB: boolean,
): Float64Array {
  const { batchA, batchB, m, k, n } = dims;
  const batch = Math.max(batchA, batchB);
  const out = new Float64Array(batch * m * n);
  for (let t = 0; t < batch; t++) {
    const ao = (batchA === 1 ? 0 : t) * m * k;
    const bo = (batchB === 1 ? 0 : t) * k * n;
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let p = 0; p < k; p++) {
          const av = transposeA ? a[ao + p * m + i] : a[ao + i * k + p];
          const bv = transposeB ? b[bo + j * k + p] : b[bo + p * n + j];
          s += av * bv;
        }
        out[t * m * n + i * n + j] = s;
      }
    }
  }
  return out;
}

export function unsortedSegmentSum(x: Float32Array, ids: Int32Array, inner: number, numSegments: number): Float64Array {
  const out = new Float64Array(numSegments * inner);
  ids.forEach((s, i) => {
    if (s < 0 || s >= numSegments) return;
    for (let j = 0; j < inner; j++) out[s * inner + j] += x[i * inner + j];
  });
  return out;
}

export function tile(x: Float32Array, shape: number[], reps: number[]): Float64Array {
  const outShape = shape.map((d, i) => d * reps[i]);
  const total = outShape.reduce((p, q) => p * q, 1);
  const out = new Float64Array(total);
  for (let flat = 0; flat < total; flat++) {
    let rest = flat;
    let src = 0;
    let stride = 1;
    for (let d = shape.length - 1; d >= 0; d--) {
      const coord = rest % outShape[d];
      rest = Math.floor(rest / outShape[d]);
      src += (coord % shape[d]) * stride;
      stride *= shape[d];
    }
    out[flat] = x[src];
  }
  return out;
}

/** x[begin : begin + size] of a row-major tensor, element by element. */
export function slice(x: ArrayLike<number>, shape: number[], begin: number[], size: number[]): number[] {
  const total = size.reduce((p, q) => p * q, 1);
  const out: number[] = [];
  for (let flat = 0; flat < total; flat++) {
    let rest = flat;
    let src = 0;
    let stride = 1;
    for (let d = shape.length - 1; d >= 0; d--) {
      src += (begin[d] + (rest % size[d])) * stride;
      rest = Math.floor(rest / size[d]);
      stride *= shape[d];
    }
    out.push(x[src]);
  }
  return out;
}

/** Gradient of nearest-neighbour resize (align_corners and half-pixel centres off): src = floor(dst·in/out). */
export function resizeNearestGrad(dy: Float32Array, xShape: number[], outH: number, outW: number): Float64Array {
  const [B, H, W, C] = xShape;
  const dx = new Float64Array(B * H * W * C);
  for (let b = 0; b < B; b++) {
    for (let y = 0; y < outH; y++) {
      const sy = Math.min(Math.floor((y * H) / outH), H - 1);
      for (let x = 0; x < outW; x++) {
        const sx = Math.min(Math.floor((x * W) / outW), W - 1);
        for (let c = 0; c < C; c++) dx[((b * H + sy) * W + sx) * C + c] += dy[((b * outH + y) * outW + x) * C + c];
      }
    }
  }
  return dx;
}

/** ‖got − want‖₂ / ‖want‖₂ (absolute when want is zero). */
export function relativeError(got: ArrayLike<number>, want: ArrayLike<number>): number {
  if (got.length !== want.length) return Infinity;
  let diff = 0;
  let norm = 0;
  for (let i = 0; i < want.length; i++) {
    diff += (got[i] - want[i]) ** 2;
    norm += want[i] ** 2;
  }
  return Math.sqrt(diff) / (norm > 0 ? Math.sqrt(norm) : 1);
}
