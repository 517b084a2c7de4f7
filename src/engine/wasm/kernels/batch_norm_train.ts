/**
 * Training-mode batch normalisation over every axis but the last (NHWC), fused
 * into two kernels of a few passes each. Composed from tfjs ops (moments,
 * batchNorm and their gradients) the same layer costs ~25 full-size
 * elementwise and reduction kernels per step, each a separate pass over the
 * activation on a single thread.
 *
 * Forward: mean and biased variance per channel (one pass, float64
 * accumulators; the variance is tf.moments' mean((x − mean)²)), then y = x·a + b with
 * a = γ/√(var+ε), b = β − mean·a.
 * Backward (N values per channel, x̂ = (x − mean)/σ):
 *   dβ = Σdy, dγ = Σdy·x̂,
 *   dx = γ/σ·(dy − dβ/N − x̂·dγ/N) + dmean/N + 2·dvar·(x − mean)/N,
 * where dmean and dvar are the gradients reaching the returned statistics.
 */
import type { TensorInfo } from '../../tf.js';
import { alloc, f32, sizeOf, type WasmKernelArgs } from '../heap.js';

export const BATCH_NORM_TRAIN = 'DetlabBatchNormTrain';
export const BATCH_NORM_TRAIN_GRAD = 'DetlabBatchNormTrainGrad';

/**
 * Loops run over blocks of ROW_BLOCK rows, channel by channel inside a block:
 * per-channel coefficients and sums stay in locals and the block stays in L1
 * (measured 1.6-1.8× faster in V8 than channel-innermost loops that load and
 * store per-channel arrays at every element).
 */
const ROW_BLOCK = 32;

/**
 * Per-channel mean and biased variance of x viewed as [rows, C], in one pass.
 * Sums of (x − x₀) and (x − x₀)², x₀ the first row, in float64: the shift
 * keeps Σd² − (Σd)²/n from cancelling when |mean| ≫ std.
 */
function channelMoments(x: Float32Array, channels: number): { mean: Float64Array; variance: Float64Array } {
  const s1 = new Float64Array(channels);
  const s2 = new Float64Array(channels);
  const x0 = x.slice(0, channels);
  const rows = x.length / channels;
  for (let r0 = 0; r0 < rows; r0 += ROW_BLOCK) {
    const end = Math.min(rows, r0 + ROW_BLOCK) * channels;
    for (let c = 0; c < channels; c++) {
      const shift = x0[c];
      let a = 0;
      let b = 0;
      for (let i = r0 * channels + c; i < end; i += channels) {
        const d = x[i] - shift;
        a += d;
        b += d * d;
      }
      s1[c] += a;
      s2[c] += b;
    }
  }
  const mean = new Float64Array(channels);
  const variance = new Float64Array(channels);
  for (let c = 0; c < channels; c++) {
    const m = s1[c] / rows;
    mean[c] = x0[c] + m;
    variance[c] = Math.max(0, s2[c] / rows - m * m);
  }
  return { mean, variance };
}

function requireFloat(kernel: string, infos: TensorInfo[]): void {
  for (const t of infos) if (t.dtype !== 'float32') throw new Error(`${kernel}: expected float32 tensors, got ${t.dtype}`);
}

