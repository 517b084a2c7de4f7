/**
 * tfjs-node and tfjs-node-gpu are optional: they are imported only when asked
 * for (or tried by `auto`), so a machine without them still runs on wasm.
 */
import { UserError } from '../config/errors.js';

export type NativeTfBackend = 'tensorflow-gpu' | 'tensorflow';

interface Package {
  name: string;
  install: string;
}

export const TF_PACKAGES: Record<NativeTfBackend, Package> = {
  // tfjs-node's own install script downloads libtensorflow from Google storage; setup:tensorflow builds its
  // binding against the C library of a PyPI TensorFlow wheel instead (scripts/setup-tensorflow.mjs).
  tensorflow: {
    name: '@tensorflow/tfjs-node',
    install: 'npm run setup:tensorflow (@tensorflow/tfjs-node@4.22.0 built on the tensorflow-cpu 2.21 wheel)',
  },
  'tensorflow-gpu': {
    name: '@tensorflow/tfjs-node-gpu',
    install: 'npm run setup:tensorflow -- --gpu (@tensorflow/tfjs-node-gpu@4.22.0 on tensorflow[and-cuda] 2.21: CUDA 12.5 and cuDNN 9.3 from PyPI, needs an NVIDIA driver ≥ 525)',
  },
};

export type ImportOutcome = { ok: true; version: string } | { ok: false; missing: boolean; why: string };

function isModuleNotFound(err: unknown, name: string): boolean {
  const code = (err as { code?: string }).code;
  const message = err instanceof Error ? err.message : String(err);
  return (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') && message.includes(name);
}

/** Imports the package, which registers its backend on the shared tfjs-core. */
export async function importTfBackend(backend: NativeTfBackend): Promise<ImportOutcome> {
  const { name } = TF_PACKAGES[backend];
  try {
    // libtensorflow logs INFO lines (oneDNN, CPU features) when it loads; keep warnings and errors.
    process.env.TF_CPP_MIN_LOG_LEVEL ??= '1';
    // A variable specifier keeps TypeScript from requiring the optional package.
    const specifier: string = name;
    const mod = (await import(specifier)) as { version?: Record<string, string> | string };
    const version = typeof mod.version === 'string' ? mod.version : mod.version?.['tfjs-node'] ?? mod.version?.tfjs;
    return { ok: true, version: version ?? 'unknown' };
  } catch (err) {
    if (isModuleNotFound(err, name)) return { ok: false, missing: true, why: `${name} is not installed` };
    const first = (err instanceof Error ? err.message : String(err)).split('\n')[0];
    return { ok: false, missing: false, why: `${name} failed to load: ${first}` };
  }
}

/** The one-line error for an explicitly requested backend that cannot be loaded. */
export function backendUnavailable(backend: NativeTfBackend, outcome: { missing: boolean; why: string }): UserError {
  const { install } = TF_PACKAGES[backend];
  const fix = outcome.missing ? `install it: ${install}` : `rebuild it: ${install}; or choose engine.backend: wasm`;
  return new UserError(`engine.backend: ${backend} is unavailable: ${outcome.why}; ${fix}`);
}
