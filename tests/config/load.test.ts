import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { loadConfig } from '../../src/config/config.js';
import { loadConfigFile } from '../../src/config/load.js';
import { ConfigError } from '../../src/config/errors.js';
import { formatOrigin } from '../../src/config/origin.js';
import { writeTree } from './files.js';

test('three levels of _base_ merge deeply, the child last', () => {
  const dir = writeTree({
    'base.yaml': 'model:\n  type: A\n  backbone: {depth: 50, frozen: true}\n  sizes: [1, 2, 3]\nseed: 1\n',
    'mid.yaml': '_base_: base.yaml\nmodel:\n  backbone: {depth: 101}\n  sizes: [4]\n',
    'leaf.yaml': '_base_: mid.yaml\nseed: 7\nmodel: {type: B}\n',
  });
  const { config, files } = loadConfig(join(dir, 'leaf.yaml'));
  assert.deepEqual(config, { model: { type: 'B', backbone: { depth: 101, frozen: true }, sizes: [4] }, seed: 7 });
  assert.deepEqual(files, ['leaf.yaml', 'mid.yaml', 'base.yaml'].map((f) => join(dir, f)));
});

test('a list of bases merges left to right, then the file itself', () => {
  const dir = writeTree({
    'a.yaml': 'x: a\ny: a\nz: a\nonly_a: 1\n',
    'b.yaml': 'x: b\ny: b\n',
    'sub/c.yaml': 'x: c\n',
    'leaf.yaml': '_base_: [a.yaml, b.yaml, sub/c.yaml]\nz: leaf\n',
  });
  assert.deepEqual(loadConfig(join(dir, 'leaf.yaml')).config, { x: 'c', y: 'b', z: 'leaf', only_a: 1 });
});

test('bases are relative to the file that names them, and a shared base may be reached twice', () => {
  const dir = writeTree({
    'common/shared.yaml': 'k: 1\n',
    'common/left.yaml': '_base_: shared.yaml\nleft: true\n',
    'common/right.yaml': '_base_: ./shared.yaml\nright: true\n',
    'exp/leaf.yaml': '_base_: [../common/left.yaml, ../common/right.yaml]\n',
  });
  assert.deepEqual(loadConfig(join(dir, 'exp/leaf.yaml')).config, { k: 1, left: true, right: true });
});

test('_delete_: true replaces the base map and is removed', () => {
  const dir = writeTree({
    'base.yaml': 'model:\n  neck: {type: FPN, channels: 256, extra: 2}\n',
    'leaf.yaml': '_base_: base.yaml\nmodel:\n  neck:\n    _delete_: true\n    type: PAFPN\n',
  });
  assert.deepEqual(loadConfig(join(dir, 'leaf.yaml')).config, { model: { neck: { type: 'PAFPN' } } });
});

test('_delete_ is removed also where the base lacks the key, in list items and when false', () => {
  const dir = writeTree({
    'base.yaml': 'a: {x: 1}\n',
    'leaf.yaml':
      '_base_: base.yaml\na: {_delete_: false, y: 2}\nnew:\n  _delete_: true\n  inner: {_delete_: true, v: 1}\nlist:\n  - {_delete_: true, t: 1}\n',
  });
  assert.deepEqual(loadConfig(join(dir, 'leaf.yaml')).config, { a: { x: 1, y: 2 }, new: { inner: { v: 1 } }, list: [{ t: 1 }] });
});

test('a file without bases still has its _delete_ keys removed', () => {
  const dir = writeTree({ 'one.yaml': 'head: {_delete_: true, type: H}\n' });
  assert.deepEqual(loadConfig(join(dir, 'one.yaml')).config, { head: { type: 'H' } });
});

test('a _base_ cycle is an error at the _base_ line, printing the chain of files', () => {
  const dir = writeTree({
    'a.yaml': '_base_: b.yaml\n',
    'b.yaml': 'x: 1\n_base_: [c.yaml]\n',
    'c.yaml': '_base_: a.yaml\n',
  });
  assert.throws(
    () => loadConfig(join(dir, 'a.yaml')),
    (err: Error) => {
      assert.ok(err instanceof ConfigError);
      assert.match(err.message, /c\.yaml:1: _base_ cycle: .*a\.yaml -> .*b\.yaml -> .*c\.yaml -> .*a\.yaml$/);
      return true;
    },
  );
});

test('a missing base is an error at the line that names it, with the chain', () => {
  const dir = writeTree({ 'a.yaml': 'seed: 1\n_base_: b.yaml\n', 'b.yaml': 'x: 1\n_base_:\n  - gone.yaml\n' });
  assert.throws(() => loadConfig(join(dir, 'a.yaml')), /b\.yaml:3: base file .*gone\.yaml not found \(chain: .*a\.yaml -> .*b\.yaml\)/);
});

