import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { Ajv } from 'ajv';
import fg from 'fast-glob';
import { parse } from 'yaml';
import { discoverRegistry } from '../../src/registry/discover.js';
import { editorSchema } from '../../src/registry/editor_schema.js';
import { ROOT, TEST_PLUGINS } from './paths.js';

test('the editor schema accepts partial configs and references and rejects typos', async () => {
  const registry = await discoverRegistry([{ path: TEST_PLUGINS }]);
  const validate = new Ajv({ allErrors: true, strict: false }).compile(editorSchema(registry));
  const ok = (config: unknown) => validate(config) === true;
  assert.ok(ok({ _base_: 'base.yaml', model: { type: 'TinyDetector', head: { type: 'TinyHead', num_classes: 3 } } }));
  assert.ok(ok({ _base_: ['a.yaml', 'b.yaml'], model: { head: { num_classes: 3 } } }), 'a partial map without type');
  assert.ok(ok({ model: { type: 'TinyDetector', num_classes: '${data.num_classes}', backbone: { _delete_: true, type: 'TinyBackbone' } } }));
  assert.ok(!ok({ modle: {} }), 'unknown top-level key');
  assert.ok(!ok({ model: { type: 'TinyDetector', head: { type: 'TinyHead', num_clases: 3 } } }), 'unknown option of the selected head');
  assert.ok(!ok({ model: { type: 'TinyDetector', score_thr: 'high' } }), 'wrong type');
  assert.ok(!ok({ model: { type: 'NoSuchDetector' } }), 'unknown type');
});

test('a map whose type comes from a base is checked against its kind', async () => {
  const registry = await discoverRegistry([{ path: TEST_PLUGINS }]);
  const validate = new Ajv({ allErrors: true, strict: false }).compile(editorSchema(registry));
  const rejects = (config: unknown, key: string): void => {
    assert.equal(validate(config), false, key);
    assert.ok(validate.errors?.some((e) => e.keyword === 'additionalProperties' && e.params.additionalProperty === key), JSON.stringify(validate.errors));
  };
  rejects({ model: { num_clases: 3 } }, 'num_clases');
  rejects({ model: { head: { num_clases: 3 } } }, 'num_clases');
  rejects({ model: { head: { type: 'TinyHead', num_clases: 3 } } }, 'num_clases');
  assert.equal(validate({ model: { head: { type: 'NoSuchHead' } } }), false, 'unknown type of a nested component');
});

test('every shipped config file, bases included, passes the editor schema', async () => {
  const validate = new Ajv({ allErrors: true, strict: false }).compile(editorSchema(await discoverRegistry([])));
  const files = await fg('configs/**/*.yaml', { cwd: ROOT });
  assert.ok(files.length >= 60, `found ${files.length} files`);
  for (const file of files) {
    const config = parse(readFileSync(join(ROOT, file), 'utf8')) ?? {};
    assert.ok(validate(config), `${file}: ${JSON.stringify(validate.errors?.slice(0, 3))}`);
  }
});
