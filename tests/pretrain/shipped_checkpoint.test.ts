/**
 * The pretrained backbone shipped in checkpoints/ is the one its README
 * describes (sha256), the pretrained study names it, and every one of its
 * tensors loads into the study detector's backbone unchanged.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { initEngine } from '../../src/engine/init.js';
import { tf } from '../../src/engine/tf.js';
import type { Detector } from '../../src/detection/types.js';
import { readSafetensors } from '../../src/nn/safetensors.js';
import { stateToTorch } from '../../src/nn/torch_layout.js';
import { build } from '../../src/registry/build.js';
import { loadValidatedConfig } from '../../src/registry/load_validated.js';
import { planSweep } from '../../src/sweep/plan.js';
import { Rng } from '../../src/train/rng.js';

const REPO = resolve(fileURLToPath(import.meta.url), '../../../..');

test('the shipped pretrained backbone matches its README, is what the pretrained study names, and loads whole into the study detector', async () => {
  await initEngine({ backend: 'wasm', log: false });
  const plan = await planSweep(resolve(REPO, 'experiments/study/lgd_pretrained_study.yaml'));
  const trial = plan.trials.find((t) => t.variant === 'baseline' && t.seed === 0)!;
  const named = (trial.config.model as unknown as { backbone: { init: { checkpoint: string } } }).backbone.init.checkpoint;
  const file = resolve(REPO, named);
  assert.ok(existsSync(file), `${named} is shipped`);

  const sha = createHash('sha256').update(readFileSync(file)).digest('hex');
  assert.ok(readFileSync(resolve(REPO, 'checkpoints/README.md'), 'utf8').includes(sha), `checkpoints/README.md states sha256 ${sha}`);

  const v = await loadValidatedConfig(resolve(REPO, 'configs/studies/retinanet_r18_fpn_study_shapes.yaml'), { overrides: [`+model.backbone.init={checkpoint: ${file}}`] });
  const detector = build<Detector>('detector', v.config.model, { registry: v.registry, origins: v.origins, path: 'model', extras: { numClasses: 6, rng: new Rng(0) } });
  const loaded = stateToTorch((detector as unknown as { backbone: Parameters<typeof stateToTorch>[0] }).backbone);
  const { tensors } = readSafetensors(file);
  const backboneKeys = [...tensors.keys()].filter((k) => !k.startsWith('fc.') && !k.endsWith('num_batches_tracked'));
  assert.deepEqual([...loaded.keys()].sort(), backboneKeys.sort());
  for (const name of backboneKeys) assert.deepEqual(loaded.get(name)!.dataSync(), tensors.get(name)!.dataSync(), name);
  tf.dispose([...tensors.values()]);
  detector.dispose();
});
