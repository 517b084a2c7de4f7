/**
 * Backend selection. `initEngine` puts tfjs on the requested backend (or the
 * best available one for `auto`), installs detlab's kernels on wasm, and
 * returns an EngineInfo that says what was chosen and why; it is printed once
 * and recorded with the run.
 */
import { availableParallelism } from 'node:os';
import { version_wasm } from '@tensorflow/tfjs-backend-wasm';
import { UserError } from '../config/errors.js';
import { tf } from './tf.js';
import { BACKEND_CHOICES, ENGINE_DEFAULTS, NATIVE_CHOICES, type EngineConfig } from './config.js';
import { backendUnavailable, importTfBackend, TF_PACKAGES, type NativeTfBackend } from './optional_backends.js';
import { registerEngineGradients } from './gradients.js';
import { registerWasmPack } from './wasm/register.js';
import { registerTensorflowKernels } from './tensorflow_kernels.js';
import { loadAddon } from './native/addon.js';
import { describeRouting, onednnRouting, registerNativeKernels, unregisterNativeOnlyKernels } from './native/kernels.js';

export type EngineBackend = 'tensorflow-gpu' | 'tensorflow' | 'wasm' | 'cpu';
export type KernelSet = 'libtensorflow' | 'wasm-pack' | 'wasm-pack+openblas' | 'stock';

export interface EngineInfo {
  backend: EngineBackend;
  /** Why this backend (and kernel set) was chosen, e.g. "auto: @tensorflow/tfjs-node is not installed". */
  reason: string;
  kernels: KernelSet;
  /** Threads of the native GEMM (1 for pure wasm: the Node wasm build is single-threaded). */
  threads: number;
  versions: Record<string, string>;
}

export interface EngineOptions extends Partial<EngineConfig> {
  /** Where the one-line summary goes (default console.log); false prints nothing. */
  log?: ((line: string) => void) | false;
}

let current: EngineInfo | null = null;
let lastPrinted = '';

/** The engine chosen by the last `initEngine`, or null before. */
export function engineInfo(): EngineInfo | null {
  return current;
}

export function describeEngine(info: EngineInfo): string {
  const threads = info.threads === 1 ? '1 thread' : `${info.threads} threads`;
  return `engine: ${info.backend} (${info.kernels}, ${threads}; ${info.reason})`;
}

function validate(options: EngineOptions): EngineConfig {
  const config = { ...ENGINE_DEFAULTS, ...options };
  if (!(BACKEND_CHOICES as readonly string[]).includes(config.backend)) {
    throw new UserError(`engine.backend: unknown backend '${config.backend}' (choose one of ${BACKEND_CHOICES.join(', ')})`);
  }
  if (!(NATIVE_CHOICES as readonly string[]).includes(config.native)) {
    throw new UserError(`engine.native: expected one of ${NATIVE_CHOICES.join(', ')}, got '${config.native}'`);
  }
  if (!Number.isInteger(config.threads) || config.threads < 0) {
    throw new UserError(`engine.threads: expected an integer ≥ 0 (0 = all cores), got ${config.threads}`);
  }
  if (config.native === 'on' && config.backend !== 'wasm' && config.backend !== 'auto') {
    throw new UserError(`engine.native: on needs engine.backend wasm (got ${config.backend})`);
  }
  return config;
}

async function useBackend(name: string): Promise<void> {
  const ok = await tf.setBackend(name);
  if (!ok) throw new UserError(`engine.backend: tfjs failed to initialise the ${name} backend`);
  await tf.ready();
}

function baseVersions(): Record<string, string> {
  return { 'tfjs-core': tf.version_core, node: process.versions.node };
}

async function initTensorflow(backend: NativeTfBackend, version: string, reason: string): Promise<EngineInfo> {
  // tfjs-node and tfjs-node-gpu both register their backend as 'tensorflow'.
  await useBackend('tensorflow');
  registerTensorflowKernels();
  // The C library the binding was linked to (setup:tensorflow takes it from a PyPI TensorFlow wheel).
  const libtensorflow = (tf.backend() as { binding?: { TF_Version?: string } }).binding?.TF_Version ?? 'unknown';
  return {
    // libtensorflow sizes its own thread pool (all cores); engine.threads applies to OpenBLAS only.
    backend, reason, kernels: 'libtensorflow', threads: availableParallelism(),
    versions: { ...baseVersions(), [TF_PACKAGES[backend].name.replace('@tensorflow/', '')]: version, libtensorflow },
  };
}

const AUTO_ORDER = ['tensorflow-gpu', 'tensorflow', 'wasm'] as const;

/**
 * The backends `auto` may take, in its order. DETLAB_ENGINE_AUTO (a comma list of tensorflow-gpu,
 * tensorflow, wasm) narrows it; `npm test` sets it to wasm so an installed tfjs-node does not move the
 * whole suite onto libtensorflow (its own tests ask for engine.backend: tensorflow explicitly).
 */
