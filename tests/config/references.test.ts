import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadConfig } from '../../src/config/config.js';
import { formatOrigin } from '../../src/config/origin.js';
import { writeTree } from './files.js';

function load(files: Record<string, string>, overrides: string[] = []) {
  const dir = writeTree(files);
  return loadConfig(join(dir, 'leaf.yaml'), { overrides });
}

test('a whole-value reference keeps the type of what it names', () => {
  const { config } = load({
    'leaf.yaml': 'classes: 20\nsizes: [1, 2]\nopt: {lr: 0.1}\nflag: true\nuse:\n  n: ${classes}\n  s: ${sizes}\n  o: ${opt}\n  f: ${flag}\n',
  });
  assert.deepEqual(config.use, { n: 20, s: [1, 2], o: { lr: 0.1 }, f: true });
});

test('a reference inside a longer string is interpolated', () => {
  const { config } = load({ 'leaf.yaml': 'name: retina\ndepth: 50\nwork_dir: work_dirs/${name}_r${depth}\n' });
  assert.equal(config.work_dir, 'work_dirs/retina_r50');
});

test('references resolve after bases and overrides, so one change reaches every reference', () => {
  const { config } = load(
    {
      'base.yaml': 'num_classes: 80\nmodel:\n  head: {num_classes: "${num_classes}"}\n  aux: {classes: "${model.head.num_classes}"}\n',
      'leaf.yaml': '_base_: base.yaml\nnum_classes: 20\n',
    },
    ['num_classes=3'],
  );
  assert.deepEqual(config.model, { head: { num_classes: 3 }, aux: { classes: 3 } });
});

test('references through a referenced map, and copies are independent', () => {
  const { config } = load({ 'leaf.yaml': 'a: {x: {y: 1}}\nb: ${a}\nc: ${b.x.y}\n' });
  assert.equal(config.c, 1);
  (config.b as { x: { y: number } }).x.y = 5;
  assert.equal((config.a as { x: { y: number } }).x.y, 1);
});

test('an escaped \\${ stays literal, also when copied by a reference', () => {
  assert.equal(load({ 'leaf.yaml': 'a: 1\nb: cost \\${a} is ${a}\n' }).config.b, 'cost ${a} is 1');
  const { config } = load({ 'leaf.yaml': 'x: 1\na: {s: "\\\\${x}"}\nb: ${a}\nc: ${b.s}\n' });
  assert.deepEqual(config, { x: 1, a: { s: '${x}' }, b: { s: '${x}' }, c: '${x}' });
});

test('an unknown path is an error at the referring line with a suggestion', () => {
  assert.throws(
    () => load({ 'leaf.yaml': 'model:\n  num_classes: 3\nhead:\n  n: ${model.num_class}\n' }),
    /leaf\.yaml:4: unknown reference \$\{model\.num_class\}: no key model\.num_class \(did you mean 'model\.num_classes'\?\)/,
  );
});

test('a reference cycle is an error at file:line naming the cycle', () => {
  assert.throws(() => load({ 'leaf.yaml': 'a: ${b}\nb: ${c}\nc: ${a}\n' }), /leaf\.yaml:1: reference cycle: a -> b -> c -> a/);
  assert.throws(() => load({ 'leaf.yaml': 'm:\n  x: ${m}\n' }), /leaf\.yaml:2: reference cycle: m -> m\.x -> m|leaf\.yaml:1: reference cycle/);
});

test('a map cannot be interpolated into a string', () => {
  assert.throws(() => load({ 'leaf.yaml': 'm: {a: 1}\ns: "x-${m}"\n' }), /leaf\.yaml:2: \$\{m\} names a map/);
});

test('a referenced map keeps the origins of its items; the reference keeps its own line', () => {
  const { origins } = load({ 'base.yaml': 'opt:\n  lr: 0.1\n', 'leaf.yaml': '_base_: base.yaml\ncopy: ${opt}\n' });
  assert.match(formatOrigin(origins.get('copy')!), /leaf\.yaml:2$/);
  assert.match(formatOrigin(origins.get('copy.lr')!), /base\.yaml:2$/);
});

test('references inside lists resolve, and a reference to a reference resolves whichever comes first', () => {
  const { config } = load({ 'leaf.yaml': 'a: ${b}\nb: ${c}\nc: 4\nsizes:\n  - ${c}\n  - ${c}px\n  - ["${b}"]\nunit: ${c}px\n' });
  assert.deepEqual(config, { a: 4, b: 4, c: 4, sizes: [4, '4px', [4]], unit: '4px' });
});

test('a null interpolates as null; a list cannot be interpolated; an unknown key far from every other has no suggestion', () => {
  assert.equal(load({ 'leaf.yaml': 'n: null\ns: x-${n}\n' }).config.s, 'x-null');
  assert.throws(() => load({ 'leaf.yaml': 'l: [1]\ns: "x-${l}"\n' }), (err: Error) => err.message.endsWith('leaf.yaml:2: ${l} names a list, which cannot be interpolated into a string; use it as the whole value'));
  assert.throws(() => load({ 'leaf.yaml': 'model: {depth: 1}\nx: ${model.zzzzzzzz}\n' }), (err: Error) => err.message.endsWith('leaf.yaml:2: unknown reference ${model.zzzzzzzz}: no key model.zzzzzzzz'));
});
