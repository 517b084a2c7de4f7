/**
 * Conv2DBackpropFilter (absent from tfjs-backend-wasm 4.22).
 *
 * dW[kh,kw,c,co] = Σ_n P[n,(kh,kw,c)] · dY[n,co]. We build Pᵀ [KH·KW·C, B·OH·OW]
 * from a channels-first copy of x (output rows are contiguous there; for
 * 'same'-like geometry whole planes are, via stride phases for stride > 1),
 * then one GEMM Pᵀ × dY on XNNPACK.
 * The result [KH·KW·C, CO] is already the [KH,KW,C,CO] filter layout.
 */
import type { TensorInfo } from '../../tf.js';
import { alloc, f32, free, reshaped, wasmKernel, type WasmKernelArgs } from '../heap.js';
import { conv2dInfo, type Conv2DInfo } from '../conv_info.js';
import { gemm } from '../stock.js';

/**
 * Copies one tap's values for one (c, b) plane of output pixels when a plane of
 * the source is as wide as the output (OW = planeW): the source of output
 * pixel (oh, ow) is plane offset (oh + dh)·planeW + ow + dw, linear in
 * oh·OW + ow, so all valid output rows are one copy from `src` (the offset of
 * pixel (0, 0)). Pixels whose source column falls outside [0, planeW) pick up a
 * neighbouring row's value (or, at the block ends, memory just outside the
 * plane) and are zeroed afterwards. One copy per (tap, c, b) instead of one
 * per output row: at 8×8 maps the per-row copies dominated.
 */
function fillPlane(
  heap: Float32Array, pT: Float32Array, pBase: number, o: number, src: number,
  OH: number, OW: number, planeH: number, dh: number, dw: number,
): void {
  const ohLo = Math.max(0, -dh);
  const ohHi = Math.min(OH - 1, planeH - 1 - dh);
  const owLo = Math.max(0, -dw);
  const owHi = Math.min(OW - 1, OW - 1 - dw);
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

/**
 * Stride phases of a channels-first x: xP[c,b,ph,pw,i,j] = xT[c,b,i·s+ph,j·s+pw]
 * (0 past the edge), each phase plane ⌈H/s⌉ × ⌈W/s⌉. A stride-s conv reads
 * one phase plane per tap at stride 1, so its rows become block copies too.
 */
function splitPhases(xT: Float32Array, xP: Float32Array, planes: number, H: number, W: number, s: number): void {
  const hs = Math.ceil(H / s);
  const ws = Math.ceil(W / s);
  let o = 0;
  for (let p = 0; p < planes; p++) {
    const base = p * H * W;
    for (let ph = 0; ph < s; ph++) {
      for (let pw = 0; pw < s; pw++) {
        for (let i = 0; i < hs; i++) {
          const ih = i * s + ph;
          if (ih >= H) {
            xP.fill(0, o, o + ws);
            o += ws;
            continue;
          }
          let src = base + ih * W + pw;
          for (let j = 0; j < ws; j++, o++, src += s) xP[o] = j * s + pw < W ? xT[src] : 0;
        }
      }
    }
  }
}

/** Whether im2colT can read whole planes: equal strides and OW = ⌈W/s⌉ (e.g. 'same' padding). */
function planeCopies(info: Conv2DInfo): boolean {
  return info.strideHeight === info.strideWidth && info.outWidth === Math.ceil(info.inWidth / info.strideWidth);
}

/**
 * Fills pT ([KH·KW·C, B·OH·OW]) from x channels-first: xT [C, B, H, W], or its
 * stride phases (splitPhases) when `phased`; views of the wasm heap.
 */
function im2colTransposed(src: Float32Array, pT: Float32Array, info: Conv2DInfo, phased: boolean): void {
  const { batchSize: B, inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW } = info;
  const { filterHeight: KH, filterWidth: KW, strideHeight: sh, strideWidth: sw } = info;
  const pt = info.padInfo.top;
  const pl = info.padInfo.left;
  const cols = B * OH * OW;
  // copyWithin on one view of the whole heap moves a row without allocating a
  // subarray per row (~10⁵ rows per layer).
  const heap = new Float32Array(src.buffer);
  const sBase = src.byteOffset >> 2;
  const pBase = pT.byteOffset >> 2;
  const byPlane = planeCopies(info) && (sh === 1 || phased);
  // Plane geometry: stride-1 convs read xT's planes, phased ones their phase planes.
  const hs = phased ? Math.ceil(H / sh) : H;
  const ws = phased ? Math.ceil(W / sw) : W;
  const phases = phased ? sh * sw : 1;
  for (let kh = 0; kh < KH; kh++) {
    const rh = kh - pt;
    const ph = phased ? ((rh % sh) + sh) % sh : 0;
    const dh = phased ? (rh - ph) / sh : rh;
    for (let kw = 0; kw < KW; kw++) {
      const rw = kw - pl;
      const pw = phased ? ((rw % sw) + sw) % sw : 0;
      const dw = phased ? (rw - pw) / sw : rw;
      // Output columns whose input column ow·sw + kw − pl lies inside [0, W).
      const owLo = Math.max(0, Math.ceil((pl - kw) / sw));
      const owHi = Math.min(OW - 1, Math.floor((W - 1 + pl - kw) / sw));
      for (let c = 0; c < C; c++) {
        let o = ((kh * KW + kw) * C + c) * cols;
        for (let b = 0; b < B; b++) {
          if (byPlane) {
            const plane = ((c * B + b) * phases + ph * sw + pw) * hs * ws;
            fillPlane(heap, pT, pBase, o, sBase + plane + dh * ws + dw, OH, OW, hs, dh, dw);
            o += OH * OW;
            continue;
          }
          const plane = (c * B + b) * H;
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
              heap.copyWithin(pBase + o + owLo, sBase + s, sBase + s + owHi - owLo + 1);
            } else {
              for (let ow = owLo; ow <= owHi; ow++, s += sw) pT[o + ow] = src[s];
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
  const s = info.strideHeight;
  // Splitting copies all s² phases: worth it when the taps read them all (not for 1×1/2).
  const phases = s > 1 && planeCopies(info) && info.filterHeight * info.filterWidth >= s * s
    ? alloc(backend, [info.inChannels * info.batchSize * s * s * Math.ceil(info.inHeight / s) * Math.ceil(info.inWidth / s)])
    : null;
  const pT = alloc(backend, [rows, cols]);
  if (phases) {
    splitPhases(f32(backend, xT), f32(backend, phases), info.inChannels * info.batchSize, info.inHeight, info.inWidth, s);
    free(backend, xT);
    im2colTransposed(f32(backend, phases), f32(backend, pT), info, true);
    free(backend, phases);
  } else {
    im2colTransposed(f32(backend, xT), f32(backend, pT), info, false);
    free(backend, xT);
  }
  // dy is not ours: a private copy keeps XNNPACK's weight cache (keyed on the
  // tensor id alone) from ever pairing dy's id with another shape.
  const dyCopy = alloc(backend, [cols, info.outChannels]);
  copyOnHeap(f32(backend, dy), f32(backend, dyCopy));
  const dW = gemm(backend, pT, rows, cols, dyCopy, info.outChannels);
  free(backend, pT);
  free(backend, dyCopy);
  return reshaped(dW, filterShape);
}
