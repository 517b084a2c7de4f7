/**
 * The layers of src/: a module imports only from its own layer or those
 * below, never in a circle, and never a component file (registry/). An
 * import that must go up says why in a `// upward: ...` line right above it.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** Lowest first: config and its errors, the registry mechanism, tensors, then what builds on them. */
const LAYERS = ['config', 'registry', 'engine', 'nn', 'data', 'eval', 'detection', 'vis', 'track', 'train', 'supervision', 'pretrain', 'inference', 'export', 'sweep', 'cli', 'index.ts'];

interface Import { from: string; to: string; line: number; justified: boolean }

function sources(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []);
}

function importsOf(file: string): Import[] {
  const lines = readFileSync(join(ROOT, file), 'utf8').split('\n');
  const found: Import[] = [];
  lines.forEach((text, i) => {
    const m = /^(?:import|export)\b.*?\bfrom '(\.[^']+)'/.exec(text) ?? /^\} from '(\.[^']+)'/.exec(text);
    if (m === null) return;
    const to = normalize(join(dirname(file), m[1])).replace(/\.js$/, '.ts');
    let start = i;
    while (start > 0 && !/^(import|export)\b/.test(lines[start]) && lines[start - 1].trim() !== '') start--;
    found.push({ from: file, to, line: i + 1, justified: start > 0 && lines[start - 1].startsWith('// upward: ') });
  });
  return found;
}

/** A `*.section.ts` file declares a config section to the registry, which discovers it: it sits above the registry wherever it lives. */
function layerOf(file: string): number {
  const own = LAYERS.indexOf(file.split('/')[1]);
  return file.endsWith('.section.ts') ? Math.max(own, LAYERS.indexOf('registry')) : own;
}

const files = sources('src');
const imports = files.flatMap(importsOf);

test('every directory of src/ has a layer', () => {
  assert.deepEqual([...new Set(files.map((f) => f.split('/')[1]))].filter((d) => !LAYERS.includes(d)), []);
});

test('src/ never imports a component file', () => {
  assert.deepEqual(imports.filter((i) => !i.to.startsWith('src/')).map((i) => `${i.from}:${i.line} -> ${i.to}`), []);
});

test('no import reaches up a layer without a reason', () => {
  const upward = imports.filter((i) => layerOf(i.to) > layerOf(i.from));
  assert.deepEqual(upward.filter((i) => !i.justified).map((i) => `${i.from}:${i.line} -> ${i.to}`), []);
});

test('no module imports itself through others', () => {
  const next = new Map<string, string[]>(files.map((f) => [f, []]));
  for (const i of imports) next.get(i.from)?.push(i.to);
  const state = new Map<string, 'open' | 'done'>();
  const circles: string[] = [];
  const visit = (file: string, path: string[]): void => {
    if (state.get(file) === 'done') return;
    if (state.get(file) === 'open') {
      circles.push([...path.slice(path.indexOf(file)), file].map((f) => relative('src', f)).join(' -> '));
      return;
    }
    state.set(file, 'open');
    for (const to of next.get(file) ?? []) visit(to, [...path, file]);
    state.set(file, 'done');
  };
  for (const f of files) visit(f, []);
  assert.deepEqual(circles, []);
});