function autoCandidates(): { order: NativeTfBackend[]; note: string } {
  const raw = process.env.DETLAB_ENGINE_AUTO?.trim();
  if (!raw) return { order: ['tensorflow-gpu', 'tensorflow'], note: '' };
  const names = raw.split(',').map((n) => n.trim());
  const bad = names.find((n) => !(AUTO_ORDER as readonly string[]).includes(n));
  if (bad !== undefined) throw new UserError(`DETLAB_ENGINE_AUTO: unknown backend '${bad}' (a comma list of ${AUTO_ORDER.join(', ')})`);
  const native = AUTO_ORDER.filter((n): n is NativeTfBackend => n !== 'wasm');
  const order = native.filter((n) => names.includes(n));
  const skipped = native.filter((n) => !names.includes(n)).map((n) => TF_PACKAGES[n].name);
  return { order, note: skipped.length > 0 ? `${skipped.join(', ')} not tried (DETLAB_ENGINE_AUTO=${raw})` : '' };
}

async function initWasm(config: EngineConfig, threads: number, reasons: string[]): Promise<EngineInfo> {
  await useBackend('wasm');
  registerWasmPack();
  unregisterNativeOnlyKernels();
  const versions = { ...baseVersions(), 'tfjs-backend-wasm': version_wasm };
  if (config.native === 'off') {
    return { backend: 'wasm', reason: [...reasons, 'native: off'].join('; '), kernels: 'wasm-pack', threads: 1, versions };
  }
  const load = loadAddon();
  if (!load.addon) {
    if (config.native === 'on') throw new UserError(`engine.native: on, but the OpenBLAS addon is unavailable: ${load.why}`);
    return { backend: 'wasm', reason: [...reasons, `no native addon: ${load.why}`].join('; '), kernels: 'wasm-pack', threads: 1, versions };
  }
  const routing = onednnRouting(load.addon);
  registerNativeKernels(load.addon, threads, routing);
  // Which OpenBLAS (the system's or the scipy-openblas32 wheel's: their versions differ) and the CPU kernels it picked;
  // which oneDNN (its version, threading and ISA) and for which convs, when the addon was built with it.
  const openblas = load.addon.config();
  const onednn = load.addon.onednn();
  const convs = describeRouting(routing);
  const onednnUse = onednn === null ? [] : [convs ? `${onednn} for ${convs}` : `${onednn} unused (DETLAB_ONEDNN=off)`];
  return {
    backend: 'wasm',
    reason: [...reasons, `OpenBLAS addon ${load.path} on ${openblas}`, ...onednnUse].join('; '),
    kernels: 'wasm-pack+openblas',
    threads: load.addon.getThreads(),
    versions: { ...versions, openblas, ...(onednn === null ? {} : { onednn }) },
  };
}

async function choose(config: EngineConfig, threads: number): Promise<EngineInfo> {
  switch (config.backend) {
    case 'cpu':
      await useBackend('cpu');
      return { backend: 'cpu', reason: 'requested', kernels: 'stock', threads: 1, versions: baseVersions() };
    case 'wasm':
      return initWasm(config, threads, ['requested']);
    case 'tensorflow':
    case 'tensorflow-gpu': {
      const outcome = await importTfBackend(config.backend);
      if (!outcome.ok) throw backendUnavailable(config.backend, outcome);
      return initTensorflow(config.backend, outcome.version, 'requested');
    }
    case 'auto': {
      const { order, note } = autoCandidates();
      const reasons: string[] = note ? [note] : [];
      for (const backend of order) {
        const outcome = await importTfBackend(backend);
        const name = TF_PACKAGES[backend].name;
        if (!outcome.ok) reasons.push(outcome.why);
        else if (config.native === 'on') reasons.push(`${name} passed over for engine.native: on`);
        else return initTensorflow(backend, outcome.version, `auto: ${name} found`);
      }
      return initWasm(config, threads, [`auto: ${reasons.join(', ')}`]);
    }
  }
}

/**
 * Sets the OpenBLAS GEMM's threads of the running engine and returns the
 * count in use; other kernel sets keep theirs.
 */
export function setEngineThreads(threads: number): number {
  const addon = current?.kernels === 'wasm-pack+openblas' ? loadAddon().addon : null;
  if (current === null || addon === null) return current?.threads ?? 1;
  addon.setThreads(threads);
  current = { ...current, threads: addon.getThreads() };
  return current.threads;
}

/** Selects and initialises the backend; safe to call again with other options. */
export async function initEngine(options: EngineOptions = {}): Promise<EngineInfo> {
  const config = validate(options);
  const threads = config.threads === 0 ? availableParallelism() : config.threads;
  registerEngineGradients();
  const info = await choose(config, threads);
  current = info;
  const line = describeEngine(info);
  if (options.log !== false && line !== lastPrinted) {
    (options.log ?? console.log)(line);
    lastPrinted = line;
  }
  return info;
}
