/** UnsortedSegmentSum (absent from wasm; the gradient of `tf.gather`). */
import type { TensorInfo } from '../../tf.js';
import { sizeOf, type WasmKernelArgs } from '../heap.js';

export function unsortedSegmentSum({ inputs, backend, attrs }: WasmKernelArgs): TensorInfo {
  const { x, segmentIds } = inputs;
  const numSegments = attrs.numSegments as number;
  const idsRank = segmentIds.shape.length;
  const inner = sizeOf(x.shape.slice(idsRank));
  const count = sizeOf(segmentIds.shape);
  const out = backend.makeOutput([numSegments, ...x.shape.slice(idsRank)], x.dtype);
  const xv = backend.typedArrayFromHeap(x);
  const ids = backend.typedArrayFromHeap(segmentIds);
  const ov = backend.typedArrayFromHeap(out);
  ov.fill(0);
  for (let i = 0; i < count; i++) {
    const s = ids[i];
    // TF drops ids outside [0, numSegments).
    if (s < 0 || s >= numSegments) continue;
    const d = s * inner;
    const src = i * inner;
    for (let j = 0; j < inner; j++) ov[d + j] += xv[src + j];
  }
  return out;
}
