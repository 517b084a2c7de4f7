/**
 * DepthwiseConv2dNativeBackpropFilter / …BackpropInput (both absent from
 * wasm). Depthwise convs do KH·KW·C·M multiply-adds per pixel, little enough
 * for direct loops over the heap. Filter layout [KH, KW, C, M]; dy has C·M
 * channels, channel c·M + m coming from input channel c.
 */
import type { TensorInfo } from '../../tf.js';
import { alloc, f32, type WasmKernelArgs } from '../heap.js';
import { conv2dInfo, type Conv2DInfo } from '../conv_info.js';

/** Calls visit(xPixel, dyPixel, tap) for every (output pixel, filter tap) pair inside the input. */
function forEachTap(info: Conv2DInfo, visit: (xPixel: number, dyPixel: number, tap: number) => void): void {
  const { batchSize: B, inHeight: H, inWidth: W, outHeight: OH, outWidth: OW } = info;
  const { filterHeight: KH, filterWidth: KW, strideHeight: sh, strideWidth: sw } = info;
  const { dilationHeight: dh, dilationWidth: dw } = info;
  const pt = info.padInfo.top;
  const pl = info.padInfo.left;
  for (let b = 0; b < B; b++) {
    for (let oh = 0; oh < OH; oh++) {
      for (let kh = 0; kh < KH; kh++) {
        const ih = oh * sh + kh * dh - pt;
        if (ih < 0 || ih >= H) continue;
        for (let ow = 0; ow < OW; ow++) {
          const dyPixel = (b * OH + oh) * OW + ow;
          for (let kw = 0; kw < KW; kw++) {
            const iw = ow * sw + kw * dw - pl;
            if (iw < 0 || iw >= W) continue;
            visit((b * H + ih) * W + iw, dyPixel, kh * KW + kw);
          }
        }
      }
    }
  }
}

export function depthwiseConv2dBackpropFilter({ inputs, backend, attrs }: WasmKernelArgs): TensorInfo {
  const { x, dy } = inputs;
  const filterShape = attrs.filterShape as number[];
  const info = conv2dInfo('DepthwiseConv2dNativeBackpropFilter', x.shape, filterShape, attrs, true);
  const C = info.inChannels;
  const CM = info.outChannels;
  const M = CM / C;
  const dW = alloc(backend, filterShape);
  const xv = f32(backend, x);
  const gv = f32(backend, dy);
  // Sums run over B·OH·OW terms: accumulate in double precision.
  const acc = new Float64Array(info.filterHeight * info.filterWidth * CM);
  forEachTap(info, (xPixel, dyPixel, tap) => {
    const xo = xPixel * C;
    const go = dyPixel * CM;
    const ao = tap * CM;
    for (let c = 0; c < C; c++) {
      const xval = xv[xo + c];
      for (let m = 0; m < M; m++) acc[ao + c * M + m] += xval * gv[go + c * M + m];
    }
  });
  f32(backend, dW).set(acc);
  return dW;
}

export function depthwiseConv2dBackpropInput({ inputs, backend, attrs }: WasmKernelArgs): TensorInfo {
  const { dy, filter } = inputs;
  const inputShape = attrs.inputShape as number[];
  const info = conv2dInfo('DepthwiseConv2dNativeBackpropInput', inputShape, filter.shape, attrs, true);
  const C = info.inChannels;
  const CM = info.outChannels;
  const M = CM / C;
  const dx = alloc(backend, inputShape);
  const wv = f32(backend, filter);
  const gv = f32(backend, dy);
  const ov = f32(backend, dx);
  ov.fill(0);
  forEachTap(info, (xPixel, dyPixel, tap) => {
    const xo = xPixel * C;
    const go = dyPixel * CM;
    const wo = tap * CM;
    for (let c = 0; c < C; c++) {
      let sum = 0;
      for (let m = 0; m < M; m++) sum += gv[go + c * M + m] * wv[wo + c * M + m];
      ov[xo + c] += sum;
    }
  });
  return dx;
}
