/**
 * Padding for tfjs-node's kernels. They hand padding to TensorFlow as 'SAME' or 'VALID' (the forward
 * Conv2D and DepthwiseConv2dNative also as 'EXPLICIT') and reject a numeric pad, which is what detlab's
 * layers use (torch-style `padding` in nn.Conv2d, ResNet's stem max pool): "TF Backend supports only
 * 'valid' and 'same' padding while padding was NUMBER". These wrappers take a numeric or explicit NHWC
 * pad: the forward convolutions get it as TensorFlow's explicit padding; the filter gradients and max
 * pooling run 'valid' on the input padded by PadV2 (zeros, −∞ for max pooling); the input gradients run
 * 'valid' at the padded input shape and are sliced back. 'same' and 'valid' go to tfjs-node unchanged.
 */
import { tf } from './tf.js';
import type { KernelConfig, KernelFunc, NamedAttrMap, Tensor, TensorInfo } from './tf.js';

/** [top, bottom, left, right]. */
type Pad4 = [number, number, number, number];

type KernelArgs = Parameters<KernelFunc>[0];

export const TENSORFLOW_PADDED_KERNELS = [
  'Conv2D', 'DepthwiseConv2dNative',
  'Conv2DBackpropFilter', 'DepthwiseConv2dNativeBackpropFilter',
  'Conv2DBackpropInput', 'DepthwiseConv2dNativeBackpropInput',
  'MaxPool', 'MaxPoolGrad',
] as const;

/** The NHWC pad as [top, bottom, left, right], or null when tfjs-node takes it as it is. */
function explicitPad(attrs: NamedAttrMap): Pad4 | null {
  const { pad, dataFormat, dimRoundingMode } = attrs as { pad?: unknown; dataFormat?: string; dimRoundingMode?: string };
  // A rounding mode changes the output size a numeric pad gives; explicit padding cannot express it.
  if (dimRoundingMode != null || (dataFormat !== undefined && dataFormat !== 'NHWC')) return null;
  if (typeof pad === 'number') return [pad, pad, pad, pad];
  if (Array.isArray(pad) && pad.length === 4) {
    const [, [top, bottom], [left, right]] = pad as number[][];
    return [top, bottom, left, right];
  }
  return null;
}

function run(name: string, args: KernelArgs): Tensor {
  const kernel = tf.getKernel(name, 'tensorflow');
  if (!kernel) throw new Error(`tensorflow backend: no ${name} kernel`);
  return kernel.kernelFunc(args) as Tensor;
}

function padded(x: TensorInfo, [t, b, l, r]: Pad4, value: number, backend: KernelArgs['backend']): Tensor {
  return run('PadV2', { inputs: { x }, backend, attrs: { paddings: [[0, 0], [t, b], [l, r], [0, 0]], constantValue: value } });
}

/** Runs `original` on the padded problem and slices its [B, H+t+b, W+l+r, C] result back to `shape`. */
function sliced(big: Tensor, [t, , l]: Pad4, shape: number[], backend: KernelArgs['backend']): Tensor {
  try {
    return run('Slice', { inputs: { x: big }, backend, attrs: { begin: [0, t, l, 0], size: shape } });
  } finally {
    big.dispose();
  }
}

function wrap(name: (typeof TENSORFLOW_PADDED_KERNELS)[number], original: KernelFunc): KernelFunc {
  return (args) => {
    const pad = explicitPad(args.attrs ?? {});
    if (pad === null) return original(args);
    const { inputs, backend } = args;
    const attrs: NamedAttrMap = { ...args.attrs, pad: 'valid' };
    const [t, b, l, r] = pad;
    switch (name) {
      case 'Conv2D':
      case 'DepthwiseConv2dNative':
        return original({ ...args, attrs: { ...args.attrs, pad: [[0, 0], [t, b], [l, r], [0, 0]] } });
      case 'Conv2DBackpropFilter':
      case 'DepthwiseConv2dNativeBackpropFilter':
      case 'MaxPool': {
        const x = padded(inputs.x as TensorInfo, pad, name === 'MaxPool' ? -Infinity : 0, backend);
        try {
          return original({ inputs: { ...inputs, x }, backend, attrs });
        } finally {
          x.dispose();
        }
      }
      case 'Conv2DBackpropInput':
      case 'DepthwiseConv2dNativeBackpropInput': {
        const shape = attrs.inputShape as number[];
        const inputShape = [shape[0], shape[1] + t + b, shape[2] + l + r, shape[3]];
        return sliced(original({ inputs, backend, attrs: { ...attrs, inputShape } }) as Tensor, pad, shape, backend);
      }
      case 'MaxPoolGrad': {
        const unpadded = inputs.input as TensorInfo;
        const input = padded(unpadded, pad, -Infinity, backend);
        try {
          return sliced(original({ inputs: { ...inputs, input }, backend, attrs }) as Tensor, pad, unpadded.shape, backend);
        } finally {
          input.dispose();
        }
      }
    }
  };
}

const wrapped = new WeakSet<KernelFunc>();

/** Wraps tfjs-node's kernels on the 'tensorflow' backend (once; tfjs-node registers them when imported). */
export function registerTensorflowKernels(): void {
  for (const name of TENSORFLOW_PADDED_KERNELS) {
    const kernel = tf.getKernel(name, 'tensorflow') as KernelConfig | undefined;
    if (!kernel || wrapped.has(kernel.kernelFunc)) continue;
    const kernelFunc = wrap(name, kernel.kernelFunc);
    wrapped.add(kernelFunc);
    tf.unregisterKernel(name, 'tensorflow');
    tf.registerKernel({ ...kernel, kernelFunc });
  }
}
