/**
 * Conv2D, its two gradients and BatchMatMul on OpenBLAS, working in place on
 * the wasm heap: im2col (C) then one SGEMM per conv; and in C the fused
 * training-mode BatchNorm, GroupNorm, MaxPoolGrad, the Relu gradient, Sums over leading
 * axes, Add and Multiply (same shape, bias and per-row broadcasts) and the SGD update
 * (split over oneDNN's OpenMP threads when it is built in). Where the addon was built with
 * oneDNN, the conv kernels `onednnRouting()` names run on oneDNN's
 * convolutions instead. Registered over the wasm pack when the addon loads;
 * anything it does not cover (NCHW, dilation, non-float32) goes to the kernel
 * it replaced.
 */
import { tf, type NamedAttrMap, type TensorInfo } from '../tf.js';
import { alloc, f32, free, putKernel, sizeOf, type BackendWasm, type WasmKernel, type WasmKernelArgs } from '../wasm/heap.js';
import { conv2dInfo, pool2dInfo, type Conv2DInfo } from '../wasm/conv_info.js';
import { maxPoolGrad as packMaxPoolGrad } from '../wasm/kernels/max_pool_grad.js';
import { stock } from '../wasm/stock.js';
import { batchMatMul as packBatchMatMul, matMulGeometry } from '../wasm/kernels/batch_mat_mul.js';
import { conv2dBackpropFilter as packBackpropFilter } from '../wasm/kernels/conv2d_backprop_filter.js';
import { makeConv2dBackpropInput } from '../wasm/kernels/conv2d_backprop_input.js';
import { BATCH_NORM_TRAIN, BATCH_NORM_TRAIN_GRAD, batchNormTrain as packBatchNormTrain, batchNormTrainGrad as packBatchNormTrainGrad } from '../wasm/kernels/batch_norm_train.js';
import { ONEDNN_BACKWARD_DATA, ONEDNN_BACKWARD_WEIGHTS, ONEDNN_FORWARD, type Geometry, type NativeAddon, type OnednnConvKind, type OnednnGeometry } from './addon.js';
import { RELU_GRAD } from '../gradients.js';
import { GROUP_NORM, GROUP_NORM_GRAD } from '../group_norm.js';
import { SGD_UPDATE, type SgdUpdateAttrs } from '../sgd_update.js';
import { UserError } from '../../config/errors.js';

export const NATIVE_KERNELS = ['Conv2D', 'Conv2DBackpropFilter', 'Conv2DBackpropInput', 'BatchMatMul', 'MaxPoolGrad', 'Sum', 'Add', 'Multiply', BATCH_NORM_TRAIN, BATCH_NORM_TRAIN_GRAD, GROUP_NORM, GROUP_NORM_GRAD, RELU_GRAD, SGD_UPDATE] as const;
type NativeKernelName = (typeof NATIVE_KERNELS)[number];

/** Kernels only the addon has; without them their callers compose tfjs ops. */
const NATIVE_ONLY_KERNELS = [GROUP_NORM, GROUP_NORM_GRAD, RELU_GRAD, SGD_UPDATE] as const;

/** Removes the addon-only kernels from wasm (the engine re-initialised without the addon). */
export function unregisterNativeOnlyKernels(): void {
  for (const name of NATIVE_ONLY_KERNELS) if (tf.getKernel(name, 'wasm')) tf.unregisterKernel(name, 'wasm');
}

function geometry(info: Conv2DInfo): Geometry {
  return [
    info.batchSize, info.inHeight, info.inWidth, info.inChannels, info.filterHeight, info.filterWidth,
    info.strideHeight, info.strideWidth, info.padInfo.top, info.padInfo.left, info.outHeight, info.outWidth,
  ];
}

function onednnGeometry(info: Conv2DInfo): OnednnGeometry {
  return [...geometry(info), info.outChannels, info.padInfo.bottom, info.padInfo.right];
}