/** Inputs x [..., C], gamma [C], beta [C]; attr varianceEpsilon. Outputs y, mean [C], variance [C]. */
export function batchNormTrain({ inputs, backend, attrs }: WasmKernelArgs): TensorInfo[] {
  const { x, gamma, beta } = inputs;
  requireFloat(BATCH_NORM_TRAIN, [x, gamma, beta]);
  const channels = x.shape[x.shape.length - 1];
  const eps = attrs.varianceEpsilon as number;
  const y = alloc(backend, x.shape);
  const meanOut = alloc(backend, [channels]);
  const varOut = alloc(backend, [channels]);
  const xv = f32(backend, x);
  const yv = f32(backend, y);
  const g = f32(backend, gamma);
  const b = f32(backend, beta);
  const { mean, variance } = channelMoments(xv, channels);
  const scale = new Float32Array(channels);
  const shift = new Float32Array(channels);
  for (let c = 0; c < channels; c++) {
    scale[c] = g[c] / Math.sqrt(variance[c] + eps);
    shift[c] = b[c] - mean[c] * scale[c];
  }
  const rows = xv.length / channels;
  for (let r0 = 0; r0 < rows; r0 += ROW_BLOCK) {
    const end = Math.min(rows, r0 + ROW_BLOCK) * channels;
    for (let c = 0; c < channels; c++) {
      const sc = scale[c];
      const sh = shift[c];
      for (let i = r0 * channels + c; i < end; i += channels) yv[i] = xv[i] * sc + sh;
    }
  }
  f32(backend, meanOut).set(mean);
  f32(backend, varOut).set(variance);
  return [y, meanOut, varOut];
}

/**
 * Inputs x, dy, mean, variance, gamma, dmean, dvariance; attr varianceEpsilon.
 * Outputs dx, dgamma, dbeta.
 */
export function batchNormTrainGrad({ inputs, backend, attrs }: WasmKernelArgs): TensorInfo[] {
  const { x, dy, mean, variance, gamma, dmean, dvariance } = inputs;
  requireFloat(BATCH_NORM_TRAIN_GRAD, [x, dy, mean, variance, gamma, dmean, dvariance]);
  const channels = x.shape[x.shape.length - 1];
  const eps = attrs.varianceEpsilon as number;
  const n = sizeOf(x.shape) / channels;
  const dx = alloc(backend, x.shape);
  const dgamma = alloc(backend, [channels]);
  const dbeta = alloc(backend, [channels]);
  const xv = f32(backend, x);
  const gv = f32(backend, dy);
  const dxv = f32(backend, dx);
  const m = f32(backend, mean);
  const sumDy = new Float64Array(channels);
  const sumDyXc = new Float64Array(channels);
  for (let r0 = 0; r0 < n; r0 += ROW_BLOCK) {
    const end = Math.min(n, r0 + ROW_BLOCK) * channels;
    for (let c = 0; c < channels; c++) {
      const mc = m[c];
      let sd = 0;
      let sdx = 0;
      for (let i = r0 * channels + c; i < end; i += channels) {
        const d = gv[i];
        sd += d;
        sdx += d * (xv[i] - mc);
      }
      sumDy[c] += sd;
      sumDyXc[c] += sdx;
    }
  }
  const v = f32(backend, variance);
  const g = f32(backend, gamma);
  const dm = f32(backend, dmean);
  const dv = f32(backend, dvariance);
  const dgv = f32(backend, dgamma);
  const dbv = f32(backend, dbeta);
  // dx = A·dy + B·(x − mean) + K per channel.
  const a = new Float32Array(channels);
  const bc = new Float32Array(channels);
  const k = new Float32Array(channels);
  for (let c = 0; c < channels; c++) {
    const inv = 1 / Math.sqrt(v[c] + eps);
    dbv[c] = sumDy[c];
    dgv[c] = sumDyXc[c] * inv;
    a[c] = g[c] * inv;
    bc[c] = (-g[c] * inv * inv * inv * sumDyXc[c] + 2 * dv[c]) / n;
    k[c] = (-g[c] * inv * sumDy[c] + dm[c]) / n;
  }
  for (let r0 = 0; r0 < n; r0 += ROW_BLOCK) {
    const end = Math.min(n, r0 + ROW_BLOCK) * channels;
    for (let c = 0; c < channels; c++) {
      const ac = a[c];
      const bcc = bc[c];
      const kc = k[c];
      const mc = m[c];
      for (let i = r0 * channels + c; i < end; i += channels) dxv[i] = ac * gv[i] + bcc * (xv[i] - mc) + kc;
    }
  }
  return [dx, dgamma, dbeta];
}
