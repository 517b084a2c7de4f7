import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError } from '../../src/config/errors.js';
import { parseYamlFile } from '../../src/config/parse_yaml.js';

test('YAML 1.2 core schema: yes/on stay strings, numbers and nulls resolve', () => {
  const { value } = parseYamlFile('a: yes\nb: on\nc: 0x10\nd: 1e3\ne: ~\nf: .inf\ng: "012"\nh: 012\n', 'x.yaml');
  assert.deepEqual(value, { a: 'yes', b: 'on', c: 16, d: 1000, e: null, f: Infinity, g: '012', h: 12 });
});

test('every value records file, line and column', () => {
  const { origins } = parseYamlFile('top:\n  list:\n    - 1\n    - {k: v}\n  s:   text\n', 'x.yaml');
  assert.deepEqual(origins.get('top.list.1.k'), { kind: 'file', file: 'x.yaml', line: 4, col: 11 });
  assert.deepEqual(origins.get('top.s'), { kind: 'file', file: 'x.yaml', line: 5, col: 8 });
  assert.deepEqual(origins.get('top.list'), { kind: 'file', file: 'x.yaml', line: 2, col: 3 });
});

test('an unknown or constructing tag is an error at its line, never a value', () => {
  for (const text of ['a: 1\nb: !custom x\n', 'a: 1\nb: !!python/object:os.system {}\n', 'a: 1\nb: !!set {x}\n']) {
    assert.throws(
      () => parseYamlFile(text, 'tags.yaml'),
      (err: Error) => err instanceof ConfigError && /^tags\.yaml:2: tag '.*' is not allowed/.test(err.message),
    );
  }
});

test('explicit core tags are allowed and aliases expand', () => {
  const { value } = parseYamlFile('a: !!str 12\nb: &s [1, 2]\nc: *s\n', 'x.yaml');
  assert.deepEqual(value, { a: '12', b: [1, 2], c: [1, 2] });
});

test('syntax errors and duplicate keys name the line', () => {
  assert.throws(() => parseYamlFile('a: 1\na: 2\n', 'dup.yaml'), /dup\.yaml:2: Map keys must be unique/);
  assert.throws(() => parseYamlFile('a:\n  b: [1, 2\n', 'bad.yaml'), /bad\.yaml:\d: /);
});
