/**
 * The compute engine: backend selection (`initEngine`), memory-safe training
 * steps (`trainStep`, `inScope`) and the `engine:` config section. The wasm
 * kernel pack and the OpenBLAS kernels are installed by `initEngine`.
 */
export { describeEngine, engineInfo, initEngine } from './init.js';
export type { EngineBackend, EngineInfo, EngineOptions, KernelSet } from './init.js';
export { inScope, trainStep } from './step.js';
export { batchNormTrain } from './batch_norm.js';
export type { BatchNormTrainResult } from './batch_norm.js';
export type { LossOutput, TrainStepOptions } from './step.js';
export { BACKEND_CHOICES, ENGINE_CONFIG_SCHEMA, ENGINE_DEFAULTS, NATIVE_CHOICES } from './config.js';
export type { BackendChoice, EngineConfig, NativeChoice } from './config.js';
