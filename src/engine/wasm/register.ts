/**
 * The training-kernel pack for the wasm backend: kernels that stock
 * tfjs-backend-wasm 4.22 lacks or runs slowly/wrongly, registered from
 * TypeScript on top of its XNNPACK kernels. Call after `tf.setBackend('wasm')`.
 */
import { putKernel } from './heap.js';
import { captureStockKernels, stock } from './stock.js';
import { batchMatMul } from './kernels/batch_mat_mul.js';
import { BATCH_NORM_TRAIN, BATCH_NORM_TRAIN_GRAD, batchNormTrain, batchNormTrainGrad } from './kernels/batch_norm_train.js';
import { conv2dBackpropFilter } from './kernels/conv2d_backprop_filter.js';
import { makeConv2dBackpropInput, type BackpropInputMethod } from './kernels/conv2d_backprop_input.js';
import { identity } from './kernels/identity.js';
import { depthwiseConv2dBackpropFilter, depthwiseConv2dBackpropInput } from './kernels/depthwise_conv2d_backprop.js';
import { maxPoolGrad } from './kernels/max_pool_grad.js';
import { slice, splitV, unpack } from './kernels/slice.js';
import { tile } from './kernels/tile.js';
import { unsortedSegmentSum } from './kernels/unsorted_segment_sum.js';

export interface WasmPackOptions {
  /** Algorithm for Conv2DBackpropInput (tests pin `conv` or `col2im`). */
  backpropInput?: BackpropInputMethod;
}

/** Kernel names the pack registers (some replace stock kernels). */
export const WASM_PACK_KERNELS = [
  'Conv2DBackpropFilter', 'Conv2DBackpropInput', 'BatchMatMul', 'UnsortedSegmentSum', 'MaxPoolGrad', 'Tile',
  'DepthwiseConv2dNativeBackpropFilter', 'DepthwiseConv2dNativeBackpropInput', 'Identity', 'Slice', 'SplitV', 'Unpack',
  BATCH_NORM_TRAIN, BATCH_NORM_TRAIN_GRAD,
] as const;

export function registerWasmPack(options: WasmPackOptions = {}): void {
  captureStockKernels();
  // Undo a previous native registration (engine re-initialised with `native: off`).
  for (const name of ['Conv2D', 'Sum', 'Add', 'Multiply'] as const) putKernel(name, stock(name));
  putKernel('Conv2DBackpropFilter', conv2dBackpropFilter);
  putKernel('Conv2DBackpropInput', makeConv2dBackpropInput(options.backpropInput ?? 'auto'));
  putKernel('BatchMatMul', batchMatMul);
  putKernel('UnsortedSegmentSum', unsortedSegmentSum);
  putKernel('MaxPoolGrad', maxPoolGrad);
  putKernel('Tile', tile);
  putKernel('DepthwiseConv2dNativeBackpropFilter', depthwiseConv2dBackpropFilter);
  putKernel('DepthwiseConv2dNativeBackpropInput', depthwiseConv2dBackpropInput);
  putKernel('Identity', identity);
  putKernel('Slice', slice);
  putKernel('SplitV', splitV);
  putKernel('Unpack', unpack);
  putKernel(BATCH_NORM_TRAIN, batchNormTrain);
  putKernel(BATCH_NORM_TRAIN_GRAD, batchNormTrainGrad);
}
