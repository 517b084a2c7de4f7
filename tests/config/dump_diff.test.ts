import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parse } from 'yaml';
import { diffConfigs } from '../../src/config/diff.js';
import { closest, levenshtein } from '../../src/config/did_you_mean.js';
import { dumpYaml, formatInline } from '../../src/config/dump.js';
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

test('a dumped config reads as a person would write it: block maps, flow lists of scalars, quotes only where needed', () => {
  const config = {
    name: 'retina',
    flags: [true, false, null],
    awkward: ['a,b', 'x]', '{y', 'yes', '1'],
    empty_list: [],
    empty_map: {},
    numbers: { zero: -0, big: Infinity, small: -Infinity, none: undefined },
    pipeline: [{ type: 'Resize', scale: [1, 2] }, { type: 'Flip' }, {}],
    grid: [[1, 2], [3, [4]]],
  };
  const expected = [
    'name: retina',
    'flags: [true, false, null]',
    'awkward: ["a,b", "x]", "{y", yes, "1"]',
    'empty_list: []',
    'empty_map: {}',
    'numbers:',
    '  zero: -0.0',
    '  big: .inf',
    '  small: -.inf',
    '  none: null',
    'pipeline:',
    '  - type: Resize',
    '    scale: [1, 2]',
    '  - type: Flip',
    '  - {}',
    'grid:',
    '  - [1, 2]',
    '  -',
    '    - 3',
    '    - [4]',
  ];
  assert.equal(dumpYaml(config), expected.join('\n') + '\n');
  const back = parse(dumpYaml(config), { schema: 'core' }) as typeof config;
  assert.ok(Object.is(back.numbers.zero, -0));
});

test('a list of scalars stays on one line up to 72 characters, then one item per line', () => {
  assert.equal(dumpYaml({ l: ['x'.repeat(70)] }), `l: [${'x'.repeat(70)}]\n`);
  assert.equal(dumpYaml({ l: ['x'.repeat(71)] }), `l:\n  - ${'x'.repeat(71)}\n`);
});

test('a top-level empty map, empty list, list or scalar dumps as itself', () => {
  assert.equal(dumpYaml({}), '{}\n');
  assert.equal(dumpYaml([]), '[]\n');
  assert.equal(dumpYaml([1, { a: 1, b: 2 }]), '- 1\n- a: 1\n  b: 2\n');
  assert.equal(dumpYaml(3), '3\n');
});

test('origin comments: list items carry their own, the column follows the commented lines only and stops at 64', () => {
  const file = (line: number) => ({ kind: 'file' as const, file: '/elsewhere/base.yaml', line, col: 1 });
  const long = 'k'.repeat(70);
  const origins = new Map([
    ['items.1', file(4)],
    ['pipeline.0.type', file(6)],
    [long, file(7)],
  ]);
  const value = { a_long_key_that_has_no_origin: 1, items: ['x'.repeat(80), 'y'], pipeline: [{ type: 'Flip' }], [long]: 2 };
  assert.deepEqual(dumpYaml(value, origins).trimEnd().split('\n'), [
    'a_long_key_that_has_no_origin: 1',
    'items:',
    `  - ${'x'.repeat(80)}`,
    `  - y${' '.repeat(64 - 5)}  # /elsewhere/base.yaml:4`,
    'pipeline:',
    `  - type: Flip${' '.repeat(64 - 14)}  # /elsewhere/base.yaml:6`,
    `${long}: 2  # /elsewhere/base.yaml:7`,
  ]);
  // Without a line over 64 characters, the comments align just after the longest commented line.
  assert.deepEqual(dumpYaml({ a_long_key_that_has_no_origin: 1, b: 2, cc: 3 }, new Map([['b', file(1)], ['cc', file(2)]])).trimEnd().split('\n'), [
    'a_long_key_that_has_no_origin: 1',
    'b: 2   # /elsewhere/base.yaml:1',
    'cc: 3  # /elsewhere/base.yaml:2',
  ]);
});

test('a value shown on one line (resume and sweep differences) prints maps and lists inline', () => {
  assert.equal(formatInline({ type: 'SGD', lr: 0.01, steps: [1, 2], nested: {}, 'odd key': 'a #b' }), '{type: SGD, lr: 0.01, steps: [1, 2], nested: {}, odd key: "a #b"}');
  assert.equal(formatInline(undefined), 'null');
  assert.equal(formatInline(false), 'false');
});

test('did-you-mean: a transposition needs both characters swapped, and ties go to the first candidate', () => {
  assert.equal(levenshtein('ab', 'ba'), 1);
  assert.equal(levenshtein('ax', 'ya'), 2);
  assert.equal(levenshtein('xa', 'ay'), 2);
  assert.equal(levenshtein('abc', 'abc'), 0);
  assert.equal(levenshtein('', 'abc'), 3);
  assert.equal(closest('depht', ['depth', 'deptj']), 'depth');
  assert.equal(closest('abcx', ['abcy', 'abcz']), 'abcy');
  assert.equal(closest('abcx', ['abcz', 'abcy']), 'abcz');
});

test('a top-level list carries the origins of its items', () => {
  const origins = new Map([['1', { kind: 'set' as const, text: '1=b' }]]);
  assert.equal(dumpYaml(['a', 'b'], origins), '- a\n- b  # --set 1=b\n');
});
