import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadConfig } from '../../src/config/config.js';
import { parseOverride } from '../../src/config/overrides.js';
import { writeTree } from './files.js';

const dir = writeTree({
  'c.yaml': 'model:\n  head: {type: RetinaHead, num_classes: 80}\n  sizes: [1, 2, 3]\nname: run\n',
});
const file = join(dir, 'c.yaml');
const load = (...overrides: string[]) => loadConfig(file, { overrides });

test('a.b=v changes a key; values are parsed as YAML', () => {
  const { config } = load('model.head.num_classes=20', 'model.sizes=[4, 5]', 'name=null', 'model.head.type=FCOSHead');
  assert.deepEqual(config, { model: { head: { type: 'FCOSHead', num_classes: 20 }, sizes: [4, 5] }, name: null });
  assert.deepEqual(load("name='007'", 'model.head={type: H}').config, { model: { head: { type: 'H' }, sizes: [1, 2, 3] }, name: '007' });
});

test('list items are addressed by index', () => {
  assert.deepEqual(load('model.sizes.1=9').config.model, { head: { type: 'RetinaHead', num_classes: 80 }, sizes: [1, 9, 3] });
  assert.throws(() => load('model.sizes.3=9'), /list index out of range \(the list has 3 items\)/);
});

test('a plain key=value on a missing key is an error with a did-you-mean', () => {
  assert.throws(() => load('model.head.num_clases=3'), (err: Error) => {
    assert.equal(
      err.message,
      "--set model.head.num_clases=3: no key model.head.num_clases in the config (did you mean 'model.head.num_classes'?); write +model.head.num_clases=3 to add a new key",
    );
    return true;
  });
  assert.throws(() => load('modle.head.type=X'), /no key modle in the config \(did you mean 'model'\?\)/);
});

test('+a.b=v adds a new key (creating maps on the way) and refuses an existing one', () => {
  assert.deepEqual(load('+model.neck.type=FPN', '+seed=3').config, {
    model: { head: { type: 'RetinaHead', num_classes: 80 }, sizes: [1, 2, 3], neck: { type: 'FPN' } },
    name: 'run',
    seed: 3,
  });
  assert.throws(() => load('+name=other'), /--set \+name=other: name already exists; write name=\.\.\. to change it/);
});

test('++a.b=v adds or changes', () => {
  assert.equal(load('++name=x').config.name, 'x');
  assert.equal(load('++extra=1').config.extra, 1);
});

test('++list.N=v with N the list length appends; past the end, or without ++, it is out of range', () => {
  const { config, origins } = load('++model.sizes.3=4');
  assert.deepEqual((config.model as { sizes: number[] }).sizes, [1, 2, 3, 4]);
  assert.deepEqual(origins.get('model.sizes.3'), { kind: 'set', text: '++model.sizes.3=4' });
  assert.deepEqual((load('++model.sizes.0=0').config.model as { sizes: number[] }).sizes, [0, 2, 3]);
  for (const text of ['++model.sizes.4=4', '++model.sizes.-1=4', '+model.sizes.3=4', 'model.sizes.3=4']) {
    assert.throws(() => load(text), (err: Error) => {
      assert.equal(err.message, `--set ${text}: ${text.replace(/^\+*/, '').split('=')[0]}: list index out of range (the list has 3 items)`);
      return true;
    });
  }
});

test('~list.N deletes the item and closes the gap', () => {
  assert.deepEqual((load('~model.sizes.0').config.model as { sizes: number[] }).sizes, [2, 3]);
  assert.throws(() => load('~model.sizes.3'), /model\.sizes\.3: list index out of range \(the list has 3 items\)/);
});

test('~a.b deletes, a missing key is an error, and a deletion takes no value', () => {
  assert.deepEqual(load('~model.head', '~name').config, { model: { sizes: [1, 2, 3] } });
  assert.throws(() => load('~model.hed'), /no key model\.hed in the config \(did you mean 'model\.head'\?\)/);
  assert.throws(() => load('~name=1'), /a deletion takes no value/);
});

test('overrides apply in order and record --set as the origin', () => {
  const { config, origins } = load('+x={a: 1}', 'x.a=2');
  assert.deepEqual(config.x, { a: 2 });
  assert.deepEqual(origins.get('x.a'), { kind: 'set', text: 'x.a=2' });
  assert.deepEqual(origins.get('x'), { kind: 'set', text: '+x={a: 1}' });
});

