import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Ajv } from 'ajv';
import { discoverRegistry } from '../../src/registry/discover.js';
import { editorSchema } from '../../src/registry/editor_schema.js';
import { TEST_PLUGINS } from './paths.js';

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