test('a value set in a base file keeps that file and line as its origin', () => {
  const dir = writeTree({
    'base.yaml': '# the base\nmodel:\n  head:\n    num_classes: 80\n',
    'leaf.yaml': '_base_: base.yaml\nmodel:\n  head:\n    loss: focal\n',
  });
  const { origins } = loadConfig(join(dir, 'leaf.yaml'));
  const numClasses = origins.get('model.head.num_classes');
  assert.ok(numClasses !== undefined && numClasses.kind === 'file');
  assert.equal(numClasses.file, join(dir, 'base.yaml'));
  assert.equal(numClasses.line, 4);
  assert.match(formatOrigin(numClasses), /base\.yaml:4$/);
  assert.match(formatOrigin(origins.get('model.head.loss')!), /leaf\.yaml:4$/);
});

test('an empty config is an error at its line 1 (an empty base is not), a missing top-level file an error naming it', () => {
  const dir = writeTree({ 'empty.yaml': '# nothing\n', 'leaf.yaml': '_base_: ./empty.yaml\nseed: 3\n' });
  assert.throws(() => loadConfig(join(dir, 'empty.yaml')), /empty\.yaml:1: the config is empty: it sets no keys/);
  assert.deepEqual(loadConfig(join(dir, 'leaf.yaml')).config, { seed: 3 });
  assert.throws(() => loadConfig(join(dir, 'nope.yaml')), /config file .*nope\.yaml not found/);
});

test('a base shared by two parents is read once; an empty or non-string _base_ is refused at its line', () => {
  const dir = writeTree({
    'shared.yaml': 'k: 1\n',
    'left.yaml': '_base_: shared.yaml\nleft: true\n',
    'right.yaml': '_base_: shared.yaml\nright: true\n',
    'leaf.yaml': '_base_: [left.yaml, right.yaml]\n',
    'empty_base.yaml': 'seed: 1\n_base_: ""\n',
    'list_base.yaml': 'seed: 1\n_base_:\n  - shared.yaml\n  - 3\n',
  });
  assert.deepEqual(loadConfig(join(dir, 'leaf.yaml')).files, ['leaf.yaml', 'left.yaml', 'shared.yaml', 'right.yaml'].map((f) => join(dir, f)));
  assert.throws(() => loadConfig(join(dir, 'empty_base.yaml')), (err: Error) => err.message === `${join(dir, 'empty_base.yaml')}:2: _base_ must be a file path or a list of file paths, got ""`);
  assert.throws(() => loadConfig(join(dir, 'list_base.yaml')), (err: Error) => err.message === `${join(dir, 'list_base.yaml')}:4: _base_ must be a file path or a list of file paths, got 3`);
});

test('a base that exists but cannot be read says so with the reason, at the line naming it', () => {
  const dir = writeTree({ 'folder/placeholder': '', 'leaf.yaml': 'seed: 1\n_base_: ./folder\n' });
  assert.throws(
    () => loadConfig(join(dir, 'leaf.yaml')),
    (err: Error) => err.message.startsWith(`${join(dir, 'leaf.yaml')}:2: base file ${join(dir, 'folder')} cannot be read (EISDIR`) && err.message.endsWith(`(chain: ${join(dir, 'leaf.yaml')})`),
  );
});

test('a config loaded once is reused as loaded (a sweep reads its file once), and each use gets its own copy', () => {
  const dir = writeTree({ 'exp.yaml': 'seed: 1\nmodel: {depth: 18}\n' });
  const file = join(dir, 'exp.yaml');
  const loaded = loadConfigFile(file);
  writeFileSync(file, 'seed: 2\nmodel: {depth: 50}\n');
  const first = loadConfig(file, { loaded, overrides: ['model.depth=34'] });
  assert.deepEqual(first.config, { seed: 1, model: { depth: 34 } });
  assert.deepEqual(first.files, [file]);
  assert.deepEqual(loadConfig(file, { loaded }).config, { seed: 1, model: { depth: 18 } });
});

test('plugin folders are made absolute against the file that names them, or the working directory for --set', () => {
  const dir = writeTree({ 'sub/base.yaml': 'plugins: [./mine, "", /opt/abs]\n', 'leaf.yaml': '_base_: sub/base.yaml\nseed: 1\n' });
  assert.deepEqual(loadConfig(join(dir, 'leaf.yaml')).config.plugins, [join(dir, 'sub', 'mine'), '', '/opt/abs']);
  assert.deepEqual(loadConfig(join(dir, 'leaf.yaml'), { overrides: ['plugins=[./here]'] }).config.plugins, [resolve(process.cwd(), 'here')]);
});
