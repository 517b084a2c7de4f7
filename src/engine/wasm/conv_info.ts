/** Convolution geometry for the NHWC training kernels. */
import { tf } from '../tf.js';
import type { NamedAttrMap } from '../tf.js';

export type Conv2DInfo = ReturnType<typeof tf.backend_util.computeConv2DInfo>;
type Pad = 'same' | 'valid' | number | [[number, number], [number, number], [number, number], [number, number]];
type Rounding = 'floor' | 'round' | 'ceil' | undefined;
type Shape4 = [number, number, number, number];

function requireNhwc(attrs: NamedAttrMap, kernel: string): void {
  const format = (attrs.dataFormat as string | undefined) ?? 'NHWC';
  if (format !== 'NHWC') throw new Error(`${kernel} (detlab wasm kernel): only NHWC is supported, got ${format}`);
}

/** Geometry of a conv (or its gradients) from the kernel attributes. */
export function conv2dInfo(
  kernel: string, xShape: readonly number[], filterShape: readonly number[], attrs: NamedAttrMap, depthwise = false,
): Conv2DInfo {
  requireNhwc(attrs, kernel);
  return tf.backend_util.computeConv2DInfo(
    xShape as Shape4, filterShape as Shape4, attrs.strides as number | [number, number],
    (attrs.dilations as number | [number, number] | undefined) ?? 1, attrs.pad as Pad,
    attrs.dimRoundingMode as Rounding, depthwise, 'channelsLast');
}

export function pool2dInfo(xShape: readonly number[], attrs: NamedAttrMap): Conv2DInfo {
  return tf.backend_util.computePool2DInfo(
    xShape as Shape4, attrs.filterSize as number | [number, number], attrs.strides as number | [number, number], 1,
    attrs.pad as Pad, attrs.dimRoundingMode as Rounding);
}
