import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { UserError } from '../../src/cli/command.js';
import { compileSchema } from '../../src/registry/ajv.js';
import { defineComponent } from '../../src/registry/component.js';
import { discoverRegistry } from '../../src/registry/discover.js';
import { Registry } from '../../src/registry/registry.js';
import { defineSection } from '../../src/registry/section.js';
import { topLevelSchema, Validator } from '../../src/registry/validate.js';
import { JS_PLUGINS, TEST_PLUGINS } from './paths.js';

test('discovery registers the built-in sections and the plugin components by kind', async () => {
  const registry = await discoverRegistry([{ path: TEST_PLUGINS }, { path: join(JS_PLUGINS, 'extra') }]);
  assert.deepEqual(registry.names('detector').filter((n) => n.startsWith('Tiny')), ['TinyDetector']);
  assert.deepEqual(registry.names('neck').filter((n) => n.startsWith('Tiny')), ['TinyNeck']);
  assert.match(registry.component('head', 'TinyHead')!.file, /dist\/tests\/fixtures\/plugins\/tiny_parts\.js$/);
  for (const name of ['model', 'name', 'seed', 'plugins', 'work_dir']) assert.ok(registry.section(name), name);
});

test('every discovered component and section has a schema ajv compiles in strict mode', async () => {
  const registry = await discoverRegistry();
  const validator = new Validator(registry);
  for (const { value: c, file } of registry.components()) {
    assert.doesNotThrow(() => validator.validateComponent(c.kind, { type: c.name }, []), `${c.kind} ${c.name} in ${file}`);
  }
  assert.doesNotThrow(() => compileSchema(topLevelSchema(registry)), `sections: ${registry.sections().map((s) => s.file).join(', ')}`);
});

test('a plugin registering a name twice is an error naming both files', async () => {
  await assert.rejects(
    discoverRegistry([{ path: TEST_PLUGINS }, { path: join(JS_PLUGINS, 'duplicate') }]),
    (err: Error) => {
      assert.ok(err instanceof UserError);
      assert.match(err.message, /^backbone 'TinyBackbone' is registered twice: in .*tests\/fixtures\/plugins\/tiny_parts\.js and in .*plugins_js\/duplicate\/tiny_backbone_again\.js$/);
      return true;
    },
  );
});

test('a section declared twice is an error naming both files', () => {
  const registry = new Registry();
  const section = defineSection({ name: 'extra', description: 'x', schema: { type: 'object' } });
  registry.registerSection(section, '/a/one.section.js');
  assert.throws(() => registry.registerSection(section, '/b/two.section.js'), /config section 'extra' is declared twice: in \/a\/one\.section\.js and in \/b\/two\.section\.js/);
});

test('registration checks the component contract and names the file', () => {
  const registry = new Registry();
  const base = { kind: 'head' as const, name: 'H', description: 'd', build: () => null };
  const noDescription = defineComponent({ ...base, schema: { type: 'object', properties: { k: { type: 'integer', default: 1 } as never } } });
  assert.throws(() => registry.registerComponent(noDescription, '/p/h.js'), /\/p\/h\.js: component 'H': option 'k' needs a one-line description/);
  const reserved = defineComponent({ ...base, schema: { type: 'object', properties: { type: { type: 'string', description: 'x' } } } });
  assert.throws(() => registry.registerComponent(reserved, '/p/h.js'), /'type' is reserved/);
  const badKind = defineComponent({ ...base, kind: 'widget' as never, schema: { type: 'object', properties: {} } });
  assert.throws(() => registry.registerComponent(badKind, '/p/h.js'), /unknown kind 'widget'/);
});

test('a plugin may be a single .js file; a .ts file is refused with a hint', async () => {
  const registry = await discoverRegistry([{ path: join(JS_PLUGINS, 'extra/tiny_neck.js') }]);
  assert.ok(registry.component('neck', 'TinyNeck'));
  await assert.rejects(
    discoverRegistry([{ path: join(JS_PLUGINS, '../plugins/tiny_parts.ts') }]),
    /plugin .*tiny_parts\.ts is not a \.js file; TypeScript plugins must be compiled/,
  );
});

test('a missing plugin folder or a TypeScript-only one is a clear error', async () => {
  await assert.rejects(discoverRegistry([{ path: '/no/such/plugins' }]), /plugin \/no\/such\/plugins not found/);
  await assert.rejects(
    discoverRegistry([{ path: join(JS_PLUGINS, '../bad_configs/bases/ts_plugin') }]),
    /holds no \.js files; TypeScript plugins must be compiled to JavaScript first/,
  );
});
