/**
 * Reading a tensor's values without copying them where the backend allows:
 * the wasm backend keeps them in its heap, and `dataSync` copies them out
 * into a fresh buffer each time (a checkpoint of R18 with its optimizer
 * state is 300 MB of such copies).
 */
import { tf } from './tf.js';
import type { Tensor } from './tf.js';
import type { BackendWasm } from './wasm/heap.js';

export type TensorValues = Float32Array | Int32Array | Uint8Array;

/**
 * t's values: a view of the wasm heap when t lives there, else `dataSync()`.
 * Use the view before the next tfjs call: any allocation may move the heap.
 */
export function peekValues(t: Tensor): TensorValues {
  if (t.dtype !== 'string' && tf.getBackend() === 'wasm') {
    const backend = tf.backend() as BackendWasm;
    if (backend.dataIdMap.has(t.dataId)) return backend.typedArrayFromHeap(t) as TensorValues;
  }
  return t.dataSync() as TensorValues;
}
