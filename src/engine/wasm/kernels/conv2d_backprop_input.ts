/**
 * Conv2DBackpropInput, replacing the stock wasm kernel (a naive C++ loop at
 * ~4 GFLOP/s).
 *
 * - `conv` (stride 1): dX = conv2d(dY, W flipped in space with in/out swapped),
 *   padded K−1−p, on XNNPACK.
 * - `col2im` (any stride): G = dY [N,CO] × Wᵀ [CO, KH·KW·C] on XNNPACK, then a
 *   scatter-add of G's rows into dX.
 * - `col2imT` (any stride): Gᵀ = W × dYᵀ, scatter-added channels-first; for
 *   deep layers at small maps, where the filter dwarfs dY.
 * `auto` picks by geometry (chooseBackpropInputMethod).
 */
import type { TensorInfo } from '../../tf.js';
import { alloc, f32, free, reshaped, transpose2d, wasmKernel, type BackendWasm, type WasmKernelArgs } from '../heap.js';
import { conv2dInfo, type Conv2DInfo } from '../conv_info.js';
import { gemm, stock } from '../stock.js';

export type BackpropInputMethod = 'auto' | 'conv' | 'col2im' | 'col2imT';

/** Scatter-adds g ([B·OH·OW, KH·KW·C]) into dx ([B,H,W,C], zeroed by the caller). */
export function col2im(g: Float32Array, dx: Float32Array, info: Conv2DInfo): void {
  const { batchSize: B, inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW } = info;
  const { filterHeight: KH, filterWidth: KW, strideHeight: sh, strideWidth: sw } = info;
  const pt = info.padInfo.top;
  const pl = info.padInfo.left;
  const rowLen = KH * KW * C;
  let n = 0;
  for (let b = 0; b < B; b++) {
    for (let oh = 0; oh < OH; oh++) {
      for (let ow = 0; ow < OW; ow++, n++) {
        for (let kh = 0; kh < KH; kh++) {
          const ih = oh * sh + kh - pt;
          if (ih < 0 || ih >= H) continue;
          const rowBase = (b * H + ih) * W;
          for (let kw = 0; kw < KW; kw++) {
            const iw = ow * sw + kw - pl;
            if (iw < 0 || iw >= W) continue;
            const d = (rowBase + iw) * C;
            const s = n * rowLen + (kh * KW + kw) * C;
            for (let c = 0; c < C; c++) dx[d + c] += g[s + c];
          }
        }
      }
    }
  }
}

function viaCol2im(backend: BackendWasm, dy: TensorInfo, filter: TensorInfo, info: Conv2DInfo, inputShape: number[]): TensorInfo {
  const rowLen = info.filterHeight * info.filterWidth * info.inChannels;
  const n = info.batchSize * info.outHeight * info.outWidth;
  const co = info.outChannels;
  const wT = alloc(backend, [co, rowLen]);
  transpose2d(f32(backend, filter), 0, rowLen, co, f32(backend, wT), 0);
  const g = gemm(backend, reshaped(dy, [n, co]), n, co, wT, rowLen);
  free(backend, wT);
  const dx = alloc(backend, inputShape);
  const dxView = f32(backend, dx);
  dxView.fill(0);
  col2im(f32(backend, g), dxView, info);
  free(backend, g);
  return dx;
}

/**
 * Scatter-adds gT ([KH·KW·C, B·OH·OW]) into dxT ([C, B, H, W], zeroed by the
 * caller): the transpose of im2colT, so output rows are contiguous runs.
 */
function col2imTransposed(gT: Float32Array, dxT: Float32Array, info: Conv2DInfo): void {
  const { batchSize: B, inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW } = info;
  const { filterHeight: KH, filterWidth: KW, strideHeight: sh, strideWidth: sw } = info;
  const pt = info.padInfo.top;
  const pl = info.padInfo.left;
  const cols = B * OH * OW;
  for (let kh = 0; kh < KH; kh++) {
    for (let kw = 0; kw < KW; kw++) {
      const owLo = Math.max(0, Math.ceil((pl - kw) / sw));
      const owHi = Math.min(OW - 1, Math.floor((W - 1 + pl - kw) / sw));
      if (owHi < owLo) continue;
      for (let c = 0; c < C; c++) {
        let g = ((kh * KW + kw) * C + c) * cols;
        for (let b = 0; b < B; b++) {
          const plane = (c * B + b) * H;
          for (let oh = 0; oh < OH; oh++, g += OW) {
            const ih = oh * sh + kh - pt;
            if (ih < 0 || ih >= H) continue;
            let d = (plane + ih) * W + owLo * sw + kw - pl;
            for (let ow = owLo; ow <= owHi; ow++, d += sw) dxT[d] += gT[g + ow];
          }
        }
      }
    }
  }
}

