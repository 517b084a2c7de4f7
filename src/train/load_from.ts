/**
 * `load_from: CKPT`: a new run whose model starts from a checkpoint's weights
 * (fine-tuning a whole detector), at iteration 0 with fresh optimizers,
 * schedules and data order; MMDetection's `load_from`. Names missing from or
 * extra in the checkpoint are reported (a baseline's weights into a model with
 * supervisors leave the supervisors as initialised); a shape mismatch is an
 * error naming every such tensor.
 */
import { UserError } from '../config/errors.js';
import type { Module } from '../nn/module.js';
import { withModelWeights } from '../nn/checkpoint_weights.js';

/** Loads the weights; `where` names the config place (file:line) in messages. Returns a one-line summary. */
export function loadFrom(model: Module, path: string, where: string): string {
  return withModelWeights(path, `${where}: load_from`, (state, file) => {
    let result: { missing: string[]; unexpected: string[] };
    try {
      result = model.loadStateDict(state, false);
    } catch (err) {
      throw new UserError(`${where}: load_from ${file}: ${(err as Error).message}`);
    }
    const loaded = state.size - result.unexpected.length;
    const notes = [
      ...(result.missing.length > 0 ? [`${result.missing.length} model tensors not in it keep their initialisation (${abbreviate(result.missing)})`] : []),
      ...(result.unexpected.length > 0 ? [`${result.unexpected.length} of its tensors are not in the model (${abbreviate(result.unexpected)})`] : []),
    ];
    return `load_from ${file}: ${loaded} tensors loaded${notes.length === 0 ? '' : `; ${notes.join('; ')}`}`;
  });
}

function abbreviate(names: string[]): string {
  return names.length <= 4 ? names.join(', ') : `${names.slice(0, 4).join(', ')}, …`;
}
