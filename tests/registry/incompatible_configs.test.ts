/**
 * Settings that pass the schemas but do not fit together (a loss the head
 * cannot use, attention heads that do not divide the channels, a neck of other
 * widths than the head) are user errors: `detlab flops` on each config in
 * tests/fixtures/incompatible_configs/ fails with a ConfigError naming
 * `file:line` (of the file that set the value, maybe a base) and the config path, never with what the CLI would print as
 * "unexpected error". A builder's plain Error, by contrast, is a bug and stays one.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { test } from 'node:test';
import flops from '../../src/cli/commands/flops.js';
import { ComponentError, ConfigError } from '../../src/config/errors.js';
import { build } from '../../src/registry/build.js';
import { defineComponent } from '../../src/registry/component.js';
import { Registry } from '../../src/registry/registry.js';
import { ROOT } from './paths.js';

const DIR = join(ROOT, 'tests/fixtures/incompatible_configs');
const files = readdirSync(DIR).filter((f) => f.endsWith('.yaml')).sort();

async function failure(run: () => Promise<unknown>): Promise<unknown> {
  try {
    await run();
  } catch (err) {
    return err;
  }
  return undefined;
}

test('every incompatible config is a ConfigError at file:line with the config path', async () => {
  assert.ok(files.length >= 10, `only ${files.length} configs`);
  for (const file of files) {
    const [, where, line, text] = /^# expect: (\S+):(\d+): (.+)\n/.exec(readFileSync(join(DIR, file), 'utf8')) ?? [];
    assert.ok(text !== undefined, `${file}: first line states # expect: FILE:LINE: TEXT`);
    const err = await failure(() => flops.run([join(DIR, file), '--input', '64x64']));
    assert.ok(err instanceof ConfigError, `${file}: a ConfigError, got ${String(err)}`);
    assert.ok(err.cause instanceof ComponentError, `${file}: raised by a component as a ComponentError`);
    const place = `${relative(process.cwd(), resolve(DIR, where))}:${line}: `;
    assert.ok(err.message.includes(place), `${file}: expected ${place} in\n${err.message}`);
    assert.ok(err.message.includes(text), `${file}: expected "${text}" in\n${err.message}`);
  }
});

test("a builder's plain Error passes through build() as a bug", () => {
  const registry = new Registry();
  const bug = new Error('index out of range');
  registry.registerComponent(defineComponent({
    kind: 'loss',
    name: 'Broken',
    description: 'throws from its builder',
    schema: { type: 'object', properties: {} },
    build: () => {
      throw bug;
    },
  }), 'broken.ts');
  assert.throws(() => build('loss', { type: 'Broken' }, { registry }), (err) => err === bug);
});
