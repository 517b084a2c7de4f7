/**
 * Identity by reference. The stock wasm kernel copies the whole tensor, and
 * tfjs clones (Identity) every tensor a kernel saves for its backward pass:
 * ~330 activation copies per ResNet-18 training step. The cpu and webgl
 * backends share the data and count references instead; tfjs tensors are
 * immutable (no kernel writes into its inputs), so sharing is safe here too.
 */
import type { TensorInfo } from '../../tf.js';
import type { WasmKernelArgs } from '../heap.js';
import { stock } from '../stock.js';

export function identity(args: WasmKernelArgs): TensorInfo {
  const { inputs: { x }, backend } = args;
  if (x.dtype === 'string') return stock('Identity')(args);
  backend.incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}
