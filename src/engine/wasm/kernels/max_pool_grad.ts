/**
 * MaxPoolGrad. The stock wasm kernel starts its running max at
 * `numeric_limits<float>::min()` (the smallest positive float) and breaks ties
 * to the last maximum, so windows of negative inputs route the gradient
 * wrongly. Here each window sends dy to its first maximum among in-bounds
 * positions, as TensorFlow and the cpu backend do.
 */
import type { TensorInfo } from '../../tf.js';
import { alloc, f32, type WasmKernelArgs } from '../heap.js';
import { pool2dInfo } from '../conv_info.js';

export function maxPoolGrad({ inputs, backend, attrs }: WasmKernelArgs): TensorInfo {
  const { dy, input } = inputs;
  const info = pool2dInfo(input.shape, attrs);
  const { batchSize: B, inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW } = info;
  const { strideHeight: sh, strideWidth: sw, effectiveFilterHeight: KH, effectiveFilterWidth: KW } = info;
  const pt = info.padInfo.top;
  const pl = info.padInfo.left;
  const dx = alloc(backend, input.shape);
  const xv = f32(backend, input);
  const gv = f32(backend, dy);
  const ov = f32(backend, dx);
  ov.fill(0);
  // Per output pixel: the in-bounds window positions' offsets, then channel by
  // channel over them with the running max in locals (the window's rows stay in L1).
  const offsets = new Int32Array(KH * KW);
  for (let b = 0; b < B; b++) {
    for (let oh = 0; oh < OH; oh++) {
      const ih0 = oh * sh - pt;
      const khLo = Math.max(0, -ih0);
      const khHi = Math.min(KH, H - ih0);
      for (let ow = 0; ow < OW; ow++) {
        const iw0 = ow * sw - pl;
        const kwLo = Math.max(0, -iw0);
        const kwHi = Math.min(KW, W - iw0);
        let count = 0;
        for (let kh = khLo; kh < khHi; kh++) {
          for (let kw = kwLo; kw < kwHi; kw++) offsets[count++] = ((b * H + ih0 + kh) * W + iw0 + kw) * C;
        }
        if (count === 0) continue;
        const g = ((b * OH + oh) * OW + ow) * C;
        for (let c = 0; c < C; c++) {
          let at = offsets[0] + c;
          let best = xv[at];
          for (let j = 1; j < count; j++) {
            const i = offsets[j] + c;
            if (xv[i] > best) {
              best = xv[i];
              at = i;
            }
          }
          ov[at] += gv[g + c];
        }
      }
    }
  }
  return dx;
}
