import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parse } from 'yaml';
import { loadConfig } from '../../src/config/config.js';
import { writeTree } from '../config/files.js';
import { JS_PLUGINS, ROOT, TEST_PLUGINS } from '../registry/paths.js';
import { runCli } from './run_cli.js';

const THREE_LEVEL = 'tests/fixtures/configs/three_level/tiny_r18_voc.yaml';

test('config show of a 3-level config prints YAML that loads back equal to the merged config', async () => {
  const overrides = ['model.score_thr=0.25', '+extra.note=a: b # c'];
  const shown = await runCli(['config', 'show', THREE_LEVEL, ...overrides.flatMap((o) => ['--set', o])]);
  assert.equal(shown.code, 0, shown.stderr);
  const merged = loadConfig(join(ROOT, THREE_LEVEL), { overrides }).config;
  assert.deepEqual(parse(shown.stdout, { schema: 'core' }), merged);
  assert.equal((merged.model as { head: { num_classes: number } }).head.num_classes, 20, 'the reference followed the leaf');

  const dir = writeTree({});
  writeFileSync(join(dir, 'saved.yaml'), shown.stdout);
  assert.deepEqual(loadConfig(join(dir, 'saved.yaml')).config, merged, 'the printed config is itself a loadable config');
});

test('config show --origin names file:line of each value, or --set', async () => {
  const { code, stdout } = await runCli(['config', 'show', '--origin', THREE_LEVEL, '--set', 'seed=5']);
  assert.equal(code, 0);
  assert.match(stdout, /^ {4}strides: \[8, 16, 32\] +# tests\/fixtures\/configs\/three_level\/_base_\/tiny_model\.yaml:11$/m);
  assert.match(stdout, /^ {4}depth: 18 +# tests\/fixtures\/configs\/three_level\/tiny_r18_voc\.yaml:9$/m);
  assert.match(stdout, /^seed: 5 +# --set seed=5$/m);
  const columns = stdout.split('\n').filter((l) => l.includes(' # ')).map((l) => l.indexOf(' # '));
  assert.equal(new Set(columns).size, 1, 'comments are aligned');
});

test('config show --defaults validates and fills in defaults', async () => {
  const { code, stdout } = await runCli(['config', 'show', '--defaults', '--trust-plugins', '--plugin', TEST_PLUGINS, THREE_LEVEL]);
  assert.equal(code, 0);
  const config = parse(stdout) as { model: { backbone: Record<string, unknown> } };
  assert.deepEqual(config.model.backbone, { type: 'TinyBackbone', depth: 18, out_indices: [0, 1, 2], frozen: false });
  const withOrigins = await runCli(['config', 'show', '--defaults', '--origin', '--trust-plugins', '--plugin', TEST_PLUGINS, THREE_LEVEL]);
  assert.match(withOrigins.stdout, /^ {4}frozen: false +# default$/m);
  assert.match(withOrigins.stdout, /^ {4}depth: 18 +# tests\/fixtures\/configs\/three_level\/tiny_r18_voc\.yaml:9$/m);
});

test('config validate: ok for a good config (with a .js plugin from plugins:), exit 1 and every error otherwise', async () => {
  const good = await runCli(['config', 'validate', '--trust-plugins', '--plugin', TEST_PLUGINS, THREE_LEVEL]);
  assert.equal(good.code, 0, good.stderr);
  assert.match(good.stdout, /tiny_r18_voc\.yaml: ok/);
  const bad = await runCli(['config', 'validate', '--trust-plugins', '--plugin', TEST_PLUGINS, THREE_LEVEL, '--set', 'model.num_classes=0', '--set', '+model.head.colour=red']);
  assert.equal(bad.code, 1);
  assert.deepEqual(bad.stderr.trim().split('\n'), [
    '--set model.num_classes=0: model.num_classes must be >= 1 (got integer 0)',
    "--set +model.head.colour=red: unknown option 'colour' in model.head (head 'TinyHead')",
    // The head's value comes from a reference, reported where the reference is written.
    'tests/fixtures/configs/three_level/_base_/tiny_model.yaml:10: model.head.num_classes must be >= 1 (got integer 0)',
  ]);
});

test('a config\'s plugins are code: config validate and show --defaults refuse them at their line and run nothing, unless --trust-plugins or --plugin names them', async () => {
  const marker = join(writeTree({}), 'imported');
  const dir = writeTree({
    'plugin.js': `import { existsSync, readFileSync, writeFileSync } from 'node:fs';\nwriteFileSync(${JSON.stringify(marker)}, 'imported');\n`,
    'config.yaml': `_base_: ${join(ROOT, THREE_LEVEL)}\nplugins: [${join(ROOT, 'tests/fixtures/plugins_js/extra')}, ./plugin.js]\n`,
  });
  const config = join(dir, 'config.yaml');
  for (const args of [['config', 'validate', config], ['config', 'show', '--defaults', config]]) {
    const refused = await runCli([...args, '--plugin', TEST_PLUGINS, '--plugin', join(ROOT, 'tests/fixtures/plugins_js/extra')]);
    assert.equal(refused.code, 1, refused.stdout);
    assert.match(refused.stderr, /config\.yaml:2: plugins: .*plugin\.js is code, which config (validate|show) does not run unless told: pass --trust-plugins/);
    assert.doesNotMatch(refused.stderr, /plugins_js\/extra is code/, 'a plugin also named with --plugin is trusted');
    assert.ok(!existsSync(marker), `${args.join(' ')} ran the plugin`);
  }
  const trusted = await runCli(['config', 'validate', config, '--trust-plugins', '--plugin', TEST_PLUGINS]);
  assert.equal(trusted.code, 0, trusted.stderr);
  assert.equal(readFileSync(marker, 'utf8'), 'imported');
});

test('config diff prints only what differs, with both values and their origins', async () => {
  const dir = writeTree({ 'a.yaml': 'x: 1\nsame: s\nlist: [1, 2]\n', 'b.yaml': 'x: 2\nsame: s\nlist: [1]\nnew: {k: v}\n' });
  const { code, stdout } = await runCli(['config', 'diff', join(dir, 'a.yaml'), join(dir, 'b.yaml')]);
  assert.equal(code, 0);
  const body = stdout.split('\n').slice(2).join('\n');
  assert.ok(!body.includes('same'));
  assert.match(body, /^x:\n {2}- 1 {2}\(.*a\.yaml:1\)\n {2}\+ 2 {2}\(.*b\.yaml:1\)$/m);
  assert.match(body, /^list:\n {2}- \[1, 2\] .*\n {2}\+ \[1\] /m);
  assert.match(body, /^new:\n {2}- \(absent\)\n {2}\+ \{k: v\}/m);
});

test('registry list and show describe components, with plugins', async () => {
  const list = await runCli(['registry', 'list', 'head', '--plugin', TEST_PLUGINS]);
  assert.equal(list.code, 0, list.stderr);
  assert.match(list.stdout, /^head \(\d+\)\n(.*\n)* {2}TinyHead +test head$/m);
  const all = await runCli(['registry', 'list', '--plugin', join(JS_PLUGINS, 'extra')]);
  assert.match(all.stdout, /TinyNeck +test neck from a \.js plugin/);
  assert.match(all.stdout, /config sections \(\d+\)\n(.*\n)* {2}model +the detector/);
  const show = await runCli(['registry', 'show', 'TinyHead', '--plugin', TEST_PLUGINS]);
  assert.equal(show.code, 0, show.stderr);
  assert.match(show.stdout, /^head TinyHead: test head$/m);
  assert.match(show.stdout, /^num_classes +integer +80 +number of object classes$/m);
  assert.match(show.stdout, /^loss_cls +loss component +\{type: TinyLoss\} +classification loss$/m);
  const typo = await runCli(['registry', 'show', 'TinyHaed', '--plugin', TEST_PLUGINS]);
  assert.equal(typo.code, 1);
  assert.match(typo.stderr, /no component or config section named 'TinyHaed' \(did you mean 'TinyHead'\?\)/);
  const section = await runCli(['registry', 'show', 'evaluation']);
  assert.equal(section.code, 0, section.stderr);
  assert.match(section.stdout, /^config section evaluation: /m);
  assert.match(section.stdout, /^interval +integer +0 +evaluate every N iterations/m);
});

test('a duplicate name across plugins fails the CLI with both files named', async () => {
  const { code, stderr } = await runCli(['registry', 'list', '--plugin', TEST_PLUGINS, '--plugin', join(JS_PLUGINS, 'duplicate')]);
  assert.equal(code, 1);
  assert.match(stderr, /^backbone 'TinyBackbone' is registered twice: in dist\/tests\/fixtures\/plugins\/tiny_parts\.js and in tests\/fixtures\/plugins_js\/duplicate\/tiny_backbone_again\.js\n$/);
});

test('schema prints a JSON Schema with every section and component', async () => {
  const { code, stdout } = await runCli(['schema', '--plugin', TEST_PLUGINS]);
  assert.equal(code, 0);
  const schema = JSON.parse(stdout) as { properties: Record<string, unknown>; definitions: Record<string, unknown> };
  for (const key of ['_base_', 'model', 'seed', 'plugins']) assert.ok(key in schema.properties, key);
  for (const key of ['detector', 'head.TinyHead', 'loss.TinyLoss']) assert.ok(key in schema.definitions, key);
});

test('help, unknown commands and unknown options', async () => {
  const help = await runCli(['--help']);
  assert.equal(help.code, 0);
  for (const name of ['config', 'registry', 'schema']) assert.match(help.stdout, new RegExp(`^ {2}${name} +\\S`, 'm'));
  const unknown = await runCli(['confgi']);
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /^unknown command 'confgi' \(did you mean 'config'\?\)/);
  const option = await runCli(['config', 'show', '--orign', THREE_LEVEL]);
  assert.equal(option.code, 1);
  assert.match(option.stderr, /^unknown option --orign \(did you mean --origin\?\)/);
  const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
  for (const flag of ['--version', '-V']) {
    const printed = await runCli([flag]);
    assert.equal(printed.code, 0, printed.stderr);
    assert.equal(printed.stdout, `detlab ${version} (node ${process.version})\n`);
  }
});
