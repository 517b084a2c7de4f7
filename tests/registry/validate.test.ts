import assert from 'node:assert/strict';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { build } from '../../src/registry/build.js';
import { ConfigError } from '../../src/config/errors.js';
import { loadConfig } from '../../src/config/config.js';
import { discoverRegistry } from '../../src/registry/discover.js';
import { loadValidatedConfig } from '../../src/registry/load_validated.js';
import type { Registry } from '../../src/registry/registry.js';
import { Validator } from '../../src/registry/validate.js';
import { editorSchema } from '../../src/registry/editor_schema.js';
import { writeTree } from '../config/files.js';
import { ROOT, TEST_PLUGINS } from './paths.js';

let registry: Registry;
before(async () => {
  registry = await discoverRegistry([{ path: TEST_PLUGINS }]);
});

const messages = (config: Record<string, unknown>) => new Validator(registry).validateConfig(config).map((i) => `${i.path.join('.')}: ${i.message}`);

test('defaults are applied, also inside nested components given by default', () => {
  const config = { model: { type: 'TinyDetector', head: { type: 'TinyHead' } } };
  assert.deepEqual(messages(config), []);
  assert.deepEqual(config.model, {
    type: 'TinyDetector',
    head: { type: 'TinyHead', num_classes: 80, strides: [8, 16, 32], loss_cls: { type: 'TinyLoss', weight: 1, reduction: 'mean' } },
    backbone: { type: 'TinyBackbone', depth: 18, out_indices: [0, 1, 2], frozen: false },
    num_classes: 80,
    score_thr: 0.05,
  });
});

test('an unknown option is an error with a suggestion over that component\'s options', () => {
  const config = { model: { type: 'TinyDetector', head: { type: 'TinyHead', num_clases: 3 } } };
  assert.deepEqual(messages(config), ["model.head.num_clases: unknown option 'num_clases' in model.head (head 'TinyHead') (did you mean 'num_classes'?)"]);
});

test('a wrong type names the path, the expected type and the value', () => {
  const config = { model: { type: 'TinyDetector', num_classes: '20', head: { type: 'TinyHead', strides: [8, 'x'] } } };
  assert.deepEqual(messages(config), [
    'model.num_classes: model.num_classes must be an integer (got string "20")',
    'model.head.strides.1: model.head.strides.1 must be an integer (got string "x")',
  ]);
});

test('an unknown type suggests a name of that kind; all problems are reported at once', () => {
  const config = { modl: 1, seed: 'x', model: { type: 'TinyDetector', head: { type: 'TinyHaed' }, backbone: { type: 'TinyBackbone', depth: 19 } } };
  assert.deepEqual(messages(config), [
    "modl: unknown key 'modl' in the config (did you mean 'model'?)",
    'seed: seed must be an integer (got string "x")',
    "model.head.type: unknown head type 'TinyHaed' (did you mean 'TinyHead'?)",
    'model.backbone.depth: model.backbone.depth must be one of 18, 34, 50 (got integer 19)',
  ]);
});

test('an error in a value set by a base file is reported at that file and line', async () => {
  const dir = writeTree({
    'base.yaml': `plugins: [${JSON.stringify(TEST_PLUGINS)}]\nmodel:\n  type: TinyDetector\n  head:\n    type: TinyHead\n    strides: 8\n`,
    'leaf.yaml': '_base_: base.yaml\nmodel:\n  num_classes: 3\n',
  });
  await assert.rejects(loadValidatedConfig(join(dir, 'leaf.yaml')), (err: Error) => {
    assert.ok(err instanceof ConfigError);
    assert.match(err.message, /^\/.*\/base\.yaml:6: model\.head\.strides must be a list \(got integer 8\)$/);
    return true;
  });
});

