/**
 * `detlab eval CONFIG --checkpoint CKPT`: the config's detector with a
 * checkpoint's weights (a detlab checkpoint directory, or its
 * tensors.safetensors), evaluated on the config's `data.val`.
 */
import { existsSync } from 'node:fs';
import { UserError } from '../cli/command.js';
import { valLoader, type DataSplitConfig } from '../data/build.js';
import type { Batch } from '../data/types.js';
import type { Detector } from '../detection/types.js';
import { initEngine } from '../engine/init.js';
import { build } from '../registry/build.js';
import { loadValidatedConfig } from '../registry/load_validated.js';
import { evaluateDetector, type DetectorEvaluation } from './evaluate.js';
import { withModelWeights } from './model_weights.js';
import { Rng } from './rng.js';

export interface CheckpointEvalOptions {
  configFile: string;
  checkpoint: string;
  overrides?: readonly string[];
  plugins?: readonly string[];
}

export async function evaluateCheckpoint(o: CheckpointEvalOptions): Promise<DetectorEvaluation> {
  if (!existsSync(o.checkpoint)) throw new UserError(`--checkpoint ${o.checkpoint}: no such checkpoint (expected a checkpoint directory or a .safetensors file)`);
  const v = await loadValidatedConfig(o.configFile, { overrides: o.overrides, plugins: o.plugins });
  const val = (v.config.data as { val?: DataSplitConfig } | undefined)?.val;
  if (val === undefined) throw new UserError(`${v.file}: the config has no data.val section to evaluate on`);
  await initEngine({ ...(v.config.engine as object) });
  const loader = await valLoader(v.registry, val, typeof v.config.seed === 'number' ? v.config.seed : 0, { origins: v.origins });
  try {
    const model = build<Detector>('detector', v.config.model, {
      registry: v.registry,
      origins: v.origins,
      path: 'model',
      extras: { numClasses: loader.dataset.classes.length, rng: new Rng(0) },
    });
    withModelWeights(o.checkpoint, '--checkpoint', (state, file) => {
      try {
        model.loadStateDict(state);
      } catch (err) {
        throw new UserError(`${file}: ${(err as Error).message}`);
      }
    });
    model.eval();
    return await evaluateDetector(model, loader as AsyncIterable<Batch>, loader.dataset);
  } finally {
    await loader.close();
  }
}
