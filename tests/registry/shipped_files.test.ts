/**
 * The configs and experiment specs we ship stay valid: each config passes the
 * registry's schemas, each spec expands with every trial's config validated
 * (what `sweep run --dry-run` does), and the demo's detector builds with
 * channels that line up from backbone to head.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import fg from 'fast-glob';
import { tf, type Tensor4D } from '../../src/engine/tf.js';
import { initEngine } from '../../src/engine/init.js';
import { Rng } from '../../src/train/rng.js';
import type { ImageMeta } from '../../src/data/types.js';
import type { Detector } from '../../src/detection/types.js';
import { build } from '../../src/registry/build.js';
import { loadValidatedConfig } from '../../src/registry/load_validated.js';
import { planSweep } from '../../src/sweep/plan.js';

const REPO = resolve(fileURLToPath(import.meta.url), '../../../..');

test('every shipped config validates', async () => {
  const files = await fg('configs/**/*.yaml', { cwd: REPO, ignore: ['**/_base_/**'] });
  assert.ok(files.length >= 30, `found ${files.length} configs`);
  for (const file of files) {
    await assert.doesNotReject(loadValidatedConfig(resolve(REPO, file)), file);
  }
});

test('every shipped experiment spec expands into valid trials', async () => {
  const files = await fg('experiments/**/*.yaml', { cwd: REPO, ignore: ['**/_base_/**'] });
  assert.ok(files.length >= 10, `found ${files.length} specs`);
  for (const file of files) {
    const plan = await planSweep(resolve(REPO, file));
    assert.ok(plan.trials.length > 0, file);
  }
});

test("the demo's detector builds and predicts on a 128 px image", async () => {
  await initEngine({ backend: 'wasm', log: false });
  const v = await loadValidatedConfig(resolve(REPO, 'configs/retinanet/retinanet_r18_fpn_demo_shapes.yaml'));
  const model = build<Detector>('detector', v.config.model, { registry: v.registry, origins: v.origins, path: 'model', extras: { numClasses: 6, rng: new Rng(0) } });
  const size = 128;
  const meta: ImageMeta = { imageId: 1, fileName: 'x.png', originalShape: [size, size], imgShape: [size, size], padShape: [size, size], scaleFactor: [1, 1], flip: false };
  const images = tf.randomNormal([1, size, size, 3], 0, 1, 'float32', 1) as Tensor4D;
  const [result] = model.predict(images, [meta]);
  assert.equal(result.imageId, 1);
  assert.equal(result.boxes.length, result.scores.length * 4);
  assert.ok(result.labels.every((l) => l >= 0 && l < 6));
  images.dispose();
  model.dispose();
});
