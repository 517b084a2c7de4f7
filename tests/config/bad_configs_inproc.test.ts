/**
 * The malformed-config corpus (tests/fixtures/bad_configs/, each file's first
 * line `# expect: FILE:LINE: TEXT`) loaded and validated in-process, as
 * `detlab config validate` does: the same file:line and message, in a fraction of
 * the time the CLI test takes (so mutation testing can afford it).
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadValidatedConfig } from '../../src/registry/load_validated.js';
import { ROOT, TEST_PLUGINS } from '../registry/paths.js';

const DIR = join(ROOT, 'tests/fixtures/bad_configs');

test('every malformed config is refused in-process with its file:line and message', async () => {
  const files = readdirSync(DIR).filter((f) => f.endsWith('.yaml')).sort();
  assert.ok(files.length >= 30);
  for (const file of files) {
    const [, where, line, text] = /^# expect: (\S+):(\d+): (.+)\n/.exec(readFileSync(join(DIR, file), 'utf8'))!;
    await assert.rejects(loadValidatedConfig(join(DIR, file), { plugins: [TEST_PLUGINS] }), (err: Error) => {
      assert.ok(err.message.includes(`bad_configs/${where}:${line}: `), `${file}: expected bad_configs/${where}:${line}: in\n${err.message}`);
      assert.ok(err.message.includes(text), `${file}: expected "${text}" in\n${err.message}`);
      return true;
    }, file);
  }
});
