/**
 * Conv2DBackpropFilter (absent from tfjs-backend-wasm 4.22).
 *
 * dW[kh,kw,c,co] = Σ_n P[n,(kh,kw,c)] · dY[n,co]. We build Pᵀ [KH·KW·C, B·OH·OW]
 * from a channels-first copy of x (whole output rows are contiguous there, so
 * stride-1 rows are single `set` copies), then one GEMM Pᵀ × dY on XNNPACK.
 * The result [KH·KW·C, CO] is already the [KH,KW,C,CO] filter layout.
 */
import type { TensorInfo } from '../../tf.js';
import { alloc, f32, free, reshaped, wasmKernel, type WasmKernelArgs } from '../heap.js';
import { conv2dInfo, type Conv2DInfo } from '../conv_info.js';
import { gemm } from '../stock.js';

/**
 * Stride 1 with OW = W (e.g. 'same' padding): for a fixed tap (kh, kw) the
 * source of output pixel (oh, ow) is xT plane offset (oh + kh − pt)·W + ow + kw − pl,
 * linear in oh·W + ow, so the whole valid block of output rows is one copy.
 * Pixels whose input column falls outside [0, W) pick up a neighbouring row's
 * value (or, at the block ends, memory just outside the plane) and are zeroed
 * afterwards. One copy per (tap, c, b) instead of one per output row: at
 * 8×8 maps the per-row copies dominated.
 */
function fillPlaneStride1(
  heap: Float32Array, pT: Float32Array, pBase: number, o: number, src: number,
  info: Conv2DInfo, kh: number, owLo: number, owHi: number,
): void {
  const { inHeight: H, outHeight: OH, outWidth: OW } = info;
  const pt = info.padInfo.top;
  const ohLo = Math.max(0, pt - kh);
  const ohHi = Math.min(OH - 1, H - 1 + pt - kh);
  if (ohHi < ohLo || owHi < owLo) {
    pT.fill(0, o, o + OH * OW);
    return;
  }
  if (ohLo > 0) pT.fill(0, o, o + ohLo * OW);
  if (ohHi < OH - 1) pT.fill(0, o + (ohHi + 1) * OW, o + OH * OW);
  const start = src + ohLo * OW;
  heap.copyWithin(pBase + o + ohLo * OW, start, start + (ohHi - ohLo + 1) * OW);
  if (owLo === 0 && owHi === OW - 1) return;
  for (let oh = ohLo; oh <= ohHi; oh++) {
    const row = o + oh * OW;
    for (let ow = 0; ow < owLo; ow++) pT[row + ow] = 0;
    for (let ow = owHi + 1; ow < OW; ow++) pT[row + ow] = 0;
  }
}

/** Fills pT ([KH·KW·C, B·OH·OW]) from xT ([C, B, H, W]); both are views of the wasm heap. */
function im2colTransposed(xT: Float32Array, pT: Float32Array, info: Conv2DInfo): void {
  const { batchSize: B, inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW } = info;
  const { filterHeight: KH, filterWidth: KW, strideHeight: sh, strideWidth: sw } = info;
  const pt = info.padInfo.top;
  const pl = info.padInfo.left;
  const cols = B * OH * OW;
  // copyWithin on one view of the whole heap moves a row without allocating a
  // subarray per row (~10⁵ rows per layer).
  const heap = new Float32Array(xT.buffer);
  const xBase = xT.byteOffset >> 2;
  const pBase = pT.byteOffset >> 2;
  const planeCopy = sh === 1 && sw === 1 && OW === W;
  for (let kh = 0; kh < KH; kh++) {
    for (let kw = 0; kw < KW; kw++) {
      // Output columns whose input column ow·sw + kw − pl lies inside [0, W).
      const owLo = Math.max(0, Math.ceil((pl - kw) / sw));
      const owHi = Math.min(OW - 1, Math.floor((W - 1 + pl - kw) / sw));
      for (let c = 0; c < C; c++) {
        let o = ((kh * KW + kw) * C + c) * cols;
        for (let b = 0; b < B; b++) {
          const plane = (c * B + b) * H;
          if (planeCopy) {
            fillPlaneStride1(heap, pT, pBase, o, xBase + (plane + kh - pt) * W + kw - pl, info, kh, owLo, owHi);
            o += OH * OW;
            continue;
          }
          for (let oh = 0; oh < OH; oh++, o += OW) {
            const ih = oh * sh + kh - pt;
            if (ih < 0 || ih >= H || owHi < owLo) {
              pT.fill(0, o, o + OW);
              continue;
            }
            if (owLo > 0) pT.fill(0, o, o + owLo);
            if (owHi < OW - 1) pT.fill(0, o + owHi + 1, o + OW);
            let s = (plane + ih) * W + owLo * sw + kw - pl;
            if (sw === 1) {
              heap.copyWithin(pBase + o + owLo, xBase + s, xBase + s + owHi - owLo + 1);
            } else {
              for (let ow = owLo; ow <= owHi; ow++, s += sw) pT[o + ow] = xT[s];
            }
          }
        }
      }
    }
  }
}

/** dst ← src for two views of the wasm heap (memmove; `set` would clone src first, as the buffers are the same). */
function copyOnHeap(src: Float32Array, dst: Float32Array): void {
  const start = src.byteOffset >> 2;
  new Float32Array(src.buffer).copyWithin(dst.byteOffset >> 2, start, start + src.length);
}

export function conv2dBackpropFilter({ inputs, backend, attrs }: WasmKernelArgs): TensorInfo {
  const { x, dy } = inputs;
  const filterShape = attrs.filterShape as number[];
  const info = conv2dInfo('Conv2DBackpropFilter', x.shape, filterShape, attrs);
  const rows = info.filterHeight * info.filterWidth * info.inChannels;
  const cols = info.batchSize * info.outHeight * info.outWidth;
  const xT = wasmKernel('Transpose')({ inputs: { x }, backend, attrs: { perm: [3, 0, 1, 2] } });
  const pT = alloc(backend, [rows, cols]);
  im2colTransposed(f32(backend, xT), f32(backend, pT), info);
  free(backend, xT);
  // dy is not ours: a private copy keeps XNNPACK's weight cache (keyed on the
  // tensor id alone) from ever pairing dy's id with another shape.
  const dyCopy = alloc(backend, [cols, info.outChannels]);
  copyOnHeap(f32(backend, dy), f32(backend, dyCopy));
  const dW = gemm(backend, pT, rows, cols, dyCopy, info.outChannels);
  free(backend, pT);
  free(backend, dyCopy);
  return reshaped(dW, filterShape);
}