test('malformed overrides are clear errors', () => {
  assert.throws(() => parseOverride('name'), /expected key=value/);
  assert.throws(() => parseOverride('a..b=1'), /'a\.\.b' is not a key path/);
  assert.throws(() => parseOverride('a=[1, 2'), /the value is not valid YAML/);
  assert.throws(() => parseOverride('a=!tag 1'), /tag '!tag' is not allowed/);
  assert.throws(() => load('name.first=1'), /name is a string, not a map or list/);
});

test('messages name the full path where an override stops, and suggest only a near key', () => {
  const { origins } = load('+model.neck.type=FPN');
  assert.deepEqual(origins.get('model.neck'), { kind: 'set', text: '+model.neck.type=FPN' }, 'a map created on the way has the override as origin');
  assert.deepEqual((load('++new.deep.key=1').config as { new: unknown }).new, { deep: { key: 1 } });
  assert.throws(() => load('model.head.type.x=1'), /^ConfigError: --set model\.head\.type\.x=1: model\.head\.type is a string, not a map or list$/);
  const nulled = writeTree({ 'n.yaml': 'x: null\ny: 1\n' });
  assert.throws(() => loadConfig(join(nulled, 'n.yaml'), { overrides: ['x.y=1'] }), /x is a null, not a map or list$/);
  assert.throws(() => load('~model.hed'), (err: Error) => {
    assert.equal(err.message, "--set ~model.hed: no key model.hed in the config (did you mean 'model.head'?)");
    return true;
  });
  assert.throws(() => load('zzzzzz=1'), (err: Error) => {
    assert.equal(err.message, '--set zzzzzz=1: no key zzzzzz in the config; write +zzzzzz=1 to add a new key');
    return true;
  });
});

test('keys inherited from Object are not config keys, and an index is plain digits', () => {
  assert.throws(() => load('model.constructor=1'), /no key model\.constructor in the config/);
  assert.throws(() => load('model.toString.x=1'), /no key model\.toString in the config/);
  const long = writeTree({ 'l.yaml': `sizes: [${Array.from({ length: 12 }, (_, i) => i).join(', ')}]\n` });
  const loadLong = (o: string) => loadConfig(join(long, 'l.yaml'), { overrides: [o] }).config.sizes as number[];
  assert.equal(loadLong('sizes.10=99')[10], 99);
  assert.throws(() => loadLong('sizes.1e0=99'), /sizes\.1e0: list index out of range/);
});

test('a deleted key has no origin left; the items behind a deleted list item keep theirs', () => {
  const before = load().origins;
  const { config, origins } = load('~name', '~model.sizes.0');
  assert.equal(config.name, undefined);
  assert.equal(origins.get('name'), undefined);
  assert.deepEqual([origins.get('model.sizes.0'), origins.get('model.sizes.1')], [before.get('model.sizes.1'), before.get('model.sizes.2')]);
  assert.equal(origins.get('model.sizes.2'), undefined);
  assert.deepEqual(origins.get('model.head.num_classes'), before.get('model.head.num_classes'));
});

test('parseOverride refuses __proto__ and an empty key', () => {
  assert.throws(() => parseOverride('__proto__.polluted=1'), /^ConfigError: --set __proto__\.polluted=1: '__proto__' is not allowed as a key$/);
  assert.throws(() => parseOverride('a.__proto__=1'), /'__proto__' is not allowed as a key/);
  assert.throws(() => parseOverride('=1'), /^ConfigError: --set =1: '' is not a key path/);
});

test('parseOverride recognises the four forms', () => {
  assert.deepEqual(parseOverride('a.b=1'), { op: 'set', path: ['a', 'b'], value: 1, text: 'a.b=1' });
  assert.deepEqual(parseOverride('+a=x=y'), { op: 'add', path: ['a'], value: 'x=y', text: '+a=x=y' });
  assert.deepEqual(parseOverride('++a='), { op: 'force', path: ['a'], value: null, text: '++a=' });
  assert.deepEqual(parseOverride('~a.b'), { op: 'delete', path: ['a', 'b'], text: '~a.b' });
});