/**
 * Gᵀ = W [KH·KW·C, CO] × dYᵀ [CO, B·OH·OW] on XNNPACK, scatter-added into a
 * channels-first dX, transposed back. The weights operand XNNPACK packs is
 * dYᵀ, not the filter, and the filter needs no transpose: for deep layers at
 * small maps (3×3×512×512 at 8×8) the filter is 36× larger than dY.
 */
function viaCol2imTransposed(backend: BackendWasm, dy: TensorInfo, filter: TensorInfo, info: Conv2DInfo, inputShape: number[]): TensorInfo {
  const rowLen = info.filterHeight * info.filterWidth * info.inChannels;
  const n = info.batchSize * info.outHeight * info.outWidth;
  const co = info.outChannels;
  const transpose = wasmKernel('Transpose');
  // A fresh private buffer, as gemm's `b` must be.
  const dyT = transpose({ inputs: { x: dy }, backend, attrs: { perm: [3, 0, 1, 2] } });
  const gT = gemm(backend, reshaped(filter, [rowLen, co]), rowLen, co, dyT, n);
  free(backend, dyT);
  const [B, H, W, C] = inputShape;
  const dxT = alloc(backend, [C, B, H, W]);
  const dxTView = f32(backend, dxT);
  dxTView.fill(0);
  col2imTransposed(f32(backend, gT), dxTView, info);
  free(backend, gT);
  const dx = transpose({ inputs: { x: dxT }, backend, attrs: { perm: [1, 2, 3, 0] } });
  free(backend, dxT);
  return dx;
}

function viaConv(backend: BackendWasm, dy: TensorInfo, filter: TensorInfo, info: Conv2DInfo): TensorInfo | null {
  const { inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW, outChannels: CO } = info;
  const { filterHeight: KH, filterWidth: KW } = info;
  const top = KH - 1 - info.padInfo.top;
  const left = KW - 1 - info.padInfo.left;
  const bottom = H - OH - top + KH - 1;
  const right = W - OW - left + KW - 1;
  if (top < 0 || left < 0 || bottom < 0 || right < 0) return null;
  // flipped[kh,kw,co,c] = W[KH−1−kh, KW−1−kw, c, co]
  const flipped = alloc(backend, [KH, KW, CO, C]);
  const src = f32(backend, filter);
  const dst = f32(backend, flipped);
  for (let kh = 0; kh < KH; kh++) {
    for (let kw = 0; kw < KW; kw++) {
      transpose2d(src, ((KH - 1 - kh) * KW + (KW - 1 - kw)) * C * CO, C, CO, dst, (kh * KW + kw) * CO * C);
    }
  }
  const dx = stock('Conv2D')({
    inputs: { x: dy, filter: flipped },
    backend,
    attrs: { strides: [1, 1], pad: [[0, 0], [top, bottom], [left, right], [0, 0]], dataFormat: 'NHWC', dilations: [1, 1] },
  });
  free(backend, flipped);
  return dx;
}

/**
 * Which algorithm `auto` picks for this geometry. Measured on ResNet-18 layers
 * (batch 2, fresh filter per call): col2imT wins once the filter has more rows
 * (KH·KW·C) than dY has pixels (8×8×512: 22 ms vs 51 for conv and col2im;
 * 3×3/2 256→512: 12 vs 22) and ties around the crossover; below it conv wins
 * for stride 1 (64×64×64: 21 ms vs 33 col2im, 38 col2imT), col2im otherwise.
 */
export function chooseBackpropInputMethod(info: Conv2DInfo): 'conv' | 'col2im' | 'col2imT' {
  const rowLen = info.filterHeight * info.filterWidth * info.inChannels;
  const pixels = info.batchSize * info.outHeight * info.outWidth;
  if (rowLen > pixels) return 'col2imT';
  return info.strideHeight === 1 && info.strideWidth === 1 ? 'conv' : 'col2im';
}

export function makeConv2dBackpropInput(method: BackpropInputMethod) {
  return function conv2dBackpropInput({ inputs, backend, attrs }: WasmKernelArgs): TensorInfo {
    const { dy, filter } = inputs;
    const inputShape = attrs.inputShape as number[];
    const info = conv2dInfo('Conv2DBackpropInput', inputShape, filter.shape, attrs);
    const chosen = method === 'auto' ? chooseBackpropInputMethod(info) : method;
    const unitStride = info.strideHeight === 1 && info.strideWidth === 1;
    if (chosen === 'conv' && unitStride) {
      const dx = viaConv(backend, dy, filter, info);
      if (dx) return dx;
    }
    if (chosen === 'col2imT') return viaCol2imTransposed(backend, dy, filter, info, inputShape);
    return viaCol2im(backend, dy, filter, info, inputShape);
  };
}
