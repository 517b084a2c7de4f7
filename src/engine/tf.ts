/**
 * The one place detlab imports TensorFlow.js from. Every module uses this
 * binding, so optional backends (tfjs-node, tfjs-node-gpu, wasm) register on
 * the same tfjs-core instance the models use.
 */
import * as tf from '@tensorflow/tfjs';

export { tf };
export type { Tensor, Tensor1D, Tensor2D, Tensor3D, Tensor4D, Variable, Rank, Scalar, NamedTensorMap } from '@tensorflow/tfjs';
export type { TensorInfo, KernelConfig, KernelFunc, NamedAttrMap, DataType } from '@tensorflow/tfjs';
