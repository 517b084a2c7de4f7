/**
 * The editor schema as VS Code's YAML extension uses it: yaml-language-server,
 * driven over the language server protocol, on a shipped leaf config whose
 * detector type comes from its bases. Typos planted in its LGD entry and in a
 * backbone map without a type are underlined, and a head's `type:` completes
 * to the registered heads.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { discoverRegistry } from '../../src/registry/discover.js';
import { editorSchema } from '../../src/registry/editor_schema.js';
import { LspClient } from '../helpers/lsp_client.js';
import { ROOT } from './paths.js';

interface Diagnostic { range: { start: { line: number; character: number } }; message: string }
interface CompletionItem { label: string }

const CONFIG = join(ROOT, 'configs/lgd/lgd_retinanet_r18_fpn_short_shapes.yaml');
const URI = pathToFileURL(CONFIG).href;
const SERVER = join(ROOT, 'node_modules/yaml-language-server/bin/yaml-language-server');

let client: LspClient;
let dir: string;
let headNames: string[];

before(async () => {
  const registry = await discoverRegistry([]);
  headNames = registry.components('head').map((e) => e.value.name).sort();
  dir = mkdtempSync(join(tmpdir(), 'detlab-editor-'));
  const schema = join(dir, 'detlab.schema.json');
  writeFileSync(schema, JSON.stringify(editorSchema(registry)));
  const yaml = { validate: true, completion: true, hover: false, schemaStore: { enable: false }, schemas: { [pathToFileURL(schema).href]: [CONFIG] } };
  client = new LspClient(process.execPath, [SERVER, '--stdio'], { yaml });
  await client.request('initialize', {
    processId: process.pid,
    rootUri: pathToFileURL(ROOT).href,
    capabilities: { workspace: { configuration: true }, textDocument: { completion: { completionItem: { snippetSupport: false } }, publishDiagnostics: {} } },
  });
  client.notify('initialized', {});
  client.notify('workspace/didChangeConfiguration', { settings: { yaml } });
});

after(async () => {
  await client.close();
  rmSync(dir, { recursive: true, force: true });
});

test('typos in a leaf config are underlined and a head type completes', async () => {
  const planted = readFileSync(CONFIG, 'utf8')
    .replace('      lambda: 1.0\n', '      lamda: 1.0\n')
    .replace('      num_heads: 8\n', '      num_head: 8\n')
    .replace('model:\n', 'model:\n  backbone:\n    dept: 18\n  head:\n    type: RetinaHed\n');
  assert.notEqual(planted, readFileSync(CONFIG, 'utf8'));
  const lines = planted.split('\n');
  const lineOf = (text: string): number => lines.findIndex((l) => l.includes(text));

  const published = client.waitFor<{ uri: string; diagnostics: Diagnostic[] }>('textDocument/publishDiagnostics', (p) => p.uri === URI);
  client.notify('textDocument/didOpen', { textDocument: { uri: URI, languageId: 'yaml', version: 1, text: planted } });
  const { diagnostics } = await published;
  const seen = diagnostics.sort((a, b) => a.range.start.line - b.range.start.line).map((d) => `${d.range.start.line}: ${d.message}`);
  assert.deepEqual(seen, [
    `${lineOf('dept: 18')}: Property dept is not allowed.`,
    `${lineOf('type: RetinaHed')}: Value is not accepted. Valid values: ${headNames.map((n) => `"${n}"`).join(', ')}.`,
    `${lineOf('lamda: 1.0')}: Property lamda is not allowed.`,
    `${lineOf('num_head: 8')}: Property num_head is not allowed.`,
  ]);

  const position = { line: lineOf('type: RetinaHed'), character: '    type: '.length };
  const completion = await client.request<{ items: CompletionItem[] } | CompletionItem[]>('textDocument/completion', { textDocument: { uri: URI }, position });
  const items = Array.isArray(completion) ? completion : completion.items;
  assert.deepEqual(items.map((i) => i.label).sort(), headNames);
  assert.ok(headNames.includes('RetinaHead') && headNames.includes('FCOSHead'), headNames.join(', '));
});
