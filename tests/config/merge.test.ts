import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadConfig } from '../../src/config/config.js';
import { formatOrigin } from '../../src/config/origin.js';
import { writeTree } from './files.js';

test("a child's list of maps replaces the base list whole: no base key leaks into its items", () => {
  const dir = writeTree({
    'base.yaml':
      'data:\n  pipeline:\n    - {type: LoadImage, to_float: true}\n    - {type: Resize, scale: [800, 1333], keep_ratio: true}\n    - {type: RandomFlip, prob: 0.5}\n',
    'leaf.yaml': '_base_: base.yaml\ndata:\n  pipeline:\n    - {type: Resize, scale: [320, 320]}\n',
  });
  const { config, origins } = loadConfig(join(dir, 'leaf.yaml'));
  assert.deepEqual(config, { data: { pipeline: [{ type: 'Resize', scale: [320, 320] }] } });
  assert.match(formatOrigin(origins.get('data.pipeline.0.type')!), /leaf\.yaml:4$/);
  assert.equal(origins.get('data.pipeline.0.to_float'), undefined);
  assert.equal(origins.get('data.pipeline.1.type'), undefined);
});

test('a list in the child replaces a map of the base, and a map in the child replaces a base list', () => {
  const dir = writeTree({
    'base.yaml': 'a: {x: 1}\nb: [1, 2]\nc: [{k: 1}]\n',
    'leaf.yaml': '_base_: base.yaml\na: [{x: 2}]\nb: {y: 3}\nc: 7\n',
  });
  assert.deepEqual(loadConfig(join(dir, 'leaf.yaml')).config, { a: [{ x: 2 }], b: { y: 3 }, c: 7 });
});

test('maps nested in the child merge key by key with the base at every depth, untouched base keys keep their origin', () => {
  const dir = writeTree({
    'base.yaml': 'model:\n  head:\n    loss: {type: FocalLoss, alpha: 0.25, gamma: 2.0}\n    num_classes: 80\n',
    'leaf.yaml': '_base_: base.yaml\nmodel:\n  head:\n    loss: {gamma: 1.5}\n',
  });
  const { config, origins } = loadConfig(join(dir, 'leaf.yaml'));
  assert.deepEqual(config, { model: { head: { loss: { type: 'FocalLoss', alpha: 0.25, gamma: 1.5 }, num_classes: 80 } } });
  assert.match(formatOrigin(origins.get('model.head.loss.gamma')!), /leaf\.yaml:4$/);
  assert.match(formatOrigin(origins.get('model.head.loss.alpha')!), /base\.yaml:3$/);
  assert.match(formatOrigin(origins.get('model.head.num_classes')!), /base\.yaml:4$/);
});

test('a _delete_ that is not a boolean is an error at its line', () => {
  const dir = writeTree({
    'base.yaml': 'neck: {type: FPN}\n',
    'leaf.yaml': '_base_: base.yaml\nneck:\n  _delete_: yes\n  type: PAFPN\n',
  });
  assert.throws(() => loadConfig(join(dir, 'leaf.yaml')), (err: Error) => {
    assert.match(err.message, /leaf\.yaml:3: neck\._delete_ must be true or false, got "yes"/);
    return true;
  });
  const inList = writeTree({ 'one.yaml': 'steps:\n  - {type: A}\n  - {_delete_: 1, type: B}\n' });
  assert.throws(() => loadConfig(join(inList, 'one.yaml')), /one\.yaml:3: steps\.1\._delete_ must be true or false, got 1/);
});
