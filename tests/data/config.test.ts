import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { loadValidatedConfig } from '../../src/registry/load_validated.js';
import { trainLoader, transformModules, valLoader, type DataSplitConfig } from '../../src/data/build.js';
import { REPO, tempDir } from './fixtures.js';

test('the shapes base config builds train and val loaders through the registry', async () => {
  const root = tempDir('config-shapes');
  const small = ['num_train=6', 'num_val=3', 'size=64', `root=${root}`];
  const overrides = [
    ...small.map((s) => `data.train.dataset.${s}`),
    ...small.map((s) => `data.val.dataset.${s}`),
    'data.train.num_workers=1',
    'data.train.dataset.pipeline.0.scale=[64,64]',
    'data.val.dataset.pipeline.0.scale=[64,64]',
  ];
  const cfg = await loadValidatedConfig(join(REPO, 'configs/_base_/datasets/shapes.yaml'), { overrides });
  const data = cfg.config.data as { train: DataSplitConfig; val: DataSplitConfig };
  assert.ok(transformModules(cfg.registry).some((url) => url.endsWith('/registry/transforms/two_views.js')));
  const train = await trainLoader(cfg.registry, data.train, 3);
  try {
    const batch = await train.next();
    assert.deepEqual(batch.images.shape, [2, 64, 64, 3]);
    assert.equal(train.dataset.classes.length, 6);
    batch.images.dispose();
  } finally {
    await train.close();
  }
  const val = await valLoader(cfg.registry, data.val, 3);
  try {
    let images = 0;
    for await (const batch of val) {
      images += batch.metas.length;
      batch.images.dispose();
    }
    assert.equal(images, 3);
    const gt = val.dataset.cocoGt();
    assert.equal(gt.images.length, 3);
    assert.deepEqual(gt.categories.map((c) => c.id), [1, 2, 3, 4, 5, 6]);
  } finally {
    await val.close();
  }
});
