/**
 * Every malformed config in tests/fixtures/bad_configs/ must make
 * `detlab config validate` exit 1 with a message naming the file and line,
 * never a stack trace. Each file's first line states what is expected:
 * `# expect: FILE:LINE: TEXT` (FILE relative to bad_configs/, maybe a base).
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ROOT, TEST_PLUGINS } from '../registry/paths.js';
import { inBatches, runCli } from './run_cli.js';

const DIR = join(ROOT, 'tests/fixtures/bad_configs');
const files = readdirSync(DIR).filter((f) => f.endsWith('.yaml')).sort();

test('the corpus holds at least 30 malformed configs, each stating its expected error', () => {
  assert.ok(files.length >= 30, `only ${files.length} files`);
  for (const file of files) assert.match(readFileSync(join(DIR, file), 'utf8'), /^# expect: \S+:\d+: .+\n/, file);
});

test('config validate: exit 1, file:line and the message, no stack, for every bad config', async () => {
  const results = await inBatches(
    files.map((file) => () => runCli(['config', 'validate', '--trust-plugins', '--plugin', TEST_PLUGINS, join('tests/fixtures/bad_configs', file)])),
    2,
  );
  files.forEach((file, i) => {
    const { code, stdout, stderr } = results[i];
    const [, where, line, text] = /^# expect: (\S+):(\d+): (.+)\n/.exec(readFileSync(join(DIR, file), 'utf8'))!;
    assert.equal(code, 1, `${file}: exit code ${code}\n${stderr}`);
    assert.equal(stdout, '', `${file}: nothing on stdout`);
    assert.ok(stderr.includes(`bad_configs/${where}:${line}: `), `${file}: expected bad_configs/${where}:${line}: in\n${stderr}`);
    assert.ok(stderr.includes(text), `${file}: expected "${text}" in\n${stderr}`);
    assert.ok(!/^\s+at /m.test(stderr), `${file}: stack trace in\n${stderr}`);
  });
});
