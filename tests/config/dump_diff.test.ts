import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parse } from 'yaml';
import { diffConfigs } from '../../src/config/diff.js';
import { closest, levenshtein } from '../../src/config/did_you_mean.js';
import { dumpYaml } from '../../src/config/dump.js';
import { parseYamlFile } from '../../src/config/parse_yaml.js';

test('dumped YAML loads back to the same values, whatever the strings look like', () => {
  const value = {
    strings: ['yes', 'no', 'true', 'null', '~', '1.5', '0x10', '', ' lead', 'trail ', 'a: b', 'a #b', '#c', '- x', '[x]', '{x}', '*a', '&a', '!t', '%p', '@x', '`x', 'multi\nline', 'tab\there', 'ünï', '${ref}', "'q'", '"dq"'],
    numbers: [0, -1, 1.5, 1e21, -2.5e-7, Infinity, -Infinity],
    nested: { 'key with space': { 'k:colon': [{ a: 1, b: [] }, [1, [2, 3]], {}] } },
    long: Array.from({ length: 40 }, (_, i) => `item_${i}`),
    empty_map: {},
    nothing: null,
  };
  const text = dumpYaml(value);
  assert.deepEqual(parse(text, { schema: 'core' }), value);
  assert.deepEqual(parseYamlFile(text, 'dump.yaml').value, value);
});

test('NaN dumps as .nan', () => {
  assert.ok(Number.isNaN((parse(dumpYaml({ x: NaN })) as { x: number }).x));
});

test('origins are aligned comments on each leaf', () => {
  const origins = new Map([
    ['a', { kind: 'file' as const, file: '/elsewhere/base.yaml', line: 3, col: 1 }],
    ['b.long_name', { kind: 'set' as const, text: 'b.long_name=2' }],
  ]);
  const lines = dumpYaml({ a: 1, b: { long_name: 2 } }, origins).trimEnd().split('\n');
  assert.deepEqual(lines, ['a: 1            # /elsewhere/base.yaml:3', 'b:', '  long_name: 2  # --set b.long_name=2']);
});

test('diff lists only the leaves that differ, lists compared whole', () => {
  const a = { model: { depth: 50, sizes: [1, 2], same: 'x' }, only_a: 1 };
  const b = { model: { depth: 101, sizes: [1, 2, 3], same: 'x' }, only_b: { k: 2 } };
  assert.deepEqual(diffConfigs(a, b), [
    { path: 'model.depth', a: 50, b: 101 },
    { path: 'model.sizes', a: [1, 2], b: [1, 2, 3] },
    { path: 'only_a', a: 1, b: undefined },
    { path: 'only_b', a: undefined, b: { k: 2 } },
  ]);
  assert.deepEqual(diffConfigs(a, structuredClone(a)), []);
});

test('did-you-mean: edit distance with transpositions, scaled to the length', () => {
  assert.equal(levenshtein('kitten', 'sitting'), 3);
  assert.equal(levenshtein('modle', 'model'), 1);
  assert.equal(closest('num_clases', ['num_classes', 'strides']), 'num_classes');
  assert.equal(closest('retinahead', ['RetinaHead', 'FCOSHead']), 'RetinaHead');
  assert.equal(closest('xyz', ['depth', 'frozen']), undefined);
});
