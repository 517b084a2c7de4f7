import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError } from '../../src/config/errors.js';
import { parseYamlFile } from '../../src/config/parse_yaml.js';
import { withEnv } from '../helpers/env.js';

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

/** The message of the ConfigError that `fn` throws. */
function refusal(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return err.message;
  }
  return assert.fail('no error');
}

test('every core tag may be written explicitly', () => {
  const text = 'a: !!map {x: 1}\nb: !!seq [1]\nc: !!int 3\nd: !!float 1.5\ne: !!bool true\nf: !!null ~\ng: !!str 5\n';
  assert.deepEqual(parseYamlFile(text, 'x.yaml').value, { a: { x: 1 }, b: [1], c: 3, d: 1.5, e: true, f: null, g: '5' });
});

test("the parser's messages name the line once, without its own position or code excerpt", () => {
  assert.equal(refusal(() => parseYamlFile('a: 1\na: 2\n', 'dup.yaml')), 'dup.yaml:2: Map keys must be unique');
  assert.equal(refusal(() => parseYamlFile('a: 1\nb: !custom x\n', 't.yaml')), "t.yaml:2: tag '!custom' is not allowed (configs use plain YAML 1.2 core values only)");
  assert.equal(refusal(() => parseYamlFile('a: 1\nb: !!set {x}\n', 't.yaml')), "t.yaml:2: tag '!!set' is not allowed (configs use plain YAML 1.2 core values only)");
  assert.equal(refusal(() => parseYamlFile('a: 1\nb: !!int 1.5\n', 't.yaml')), "t.yaml:2: the value does not fit its tag '!!int'");
  assert.equal(refusal(() => parseYamlFile('a: 1\nb: !<x-tag:yaml.org,2002:y> 1\n', 't.yaml')), "t.yaml:2: tag 'x-tag:yaml.org,2002:y' is not allowed (configs use plain YAML 1.2 core values only)");
  assert.equal(refusal(() => parseYamlFile('a: 1\n---\nb: 2\n', 'm.yaml')), "m.yaml:2: a config file holds one YAML document (found a second '---')");
});

test('YAML 1.2 strictness: an implicit key over 1,024 characters is an error; << is an ordinary key, not a merge', () => {
  assert.match(refusal(() => parseYamlFile(`${'k'.repeat(1100)}: 1\n`, 'k.yaml')), /^k\.yaml:1: The : indicator must be at most 1024 chars/);
  assert.deepEqual(parseYamlFile('base: &b {x: 1}\nchild:\n  <<: *b\n  y: 2\n', 'x.yaml').value, { base: { x: 1 }, child: { '<<': { x: 1 }, y: 2 } });
});

test('keys must be untagged or core-tagged scalars', () => {
  assert.equal(refusal(() => parseYamlFile('a: 1\n!!binary aGk=: 1\n', 'k.yaml')), 'k.yaml:2: map keys must be plain scalars');
  assert.equal(refusal(() => parseYamlFile('a: 1\n? [x]\n: 1\n', 'k.yaml')), 'k.yaml:2: map keys must be plain scalars');
  assert.equal(refusal(() => parseYamlFile('a: 1\n: 2\n', 'k.yaml')), 'k.yaml:2: a map key is empty or null (quote it, "null", if that is its name)');
  assert.equal(refusal(() => parseYamlFile('a: 1\nnull: 2\n', 'k.yaml')), 'k.yaml:2: a map key is empty or null (quote it, "null", if that is its name)');
  assert.deepEqual(parseYamlFile('!!str 1: a\n"null": b\ntrue: c\n', 'k.yaml').value, { 1: 'a', null: 'b', true: 'c' });
});

test('a key without a value is null, placed at its key (in a flow map too)', () => {
  const { value, origins } = parseYamlFile('a: 1\n? empty\nflow: {k, j: 1}\n', 'x.yaml');
  assert.deepEqual(value, { a: 1, empty: null, flow: { k: null, j: 1 } });
  assert.deepEqual(origins.get('empty'), { kind: 'file', file: 'x.yaml', line: 2, col: 3 });
  assert.deepEqual(origins.get('flow.k'), { kind: 'file', file: 'x.yaml', line: 3, col: 8 });
});

test('an alias inside what it names, or more than 1,000 alias expansions, is refused at its place', () => {
  assert.equal(refusal(() => parseYamlFile('a: 1\nb: &x [*x]\n', 'self.yaml')), 'self.yaml:2: alias *x refers to itself');
  const aliases = (n: number) => `a: &a 1\nb: [${Array.from({ length: n }, () => '*a').join(', ')}]\n`;
  assert.equal((parseYamlFile(aliases(1000), 'ok.yaml').value as { b: number[] }).b.length, 1000);
  assert.equal(refusal(() => parseYamlFile(aliases(1001), 'many.yaml')), 'many.yaml:2: more than 1000 alias expansions');
});

test('the node and string limits allow exactly their value', () => {
  // The root map and its two values: three nodes.
  assert.deepEqual(withEnv({ DETLAB_MAX_YAML_NODES: '3' }, () => parseYamlFile('a: 1\nb: 2\n', 'n.yaml').value), { a: 1, b: 2 });
  assert.match(withEnv({ DETLAB_MAX_YAML_NODES: '2' }, () => refusal(() => parseYamlFile('a: 1\nb: 2\n', 'n.yaml'))), /^n\.yaml:2: more than 2 values in one YAML file/);
  assert.deepEqual(withEnv({ DETLAB_MAX_STRING_LENGTH: '5' }, () => parseYamlFile('s: abcde\n', 's.yaml').value), { s: 'abcde' });
  assert.match(withEnv({ DETLAB_MAX_STRING_LENGTH: '5' }, () => refusal(() => parseYamlFile('s: abcdef\n', 's.yaml'))), /^s\.yaml:1: 6 characters in one YAML string/);
});

test('values an alias brings past the node limit are reported where the outermost alias is written, and only while it expands', () => {
  const text = 'a: &a [1, 1, 1]\nb: &b [*a, *a]\nc: [*b, *b, *b]\n';
  // The 26th value is the second *a met while c's first *b expands: inside an inner alias, after another inner one ended.
  assert.match(withEnv({ DETLAB_MAX_YAML_NODES: '25' }, () => refusal(() => parseYamlFile(text, 'nest.yaml'))), /^nest\.yaml:3: more than 25 values/);
  const after = 'a: &a [1, 1]\nb: *a\nc: [1, 1, 1, 1, 1]\n';
  assert.match(withEnv({ DETLAB_MAX_YAML_NODES: '10' }, () => refusal(() => parseYamlFile(after, 'after.yaml'))), /^after\.yaml:3: more than 10 values/);
});