export const ONEDNN_KERNELS = ['Conv2D', 'Conv2DBackpropInput', 'Conv2DBackpropFilter'] as const;
export type OnednnKernel = (typeof ONEDNN_KERNELS)[number];

/** Which conv kernels run on oneDNN, and from how many output pixels (B·OH·OW) on. */
export interface OnednnRouting {
  kernels: readonly OnednnKernel[];
  minPixels: number;
}

/**
 * Where oneDNN beat im2col + OpenBLAS on the ResNet-18 shapes at 2×3×256² (bench/conv_ops.bench.ts,
 * 2 threads, best of 40): all three kernels, on layers of 512 or more output pixels (the 16² and
 * larger maps at batch 2: 3×3 convs forward 1.2-2.3×, backward data 1.1-2.0×, backward filter
 * 0.9-1.9×, the 7×7 stem forward 3.2×, the 1×1 ones of 0.2-0.5 ms 0.7-1.2×); not on the 8² maps
 * (128 pixels: 0.6-0.7×), where reordering their large filters into oneDNN's blocked layout on
 * every call costs more than its faster kernel saves. One routed loss: the stem's input gradient
 * (3 channels, never taken in training) runs 0.5-0.8×. The train step (bench/engine/child.js,
 * interleaved runs, best step): 2 threads 237 → 192 ms (Conv2D and Conv2DBackpropInput alone
 * 214 ms), 1 thread 334 → 272 ms (294 ms).
 */
export const ONEDNN_DEFAULT: OnednnRouting = { kernels: ONEDNN_KERNELS, minPixels: 512 };

/**
 * The routing from DETLAB_ONEDNN: unset or `auto`, ONEDNN_DEFAULT; `off`, none; else a comma list of
 * kernel names (with the default's pixel floor). None when the addon was built without oneDNN.
 */
export function onednnRouting(addon: NativeAddon): OnednnRouting {
  const none = { kernels: [], minPixels: 0 };
  if (!addon.onednnConv) return none;
  const raw = process.env.DETLAB_ONEDNN?.trim() ?? 'auto';
  if (raw === 'auto' || raw === '') return ONEDNN_DEFAULT;
  if (raw === 'off') return none;
  const names = raw.split(',').map((n) => n.trim());
  const bad = names.find((n) => !(ONEDNN_KERNELS as readonly string[]).includes(n));
  if (bad !== undefined) throw new UserError(`DETLAB_ONEDNN: unknown kernel '${bad}' (auto, off, or a comma list of ${ONEDNN_KERNELS.join(', ')})`);
  return { kernels: names as OnednnKernel[], minPixels: ONEDNN_DEFAULT.minPixels };
}

/** "Conv2D, Conv2DBackpropInput from 256 output pixels", or null when none is on oneDNN. */
export function describeRouting(routing: OnednnRouting): string | null {
  if (routing.kernels.length === 0) return null;
  return `${routing.kernels.join(', ')}${routing.minPixels > 0 ? ` from ${routing.minPixels} output pixels` : ''}`;
}

/** A 1×1, stride-1, unpadded conv is a plain GEMM on x itself. */
function isPointwise(info: Conv2DInfo): boolean {
  return info.filterHeight === 1 && info.filterWidth === 1 && info.strideHeight === 1 && info.strideWidth === 1 &&
    info.padInfo.top === 0 && info.padInfo.left === 0;
}

function isPlainNhwc(attrs: NamedAttrMap): boolean {
  const format = (attrs.dataFormat as string | undefined) ?? 'NHWC';
  const d = attrs.dilations as number | number[] | undefined;
  const unitDilation = d === undefined || (Array.isArray(d) ? d.every((v) => v === 1) : d === 1);
  return format === 'NHWC' && unitDilation;
}

/**
 * How `a op b` maps onto the addon's binary kernel: b of a's shape, b a row of
 * a's trailing dims (a bias), or b a column of one value per row of a's last
 * axis ([..., C] with [..., 1]); null for any other broadcast (the stock kernel).
 */
