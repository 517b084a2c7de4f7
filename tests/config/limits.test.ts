import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/config.js';
import { ConfigError } from '../../src/config/errors.js';
import { writeTree } from './files.js';

/** The ConfigError message of loading `file` with the limit variables of `env` set. */
function refusal(file: string, env: Record<string, string> = {}): string {
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  Object.assign(process.env, env);
  try {
    loadConfig(file);
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return err.message;
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
  return assert.fail('loaded');
}

test('a YAML file over the byte limit is refused at its first line before it is parsed', () => {
  const text = `name: big\nitems: [${Array.from({ length: 500 }, (_, i) => i).join(', ')}]\n`;
  const dir = writeTree({ 'big.yaml': text });
  const file = join(dir, 'big.yaml');
  assert.equal(text.length, 2408);
  assert.equal(refusal(file, { DETLAB_MAX_YAML_BYTES: '1000' }), `${file}:1: 2408 bytes in one YAML file, more than the limit of 1000 (raise it with DETLAB_MAX_YAML_BYTES=N if this is intended)`);
});

test('values beyond the node limit, aliases expanded, stop the walk at the value that crossed it', () => {
  const list = `[${Array.from({ length: 100 }, () => 1).join(', ')}]`;
  const dir = writeTree({ 'bomb.yaml': `a: &a ${list}\nb: [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n` });
  const file = join(dir, 'bomb.yaml');
  assert.match(refusal(file, { DETLAB_MAX_YAML_NODES: '1000' }), new RegExp(`^${file}:2: more than 1000 values in one YAML file \\(aliases expanded\\) \\(raise it with DETLAB_MAX_YAML_NODES=N if this is intended\\)$`));
});

test('a string over the length limit is refused at its line', () => {
  const dir = writeTree({ 'long.yaml': `seed: 1\nname: ${'x'.repeat(300)}\n` });
  const file = join(dir, 'long.yaml');
  assert.equal(refusal(file, { DETLAB_MAX_STRING_LENGTH: '200' }), `${file}:2: 300 characters in one YAML string, more than the limit of 200 (raise it with DETLAB_MAX_STRING_LENGTH=N if this is intended)`);
});

test('a binary _base_ and invalid UTF-8 are refused at their line, not printed or replaced', () => {
  const dir = writeTree({ 'leaf.yaml': '_base_: ./program\nseed: 1\n', 'bad.yaml': 'seed: 1\nname: caf\n' });
  writeFileSync(join(dir, 'program'), Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x0a, 0x0a, 0x00, 0x01, 0x02]));
  assert.equal(refusal(join(dir, 'leaf.yaml')), `${join(dir, 'program')}:3: not a text file (it holds NUL bytes): a config or spec is a YAML text file`);
  writeFileSync(join(dir, 'bad.yaml'), Buffer.concat([Buffer.from('seed: 1\nname: caf'), Buffer.from([0xe9]), Buffer.from('\n')]));
  assert.equal(refusal(join(dir, 'bad.yaml')), `${join(dir, 'bad.yaml')}:2: not valid UTF-8 text (save the file as UTF-8)`);
});
