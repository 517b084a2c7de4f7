import assert from 'node:assert/strict';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { ComponentError, ConfigError, fileOrigin, UserError } from '../../src/config/errors.js';
import { displayFile, formatOrigin, isUnder, nearestOrigin, shiftListOrigins, type Origin } from '../../src/config/origin.js';
import { deepClone, deepEqual, getPath, walkTree } from '../../src/config/tree.js';

const at = (line: number): Origin => ({ kind: 'file', file: '/cfg/a.yaml', line, col: 1 });

test('deepEqual compares lists item by item and maps by their key sets', () => {
  assert.ok(deepEqual({ a: 1, b: [1, { c: NaN }] }, { b: [1, { c: NaN }], a: 1 }));
  assert.ok(!deepEqual({ a: undefined }, { b: undefined }));
  assert.ok(!deepEqual({ a: 1, b: 2 }, { a: 1 }));
  assert.ok(!deepEqual({ a: 1 }, { a: 2 }));
  assert.ok(!deepEqual([1, 2], [1, 3]));
  assert.ok(!deepEqual([1], [1, 1]));
  assert.ok(!deepEqual(['x'], 'x'));
  assert.ok(!deepEqual([], {}));
  assert.ok(!deepEqual({ 0: 'x' }, ['x']));
});

test('deepClone copies every map and list, so changing the copy leaves the original alone', () => {
  const original = { l: [[1], { m: [2] }], m: { n: { o: 1 } } };
  const copy = deepClone(original);
  assert.deepEqual(copy, original);
  (copy.l[0] as number[]).push(9);
  ((copy.l[1] as { m: number[] }).m).push(9);
  copy.m.n.o = 9;
  assert.deepEqual(original, { l: [[1], { m: [2] }], m: { n: { o: 1 } } });
});

test('getPath follows map keys and list indices only: no inherited properties, no string index into a list', () => {
  const root = { a: { list: [5, { k: 'v' }] }, 0: 'zero' };
  assert.equal(getPath(root, ['a', 'list', 1, 'k']), 'v');
  assert.equal(getPath(root, [0]), 'zero');
  assert.equal(getPath(root, ['a', 'list', 'length']), undefined);
  assert.equal(getPath(root, ['a', 'list', '0']), undefined);
  assert.equal(getPath(root, ['a', 'constructor']), undefined);
  assert.equal(getPath(root, ['a', 'list', 0, 'x']), undefined);
  assert.equal(getPath(root, []), root);
});

test('walkTree visits every path once, parents first', () => {
  assert.deepEqual([...walkTree({ a: [1, { b: 2 }] })], [
    [[], { a: [1, { b: 2 }] }],
    [['a'], [1, { b: 2 }]],
    [['a', 0], 1],
    [['a', 1], { b: 2 }],
    [['a', 1, 'b'], 2],
  ]);
});

test('a file inside the working directory is shown relative to it, any other as given', () => {
  assert.equal(displayFile(join(process.cwd(), 'configs', 'x.yaml')), join('configs', 'x.yaml'));
  assert.equal(displayFile(resolve(process.cwd(), '..', 'x.yaml')), resolve(process.cwd(), '..', 'x.yaml'));
  assert.equal(displayFile(process.cwd()), process.cwd());
  assert.equal(formatOrigin(fileOrigin(join(process.cwd(), 'a.yaml'), 7)), 'a.yaml:7');
  assert.equal(formatOrigin({ kind: 'set', text: 'seed=1' }), '--set seed=1');
  assert.equal(formatOrigin({ kind: 'default' }), 'default');
});

test('nearestOrigin climbs to the closest ancestor with an origin, the root included', () => {
  const origins = new Map([['', at(1)], ['model', at(2)], ['model.head.loss', at(5)]]);
  assert.deepEqual(nearestOrigin(origins, ['model', 'head', 'loss', 'type']), at(5));
  assert.deepEqual(nearestOrigin(origins, ['model', 'head', 'depth']), at(2));
  assert.deepEqual(nearestOrigin(origins, ['data', 'root']), at(1));
  assert.equal(nearestOrigin(new Map([['model', at(2)]]), ['data']), undefined);
});

test('isUnder: the key itself and what lies under it, not a sibling sharing its prefix; "" holds everything', () => {
  assert.ok(isUnder('model.head', 'model'));
  assert.ok(isUnder('model', 'model'));
  assert.ok(!isUnder('models.x', 'model'));
  assert.ok(isUnder('anything.at.all', ''));
});

test('after a list item is removed, the origins of the items behind it, and of their children, move down by one', () => {
  const origins = new Map([['l.0', at(1)], ['l.1', at(2)], ['l.2', at(3)], ['l.2.k', at(4)], ['l.10', at(11)], ['lx.3', at(20)]]);
  shiftListOrigins(origins, 'l', 1);
  assert.deepEqual(Object.fromEntries(origins), { 'l.0': at(1), 'l.1': at(3), 'l.1.k': at(4), 'l.9': at(11), 'lx.3': at(20) });
});

test('errors read as what went wrong and where: one line per config issue, the component path first', () => {
  const err = new ConfigError([{ origin: fileOrigin(join(process.cwd(), 'a.yaml'), 3), message: 'unknown key' }, { message: 'no place' }]);
  assert.equal(err.message, 'a.yaml:3: unknown key\nno place');
  assert.equal(String(err), 'ConfigError: a.yaml:3: unknown key\nno place');
  assert.ok(err instanceof UserError);
  assert.equal(String(new UserError('stop', 2)), 'UserError: stop');
  assert.equal(new UserError('stop', 2).exitCode, 2);
  assert.equal(String(new ComponentError('groups must divide channels', 'model.neck')), 'ComponentError: model.neck: groups must divide channels');
  assert.equal(new ComponentError('groups must divide channels').message, 'groups must divide channels');
  assert.deepEqual(fileOrigin('f.yaml', 2), { kind: 'file', file: 'f.yaml', line: 2, col: 1 });
});
