/** The `engine:` section of a run config: which backend runs the tensors, and how. */
import type { JsonSchema } from '../registry/component.js';

export const BACKEND_CHOICES = ['auto', 'tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'] as const;
export type BackendChoice = (typeof BACKEND_CHOICES)[number];

export const NATIVE_CHOICES = ['auto', 'on', 'off'] as const;
export type NativeChoice = (typeof NATIVE_CHOICES)[number];

export interface EngineConfig {
  backend: BackendChoice;
  /** Threads for the native GEMM; 0 means every logical core. */
  threads: number;
  native: NativeChoice;
}

export const ENGINE_DEFAULTS: EngineConfig = { backend: 'auto', threads: 0, native: 'auto' };

export const ENGINE_CONFIG_SCHEMA = {
  type: 'object',
  description: 'Compute engine: TensorFlow.js backend, threads and the optional native OpenBLAS kernels.',
  additionalProperties: false,
  default: ENGINE_DEFAULTS,
  properties: {
    backend: {
      type: 'string',
      enum: BACKEND_CHOICES,
      default: ENGINE_DEFAULTS.backend,
      description: 'auto = tfjs-node-gpu, else tfjs-node, else wasm with detlab\'s training kernels; cpu is the slow reference.',
    },
    threads: {
      type: 'integer',
      minimum: 0,
      default: ENGINE_DEFAULTS.threads,
      description: 'Threads for the native OpenBLAS kernels (0 = all logical cores); the wasm build in Node is single-threaded.',
    },
    native: {
      type: 'string',
      enum: NATIVE_CHOICES,
      default: ENGINE_DEFAULTS.native,
      description: 'OpenBLAS conv/matmul kernels on wasm: auto = use when built, on = require, off = pure wasm kernels.',
    },
  },
} as const satisfies JsonSchema;
