import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/config.js';
import { ConfigError, UserError } from '../../src/config/errors.js';
import { LIMITS, limitOf, overLimit } from '../../src/config/limits.js';
import { writeTree } from './files.js';
import { withEnv } from '../helpers/env.js';

/** The ConfigError message of loading `file` with the limit variables of `env` set. */
function refusal(file: string, env: Record<string, string> = {}): string {
  return withEnv(env, () => {
    try {
      loadConfig(file);
    } catch (err) {
      assert.ok(err instanceof ConfigError, String(err));
      return err.message;
    }
    return assert.fail('loaded');
  });
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

test('a file of exactly the byte limit is read; NUL and invalid UTF-8 are placed on their own line', () => {
  const dir = writeTree({ 'exact.yaml': 'seed: 1\n' });
  assert.deepEqual(withEnv({ DETLAB_MAX_YAML_BYTES: '8' }, () => loadConfig(join(dir, 'exact.yaml')).config), { seed: 1 });
  const place = (bytes: Buffer): string => {
    writeFileSync(join(dir, 'bytes.yaml'), bytes);
    return refusal(join(dir, 'bytes.yaml')).replace(`${join(dir, 'bytes.yaml')}:`, '');
  };
  const tail = Buffer.from('x: 1\n'.repeat(40));
  assert.equal(place(Buffer.concat([Buffer.from([0]), tail])), '1: not a text file (it holds NUL bytes): a config or spec is a YAML text file');
  // The bad byte follows a newline closely; the whole rest of the file is valid.
  assert.equal(place(Buffer.concat([Buffer.from('seed: 1\nab\n'), Buffer.from([0xe9]), tail])), '3: not valid UTF-8 text (save the file as UTF-8)');
  // A byte-order mark, a real U+FFFD and four-byte characters before the bad bytes (a truncated emoji) do not shift the place.
  const before = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('a: "\uFFFD 😀"\n\nb: ü\n')]);
  assert.equal(place(Buffer.concat([before, Buffer.from([0xf0, 0x9f, 0x98]), Buffer.from('\n'), tail])), '4: not valid UTF-8 text (save the file as UTF-8)');
});

test('reading configs, refused ones too, leaves no file open', () => {
  const dir = writeTree({ 'ok.yaml': 'seed: 1\n', 'big.yaml': `seed: ${'1'.repeat(100)}\n` });
  const open = () => readdirSync('/proc/self/fd').length;
  const before = open();
  for (let i = 0; i < 50; i++) {
    loadConfig(join(dir, 'ok.yaml'));
    refusal(join(dir, 'big.yaml'), { DETLAB_MAX_YAML_BYTES: '50' });
  }
  assert.equal(open(), before);
});

test('a limit variable must be a whole number from 1; empty or unset means the default', () => {
  const limit = LIMITS.trials;
  assert.deepEqual([limit.env, limit.fallback], ['DETLAB_MAX_TRIALS', 10_000]);
  assert.equal(limitOf(limit, {}), 10_000);
  assert.equal(limitOf(limit, { DETLAB_MAX_TRIALS: '' }), 10_000);
  assert.equal(limitOf(limit, { DETLAB_MAX_TRIALS: '1' }), 1);
  for (const bad of ['0', '-3', '2.5', 'many', '1e300']) {
    assert.throws(() => limitOf(limit, { DETLAB_MAX_TRIALS: bad }), (err: Error) => err instanceof UserError && err.message === `DETLAB_MAX_TRIALS: expected a whole number ≥ 1, got '${bad}'`);
  }
  assert.equal(overLimit(limit, 20_000, {}), '20000 trials in one sweep, more than the limit of 10000 (raise it with DETLAB_MAX_TRIALS=N if this is intended)');
  assert.equal(overLimit(limit, undefined, { DETLAB_MAX_TRIALS: '5' }), 'more than 5 trials in one sweep (raise it with DETLAB_MAX_TRIALS=N if this is intended)');
});

test('the place of invalid UTF-8 stays exact after characters of every length and around a real U+FFFD', () => {
  const dir = writeTree({});
  const place = (bytes: Buffer): string => {
    writeFileSync(join(dir, 'bytes.yaml'), bytes);
    return refusal(join(dir, 'bytes.yaml')).replace(`${join(dir, 'bytes.yaml')}:`, '').replace(': not valid UTF-8 text (save the file as UTF-8)', '');
  };
  const tail = Buffer.from('x: 1\n'.repeat(10));
  // One character at each boundary of the UTF-8 lengths (U+0080, U+0800, U+10000) and two of two bytes, then the bad byte alone on line 2.
  assert.equal(place(Buffer.concat([Buffer.from('a: "\u0080\u0800\u{10000}üü"\n'), Buffer.from([0xff]), Buffer.from('\n'), tail])), '2');
  // Bad sequences that share bytes with U+FFFD's own EF BF BD: a truncated four-byte F0 BF BD, EF then a newline, EF BF then a newline.
  assert.equal(place(Buffer.concat([Buffer.from('a: 1\n'), Buffer.from([0xf0, 0xbf, 0xbd]), Buffer.from('\n'), tail])), '2');
  assert.equal(place(Buffer.concat([Buffer.from('a: 1\n'), Buffer.from([0xef, 0x0a, 0xbd]), Buffer.from('\n'), tail])), '2');
  assert.equal(place(Buffer.concat([Buffer.from('a: 1\n'), Buffer.from([0xef, 0xbf, 0x0a]), tail])), '2');
});
