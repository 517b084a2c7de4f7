/**
 * Helpers for kernels written in TypeScript on the wasm backend: allocation,
 * zero-copy views of the wasm heap, and calls into the backend's own kernels.
 *
 * Views must be taken after the last allocation of a step: an allocation can
 * grow the heap, which detaches every earlier view.
 */
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { tf } from '../tf.js';
import type { KernelFunc, NamedAttrMap, TensorInfo } from '../tf.js';

export type { BackendWasm };

/** The arguments tfjs hands a kernel function on the wasm backend. */
export interface WasmKernelArgs {
  inputs: Record<string, TensorInfo>;
  backend: BackendWasm;
  attrs: NamedAttrMap;
}

export type WasmKernel = (args: WasmKernelArgs) => TensorInfo;

export function alloc(backend: BackendWasm, shape: number[]): TensorInfo {
  return backend.makeOutput(shape, 'float32');
}

export function f32(backend: BackendWasm, info: TensorInfo): Float32Array {
  const view = backend.typedArrayFromHeap(info);
  if (!(view instanceof Float32Array)) throw new Error(`wasm kernel: expected a float32 tensor, got ${info.dtype}`);
  return view;
}

export function free(backend: BackendWasm, info: TensorInfo): void {
  backend.disposeData(info.dataId);
}

/** The same data under another shape (a reshape without a copy). */
export function reshaped(info: TensorInfo, shape: number[]): TensorInfo {
  return { dataId: info.dataId, shape, dtype: info.dtype };
}

export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** The kernel function currently registered for `name` on wasm. */
export function wasmKernel(name: string): WasmKernel {
  const config = tf.getKernel(name, 'wasm');
  if (!config) throw new Error(`wasm kernel ${name} is not registered`);
  return config.kernelFunc as unknown as WasmKernel;
}

/** Registers `kernel` for `name` on wasm, replacing what was there. */
export function putKernel(name: string, kernel: (args: WasmKernelArgs) => TensorInfo | TensorInfo[]): void {
  if (tf.getKernel(name, 'wasm')) tf.unregisterKernel(name, 'wasm');
  tf.registerKernel({ kernelName: name, backendName: 'wasm', kernelFunc: kernel as unknown as KernelFunc });
}

/** Blocked transpose of `src[srcOff..]` ([rows, cols]) into `dst[dstOff..]` ([cols, rows]). */
export function transpose2d(
  src: Float32Array, srcOff: number, rows: number, cols: number, dst: Float32Array, dstOff: number,
): void {
  const block = 32;
  for (let r0 = 0; r0 < rows; r0 += block) {
    const r1 = Math.min(r0 + block, rows);
    for (let c0 = 0; c0 < cols; c0 += block) {
      const c1 = Math.min(c0 + block, cols);
      for (let r = r0; r < r1; r++) {
        const s = srcOff + r * cols;
        for (let c = c0; c < c1; c++) dst[dstOff + c * rows + r] = src[s + c];
      }
    }
  }
}
