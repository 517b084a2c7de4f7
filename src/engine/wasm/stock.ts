/**
 * The wasm backend's own kernels, captured before the pack replaces them, so
 * replacements can delegate (e.g. to XNNPACK's untransposed single-batch GEMM).
 */
import type { BackendWasm, WasmKernel } from './heap.js';
import { reshaped, wasmKernel } from './heap.js';
import type { TensorInfo } from '../tf.js';

const REPLACED = ['BatchMatMul', 'Conv2D', 'Conv2DBackpropInput', 'Tile', 'MaxPoolGrad', 'Identity', 'Slice', 'Sum', 'Add', 'Multiply'] as const;
export type StockKernelName = (typeof REPLACED)[number];

const stockKernels = new Map<StockKernelName, WasmKernel>();

/** Remembers the stock kernels; idempotent, so re-registering never captures our own wrappers. */
export function captureStockKernels(): void {
  if (stockKernels.size > 0) return;
  for (const name of REPLACED) stockKernels.set(name, wasmKernel(name));
}

export function stock(name: StockKernelName): WasmKernel {
  const kernel = stockKernels.get(name);
  if (!kernel) throw new Error(`stock wasm kernel ${name} was not captured (register the kernel pack first)`);
  return kernel;
}

/**
 * a [M,K] × b [K,N] (row-major) on XNNPACK's fast path. The wasm backend
 * caches the packed `b` keyed on b's tensor id only (not its shape) until b is
 * disposed, so pass as `b` a buffer private to the caller: freshly allocated,
 * never rewritten, never used as `b` with another shape.
 */
export function gemm(backend: BackendWasm, a: TensorInfo, m: number, k: number, b: TensorInfo, n: number): TensorInfo {
  const out = stock('BatchMatMul')({
    inputs: { a: reshaped(a, [1, m, k]), b: reshaped(b, [1, k, n]) },
    backend,
    attrs: { transposeA: false, transposeB: false },
  });
  return reshaped(out, [m, n]);
}