export function binaryLayout(a: readonly number[], b: readonly number[]): { rows: number; cols: number; broadcast: 0 | 1 | 2 } | null {
  const size = sizeOf(a);
  if (size === 0) return null;
  const cols = a.length > 0 ? a[a.length - 1] : 1;
  if (a.length === b.length && a.every((d, i) => d === b[i])) return { rows: size / cols, cols, broadcast: 0 };
  const lead = b.findIndex((d) => d !== 1);
  const core = lead < 0 ? [] : b.slice(lead);
  if (b.length <= a.length && core.every((d, i) => d === a[a.length - core.length + i])) {
    const row = sizeOf(core);
    return { rows: size / row, cols: row, broadcast: 1 };
  }
  if (a.length === b.length && b[b.length - 1] === 1 && a.slice(0, -1).every((d, i) => d === b[i])) return { rows: size / cols, cols, broadcast: 2 };
  return null;
}

type AnyKernel = (args: WasmKernelArgs) => TensorInfo | TensorInfo[];

export function makeNativeKernels(addon: NativeAddon, onednn: OnednnRouting = { kernels: [], minPixels: 0 }): Record<NativeKernelName, AnyKernel> {
  // What the addon does not cover goes to the wasm pack (or XNNPACK's own Conv2D).
  const fallback: Record<Exclude<NativeKernelName, (typeof NATIVE_ONLY_KERNELS)[number]>, AnyKernel> = {
    Conv2D: stock('Conv2D'),
    Conv2DBackpropFilter: packBackpropFilter,
    Conv2DBackpropInput: makeConv2dBackpropInput('auto'),
    BatchMatMul: packBatchMatMul,
    MaxPoolGrad: packMaxPoolGrad,
    Sum: stock('Sum'),
    Add: stock('Add'),
    Multiply: stock('Multiply'),
    [BATCH_NORM_TRAIN]: packBatchNormTrain,
    [BATCH_NORM_TRAIN_GRAD]: packBatchNormTrainGrad,
  };
  const previous = (name: 'Conv2D' | 'Conv2DBackpropFilter' | 'Conv2DBackpropInput' | 'BatchMatMul'): WasmKernel => fallback[name] as WasmKernel;

  const im2col = (backend: BackendWasm, x: TensorInfo, info: Conv2DInfo): TensorInfo => {
    const rows = info.batchSize * info.outHeight * info.outWidth;
    const p = alloc(backend, [rows, info.filterHeight * info.filterWidth * info.inChannels]);
    addon.im2col(f32(backend, x), ...geometry(info), f32(backend, p));
    return p;
  };

  const onednnConv = addon.onednnConv?.bind(addon);
  /** Runs the oneDNN convolution `kind` and returns true when it is on for `kernel` and this geometry. */
  const viaOnednn = (kernel: OnednnKernel, kind: OnednnConvKind) => {
    if (!onednnConv || !onednn.kernels.includes(kernel)) return () => false;
    return (backend: BackendWasm, a: TensorInfo, b: TensorInfo, out: TensorInfo, info: Conv2DInfo): boolean => {
      if (info.batchSize * info.outHeight * info.outWidth < onednn.minPixels) return false;
      onednnConv(kind, f32(backend, a), f32(backend, b), f32(backend, out), ...onednnGeometry(info));
      return true;
    };
  };
  const onednnForward = viaOnednn('Conv2D', ONEDNN_FORWARD);
  const onednnBackwardData = viaOnednn('Conv2DBackpropInput', ONEDNN_BACKWARD_DATA);
  const onednnBackwardWeights = viaOnednn('Conv2DBackpropFilter', ONEDNN_BACKWARD_WEIGHTS);

  const conv2d = (args: WasmKernelArgs): TensorInfo => {
    const { inputs: { x, filter }, backend, attrs } = args;
    if (!isPlainNhwc(attrs) || x.dtype !== 'float32') return previous('Conv2D')(args);
    const info = conv2dInfo('Conv2D', x.shape, filter.shape, attrs);
    const rows = info.batchSize * info.outHeight * info.outWidth;
    const depth = info.filterHeight * info.filterWidth * info.inChannels;
    const co = info.outChannels;
    const y = alloc(backend, info.outShape);
    if (onednnForward(backend, x, filter, y, info)) return y;
    const p = isPointwise(info) ? x : im2col(backend, x, info);
    addon.sgemm(false, false, rows, co, depth, 1, f32(backend, p), depth, f32(backend, filter), co, 0, f32(backend, y), co);
    if (p !== x) free(backend, p);
    return y;
  };

  const backpropFilter = (args: WasmKernelArgs): TensorInfo => {
    const { inputs: { x, dy }, backend, attrs } = args;
    if (!isPlainNhwc(attrs)) return previous('Conv2DBackpropFilter')(args);
    const filterShape = attrs.filterShape as number[];
    const info = conv2dInfo('Conv2DBackpropFilter', x.shape, filterShape, attrs);
    const rows = info.batchSize * info.outHeight * info.outWidth;
    const depth = info.filterHeight * info.filterWidth * info.inChannels;
    const co = info.outChannels;
    const dW = alloc(backend, filterShape);
    if (onednnBackwardWeights(backend, x, dy, dW, info)) return dW;
    const p = isPointwise(info) ? x : im2col(backend, x, info);
    // dW [depth, CO] = Pᵀ [depth, rows] × dY [rows, CO]
    addon.sgemm(true, false, depth, co, rows, 1, f32(backend, p), depth, f32(backend, dy), co, 0, f32(backend, dW), co);
    if (p !== x) free(backend, p);
    return dW;
  };

  const backpropInput = (args: WasmKernelArgs): TensorInfo => {
    const { inputs: { dy, filter }, backend, attrs } = args;
    if (!isPlainNhwc(attrs)) return previous('Conv2DBackpropInput')(args);
    const inputShape = attrs.inputShape as number[];
    const info = conv2dInfo('Conv2DBackpropInput', inputShape, filter.shape, attrs);
    const rows = info.batchSize * info.outHeight * info.outWidth;
    const depth = info.filterHeight * info.filterWidth * info.inChannels;
    const co = info.outChannels;
    const dx = alloc(backend, inputShape);
    if (onednnBackwardData(backend, dy, filter, dx, info)) return dx;
    if (isPointwise(info)) {
      addon.sgemm(false, true, rows, depth, co, 1, f32(backend, dy), co, f32(backend, filter), co, 0, f32(backend, dx), depth);
      return dx;
    }
    // G [rows, depth] = dY [rows, CO] × Wᵀ, then scatter-add into dX.
    const g = alloc(backend, [rows, depth]);
    addon.sgemm(false, true, rows, depth, co, 1, f32(backend, dy), co, f32(backend, filter), co, 0, f32(backend, g), depth);
    const dxView = f32(backend, dx);
    dxView.fill(0);
    addon.col2im(f32(backend, g), ...geometry(info), dxView);
    free(backend, g);
    return dx;
  };

  const batchMatMul = (args: WasmKernelArgs): TensorInfo => {
    const { inputs: { a, b }, backend, attrs } = args;
    const transposeA = Boolean(attrs.transposeA);
    const transposeB = Boolean(attrs.transposeB);
    const geo = a.dtype === 'float32' && b.dtype === 'float32' ? matMulGeometry(a, b, transposeA, transposeB) : null;
    if (!geo || geo.k === 0 || sizeOf(geo.outShape) === 0) return previous('BatchMatMul')(args);
    const { m, k, n, batch, aBatch, bBatch } = geo;
    const out = alloc(backend, geo.outShape);
    const av = f32(backend, a);
    const bv = f32(backend, b);
    const ov = f32(backend, out);
    for (let i = 0; i < batch; i++) {
      const aPart = av.subarray((aBatch === 1 ? 0 : i) * m * k);
      const bPart = bv.subarray((bBatch === 1 ? 0 : i) * k * n);
      addon.sgemm(transposeA, transposeB, m, n, k, 1, aPart, transposeA ? m : k, bPart, transposeB ? k : n, 0, ov.subarray(i * m * n), n);
    }
    return out;
  };

  const allFloat = (infos: TensorInfo[]): boolean => infos.every((t) => t.dtype === 'float32');

  const maxPoolGrad = (args: WasmKernelArgs): TensorInfo | TensorInfo[] => {
    const { inputs: { dy, input }, backend, attrs } = args;
    if (!allFloat([dy, input])) return fallback.MaxPoolGrad(args);
    const info = pool2dInfo(input.shape, attrs);
    const dx = alloc(backend, input.shape);
    const dxView = f32(backend, dx);
    dxView.fill(0);
    addon.maxPoolGrad(
      f32(backend, input), info.batchSize, info.inHeight, info.inWidth, info.inChannels,
      info.effectiveFilterHeight, info.effectiveFilterWidth, info.strideHeight, info.strideWidth,
      info.padInfo.top, info.padInfo.left, info.outHeight, info.outWidth, f32(backend, dy), dxView);
    return dx;
  };

  const batchNormTrain = (args: WasmKernelArgs): TensorInfo | TensorInfo[] => {
    const { inputs: { x, gamma, beta }, backend, attrs } = args;
    if (!allFloat([x, gamma, beta])) return fallback[BATCH_NORM_TRAIN](args);
    const c = x.shape[x.shape.length - 1];
    const y = alloc(backend, x.shape);
    const mean = alloc(backend, [c]);
    const variance = alloc(backend, [c]);
    addon.bnForward(
      f32(backend, x), c, f32(backend, gamma), f32(backend, beta), attrs.varianceEpsilon as number,
      f32(backend, y), f32(backend, mean), f32(backend, variance));
    return [y, mean, variance];
  };

  const batchNormTrainGrad = (args: WasmKernelArgs): TensorInfo | TensorInfo[] => {
    const { inputs: { x, dy, mean, variance, gamma, dmean, dvariance }, backend, attrs } = args;
    if (!allFloat([x, dy, mean, variance, gamma, dmean, dvariance])) return fallback[BATCH_NORM_TRAIN_GRAD](args);
    const c = x.shape[x.shape.length - 1];
    const dx = alloc(backend, x.shape);
    const dgamma = alloc(backend, [c]);
    const dbeta = alloc(backend, [c]);
    addon.bnBackward(
      f32(backend, x), f32(backend, dy), c, f32(backend, mean), f32(backend, variance), f32(backend, gamma),
      f32(backend, dmean), f32(backend, dvariance), attrs.varianceEpsilon as number,
      f32(backend, dx), f32(backend, dgamma), f32(backend, dbeta));
    return [dx, dgamma, dbeta];
  };

  /** Add and Multiply of float32 tensors in the layouts binaryLayout knows, either way round (both commute). */
  const binary = (op: 0 | 1, name: 'Add' | 'Multiply') => (args: WasmKernelArgs): TensorInfo => {
    const { inputs: { a, b }, backend } = args;
    if (a.dtype === 'float32' && b.dtype === 'float32') {
      const [big, small] = sizeOf(a.shape) >= sizeOf(b.shape) ? [a, b] : [b, a];
      const layout = binaryLayout(big.shape, small.shape);
      if (layout) {
        const out = alloc(backend, big.shape);
        addon.binary(op, f32(backend, big), f32(backend, small), f32(backend, out), layout.rows, layout.cols, layout.broadcast);
        return out;
      }
    }
    return fallback[name](args) as TensorInfo;
  };

  // A Sum over leading axes (bias gradients) without the transpose the wasm Sum makes first.
  const sum = (args: WasmKernelArgs): TensorInfo => {
    const { inputs: { x }, backend, attrs } = args;
    const axes = tf.util.parseAxisParam(attrs.axis as number | number[], x.shape).sort((a, b) => a - b);
    const lead = axes.length;
    if (x.dtype !== 'float32' || lead === 0 || lead >= x.shape.length || axes.some((a, i) => a !== i) || sizeOf(x.shape) === 0) {
      return fallback.Sum(args) as TensorInfo;
    }
    const trailing = x.shape.slice(lead);
    const out = alloc(backend, attrs.keepDims ? [...axes.map(() => 1), ...trailing] : trailing);
    addon.columnSum(f32(backend, x), sizeOf(trailing), f32(backend, out));
    return out;
  };

  // Their callers (src/engine/group_norm.ts, gradients.ts, sgd_update.ts) run them on float32 tensors only.
  const groupNorm = ({ inputs: { x, gamma, beta }, backend, attrs }: WasmKernelArgs): TensorInfo[] => {
    const groups = attrs.groups as number;
    const y = alloc(backend, x.shape);
    const mean = alloc(backend, [x.shape[0], groups]);
    const variance = alloc(backend, [x.shape[0], groups]);
    addon.gnForward(
      f32(backend, x), x.shape[0], groups, f32(backend, gamma), f32(backend, beta), attrs.eps as number,
      f32(backend, y), f32(backend, mean), f32(backend, variance));
    return [y, mean, variance];
  };

  const groupNormGrad = ({ inputs: { x, dy, mean, variance, gamma, dmean, dvariance }, backend, attrs }: WasmKernelArgs): TensorInfo[] => {
    const dx = alloc(backend, x.shape);
    const dgamma = alloc(backend, gamma.shape);
    const dbeta = alloc(backend, gamma.shape);
    addon.gnBackward(
      f32(backend, x), f32(backend, dy), x.shape[0], attrs.groups as number, f32(backend, mean), f32(backend, variance),
      f32(backend, gamma), f32(backend, dmean), f32(backend, dvariance), attrs.eps as number,
      f32(backend, dx), f32(backend, dgamma), f32(backend, dbeta));
    return [dx, dgamma, dbeta];
  };

  const reluGrad = ({ inputs: { dy, x }, backend }: WasmKernelArgs): TensorInfo => {
    const dx = alloc(backend, x.shape);
    addon.reluGrad(f32(backend, dy), f32(backend, x), f32(backend, dx));
    return dx;
  };

  const sgdUpdate = ({ inputs: { p, buf, grad }, backend, attrs }: WasmKernelArgs): TensorInfo[] => {
    const { lr, momentum, weightDecay, nesterov } = attrs as unknown as SgdUpdateAttrs;
    const pOut = alloc(backend, p.shape);
    const bufOut = alloc(backend, p.shape);
    addon.sgdUpdate(
      f32(backend, p), f32(backend, buf), f32(backend, grad), lr, momentum, weightDecay, nesterov, f32(backend, pOut), f32(backend, bufOut));
    return [pOut, bufOut];
  };

  return {
    Conv2D: conv2d, Conv2DBackpropFilter: backpropFilter, Conv2DBackpropInput: backpropInput, BatchMatMul: batchMatMul,
    MaxPoolGrad: maxPoolGrad, Sum: sum, Add: binary(0, 'Add'), Multiply: binary(1, 'Multiply'), [BATCH_NORM_TRAIN]: batchNormTrain, [BATCH_NORM_TRAIN_GRAD]: batchNormTrainGrad,
    [GROUP_NORM]: groupNorm, [GROUP_NORM_GRAD]: groupNormGrad, [RELU_GRAD]: reluGrad, [SGD_UPDATE]: sgdUpdate,
  };
}

/**
 * Overrides the conv/matmul kernels with the addon's, the `onednn` ones on oneDNN; call after
 * `registerWasmPack` (which captures the stock kernels).
 */
export function registerNativeKernels(addon: NativeAddon, threads: number, onednn: OnednnRouting = onednnRouting(addon)): void {
  addon.setThreads(threads);
  const kernels = makeNativeKernels(addon, onednn);
  for (const name of NATIVE_KERNELS) putKernel(name, kernels[name]);
}
