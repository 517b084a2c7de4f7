/**
 * BatchMatMul wrapper. The stock wasm kernel uses XNNPACK only for untransposed
 * single-batch products and falls back to a scalar loop (1–3 GFLOP/s)
 * otherwise, which is every product in matMul's gradient. We materialise each
 * batch's operands untransposed and call the fast path per batch.
 */
import { tf } from '../../tf.js';
import type { TensorInfo } from '../../tf.js';
import { alloc, f32, free, sizeOf, transpose2d, type WasmKernelArgs } from '../heap.js';
import { gemm, stock } from '../stock.js';

export interface MatMulGeometry {
  m: number;
  k: number;
  n: number;
  batch: number;
  aBatch: number;
  bBatch: number;
  outShape: number[];
}

/** Shapes of a BatchMatMul, or null when its batch dims need general broadcasting. */
export function matMulGeometry(a: TensorInfo, b: TensorInfo, transposeA: boolean, transposeB: boolean): MatMulGeometry | null {
  const ra = a.shape.length;
  const rb = b.shape.length;
  const m = transposeA ? a.shape[ra - 1] : a.shape[ra - 2];
  const k = transposeA ? a.shape[ra - 2] : a.shape[ra - 1];
  const n = transposeB ? b.shape[rb - 2] : b.shape[rb - 1];
  const aBatch = sizeOf(a.shape.slice(0, -2));
  const bBatch = sizeOf(b.shape.slice(0, -2));
  const batch = Math.max(aBatch, bBatch);
  if ((aBatch !== batch && aBatch !== 1) || (bBatch !== batch && bBatch !== 1)) return null;
  const outer = tf.broadcast_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2));
  return { m, k, n, batch, aBatch, bBatch, outShape: [...outer, m, n] };
}

export function batchMatMul(args: WasmKernelArgs): TensorInfo {
  const { inputs: { a, b }, backend, attrs } = args;
  const transposeA = Boolean(attrs.transposeA);
  const transposeB = Boolean(attrs.transposeB);
  const geometry = a.dtype === 'float32' && b.dtype === 'float32' ? matMulGeometry(a, b, transposeA, transposeB) : null;
  if (!geometry || (!transposeA && !transposeB && geometry.batch === 1)) return stock('BatchMatMul')(args);
  const { m, k, n, batch, aBatch, bBatch, outShape } = geometry;
  const out = alloc(backend, outShape);
  for (let i = 0; i < batch; i++) {
    const a2 = alloc(backend, [m, k]);
    // A fresh `b` operand per batch: XNNPACK caches packed weights by tensor id.
    const b2 = alloc(backend, [k, n]);
    const aOff = (aBatch === 1 ? 0 : i) * m * k;
    const bOff = (bBatch === 1 ? 0 : i) * k * n;
    const av = f32(backend, a);
    const bv = f32(backend, b);
    const a2v = f32(backend, a2);
    const b2v = f32(backend, b2);
    if (transposeA) transpose2d(av, aOff, k, m, a2v, 0);
    else a2v.set(av.subarray(aOff, aOff + m * k));
    if (transposeB) transpose2d(bv, bOff, n, k, b2v, 0);
    else b2v.set(bv.subarray(bOff, bOff + k * n));
    const product = gemm(backend, a2, m, k, b2, n);
    f32(backend, out).set(f32(backend, product), i * m * n);
    free(backend, product);
    free(backend, a2);
    free(backend, b2);
  }
  return out;
}