test('build validates, applies defaults, removes type and builds nested components through the context', () => {
  const built = build<Record<string, unknown>>('detector', { type: 'TinyDetector', head: { type: 'TinyHead', num_classes: 5 } }, { registry, path: 'model', extras: { engine: 'cpu' } });
  assert.deepEqual(built, {
    kind: 'TinyDetector',
    path: 'model',
    numClasses: 80,
    backbone: { kind: 'TinyBackbone', path: 'model.backbone', depth: 18, out_indices: [0, 1, 2], frozen: false },
    head: { kind: 'TinyHead', path: 'model.head', numClasses: 5, strides: [8, 16, 32], loss: { kind: 'TinyLoss', path: 'model.head.loss_cls', weight: 1, reduction: 'mean' } },
    extras: { engine: 'cpu' },
  });
});

test('build errors carry file:line from the origins of the loaded config', () => {
  const loaded = loadConfig(join(ROOT, 'tests/fixtures/configs/three_level/tiny_r18_voc.yaml'), { overrides: ['model.head.loss_cls.reduction=summ'] });
  assert.throws(
    () => build('detector', loaded.config.model, { registry, path: 'model', origins: loaded.origins }),
    /^ConfigError: --set model\.head\.loss_cls\.reduction=summ: model\.head\.loss_cls\.reduction must be one of "mean", "sum", "none" \(got string "summ"\) \(did you mean 'sum'\?\)$/,
  );
});

test('plugins: in a config load relative to the file that names them, and defaults are applied', async () => {
  const loaded = await loadValidatedConfig(join(ROOT, 'tests/fixtures/configs/three_level/tiny_r18_voc.yaml'), { plugins: [TEST_PLUGINS] });
  assert.equal(loaded.registry.component('neck', 'TinyNeck')?.file, join(ROOT, 'tests/fixtures/plugins_js/extra/tiny_neck.js'));
  assert.deepEqual(loaded.config.plugins, [join(ROOT, 'tests/fixtures/plugins_js/extra')]);
  assert.equal((loaded.config.model as { score_thr: number }).score_thr, 0.05);
  assert.equal(loaded.config.seed, 0);
});

test('the top-level sections check their values and fill their defaults', () => {
  const bad = { model: { type: 'TinyDetector', head: { type: 'TinyHead' } }, work_dir: '', plugins: [''], evaluation: { interval: -1, save_best: 3, teacher: 'yes' }, hooks: [{ type: 'Nope' }], optimizer: { type: 'Nope' }, schedule: { type: 'Nope' } };
  assert.deepEqual(messages(bad), [
    'plugins.0: plugins.0 must not be empty',
    'work_dir: work_dir must not be empty',
    'evaluation.interval: evaluation.interval must be >= 0 (got integer -1)',
    'evaluation.save_best: evaluation.save_best must be a string or null (got integer 3)',
    'evaluation.teacher: evaluation.teacher must be a boolean (got string "yes")',
    "hooks.0.type: unknown hook type 'Nope': no hook components are registered",
    "optimizer.type: unknown optimizer type 'Nope' (known: AdamW, SGD)",
    "schedule.type: unknown lr_schedule type 'Nope' (known: ConstantLR, CosineLR, MultiStepLR)",
  ]);
  const good: Record<string, unknown> = { model: { type: 'TinyDetector', head: { type: 'TinyHead' } }, evaluation: {} };
  assert.deepEqual(messages(good), []);
  assert.deepEqual([good.evaluation, good.plugins, good.hooks, good.seed], [{ interval: 0, save_best: null, teacher: true }, [], [], 0]);
});

test('every section and list item in the editor schema carries the description an editor shows on hover', () => {
  type Property = { description?: string; anyOf?: { items?: { description?: string; anyOf?: unknown[] } }[] };
  const schema = editorSchema(registry) as { properties: Record<string, Property> };
  for (const [name, property] of Object.entries(schema.properties)) {
    assert.ok((property.description ?? '').length >= 8, `${name}: '${property.description}'`);
    // A list of components: each item is a component with its own description.
    for (const { items } of property.anyOf ?? []) if (items?.anyOf !== undefined) assert.ok((items.description ?? '').length >= 6, `${name} items: '${items.description}'`);
  }
  assert.equal(schema.properties.hooks.anyOf?.[0].items?.description, 'a hook');
});
