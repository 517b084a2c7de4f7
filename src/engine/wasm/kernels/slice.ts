/**
 * Slice, SplitV and Unpack by block copies between views of the heap. The
 * stock wasm Slice first reads its whole input out of the heap into a fresh
 * buffer, and its SplitV and Unpack call it once per piece: 100 MB of such
 * copies in 12 steps of RetinaNet-R18 with LGD, whose churn set off V8's
 * external-memory GCs.
 */
import { tf, type TensorInfo } from '../../tf.js';
import type { WasmKernelArgs } from '../heap.js';
import { stock } from '../stock.js';

export function slice(args: WasmKernelArgs): TensorInfo {
  const { inputs: { x }, backend, attrs } = args;
  if (x.dtype === 'string') return stock('Slice')(args);
  const [begin, size] = tf.slice_util.parseSliceParams(x, attrs.begin as number | number[], attrs.size as number | number[] | undefined);
  const out = backend.makeOutput(size, x.dtype);
  // Views after the allocation: makeOutput may grow the heap.
  const src = backend.typedArrayFromHeap(x);
  const dst = backend.typedArrayFromHeap(out);
  if (dst.length === 0) return out;
  const shape = x.shape;
  const rank = shape.length;
  const stride = new Array<number>(rank).fill(1);
  for (let d = rank - 2; d >= 0; d--) stride[d] = stride[d + 1] * shape[d + 1];
  // Trailing dimensions taken whole merge into one contiguous run per outer index.
  let inner = rank - 1;
  while (inner >= 0 && begin[inner] === 0 && size[inner] === shape[inner]) inner--;
  if (inner < 0) {
    dst.set(src.subarray(0, dst.length));
    return out;
  }
  const run = size[inner] * stride[inner];
  const index = new Array<number>(inner).fill(0);
  let from = begin[inner] * stride[inner];
  for (let d = 0; d < inner; d++) from += begin[d] * stride[d];
  for (let to = 0; to < dst.length; to += run) {
    dst.set(src.subarray(from, from + run), to);
    // Odometer over the outer dimensions 0..inner-1.
    for (let d = inner - 1; d >= 0; d--) {
      from += stride[d];
      if (++index[d] < size[d]) break;
      index[d] = 0;
      from -= size[d] * stride[d];
    }
  }
  return out;
}

export function splitV(args: WasmKernelArgs): TensorInfo[] {
  const { inputs: { x }, backend, attrs } = args;
  const axis = tf.util.parseAxisParam(attrs.axis as number, x.shape)[0];
  const sizes = tf.backend_util.prepareSplitSize(x, attrs.numOrSizeSplits as number | number[], axis);
  const begin = new Array<number>(x.shape.length).fill(0);
  return sizes.map((s) => {
    const size = x.shape.slice();
    size[axis] = s;
    const piece = slice({ inputs: { x }, backend, attrs: { begin: begin.slice(), size } });
    begin[axis] += s;
    return piece;
  });
}

export function unpack(args: WasmKernelArgs): TensorInfo[] {
  const { inputs: { value }, backend, attrs } = args;
  const axis = tf.util.parseAxisParam(attrs.axis as number, value.shape)[0];
  const size = value.shape.slice();
  size[axis] = 1;
  const outShape = value.shape.filter((_, d) => d !== axis);
  const begin = new Array<number>(value.shape.length).fill(0);
  const pieces: TensorInfo[] = [];
  for (let i = 0; i < value.shape[axis]; i++) {
    begin[axis] = i;
    const piece = slice({ inputs: { x: value }, backend, attrs: { begin: begin.slice(), size } });
    pieces.push({ dataId: piece.dataId, dtype: piece.dtype, shape: outShape });
  }
  return pieces;
}
