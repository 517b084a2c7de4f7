/**
 * `detlab export`: a trained detector as a self-contained static page.
 *
 *   DIR/index.html          the page (pageHtml): detection on sample.png or an opened image
 *   DIR/detector.js         browser_detector.ts, the config's component modules and tfjs, bundled by esbuild
 *   DIR/model.json          the validated model config, test pipeline, class names (ExportedModel)
 *   DIR/weights.safetensors the model's tensors
 *   DIR/sample.png          the first val image (or --sample)
 *   DIR/*.wasm              tfjs' wasm backend, used where WebGL is missing
 *
 * The bundle takes exactly the component files the config's `type:` names
 * resolve to (plugins included), so the page builds the model through a
 * registry as Node does. Node built-ins those files import for other uses
 * (reading a checkpoint path) become stubs that throw when called.
 */
import { builtinModules } from 'node:module';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Plugin } from 'esbuild';
import sharp from 'sharp';
import { UserError } from '../config/errors.js';
import { deepClone, isMap, type ConfigMap } from '../config/tree.js';
import { openDetector } from '../inference/load_detector.js';
import { writeSafetensors } from '../nn/safetensors.js';
import { DIST_ROOT } from '../registry/discover.js';
import type { Registry } from '../registry/registry.js';
import { configName } from '../train/session.js';
import type { ExportedModel } from './browser_detector.js';
import { pageHtml } from './page_html.js';

export interface ExportOptions {
  configFile: string;
  checkpoint: string;
  out: string;
  overrides?: readonly string[];
  plugins?: readonly string[];
  /** The sample image shipped with the page (default: the first val image). */
  sample?: string;
  /** The page's initial score threshold. */
  scoreThr: number;
  print?: (line: string) => void;
}

export interface ExportReport {
  files: string[];
  bundleBytes: number;
  components: string[];
}

/** Every `type:` name in a config tree. */
function typeNames(value: unknown, out = new Set<string>()): Set<string> {
  if (Array.isArray(value)) for (const v of value) typeNames(v, out);
  else if (isMap(value)) {
    if (typeof value.type === 'string') out.add(value.type);
    for (const v of Object.values(value)) typeNames(v, out);
  }
  return out;
}

/** The model config without weight-file inits (`init: {checkpoint}`): the page's weights come from weights.safetensors. */
function withoutFileInits(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutFileInits);
  if (!isMap(value)) return value;
  const out: ConfigMap = {};
  for (const [k, v] of Object.entries(value)) out[k] = k === 'init' && isMap(v) && 'checkpoint' in v ? { ...v, checkpoint: null } : withoutFileInits(v);
  return out;
}

function componentFiles(registry: Registry, names: Iterable<string>): string[] {
  const files = new Set<string>();
  for (const name of names) for (const entry of registry.findByName(name)) files.add(entry.file);
  return [...files].sort();
}

const BUILTINS = new Set(builtinModules);

/**
 * esbuild plugin: a Node built-in imported by detlab's own files becomes a
 * module whose every export throws when called (npm packages keep their own
 * browser mappings).
 */
const nodeBuiltinStubs: Plugin = {
  name: 'node-builtin-stubs',
  setup(b) {
    b.onResolve({ filter: /^(node:)?[a-z_/]+$/ }, (args) =>
      BUILTINS.has(args.path.replace(/^node:/, '')) && !relative(DIST_ROOT, args.importer).startsWith('..') && !args.importer.includes('node_modules')
        ? { path: args.path, namespace: 'node-builtin' }
        : undefined);
    b.onLoad({ filter: /.*/, namespace: 'node-builtin' }, (args) => ({
      loader: 'js',
      contents: `module.exports = new Proxy({}, { get: (_, key) => key === '__esModule' ? false : () => { throw new Error(${JSON.stringify(args.path)} + '.' + String(key) + ' is not available in a browser'); } });`,
    }));
  },
};

async function bundle(entry: string, outfile: string): Promise<void> {
  let esbuild: typeof import('esbuild');
  try {
    esbuild = await import('esbuild');
  } catch {
    throw new UserError('detlab export bundles the page with esbuild, which is not installed: npm install --save-dev esbuild');
  }
  await esbuild.build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    legalComments: 'eof',
    logLevel: 'silent',
    plugins: [nodeBuiltinStubs],
  });
}

export async function exportPage(o: ExportOptions): Promise<ExportReport> {
  const print = o.print ?? ((line: string) => console.log(line));
  const { v, model, dataset, pipeline } = await openDetector(o.configFile, { checkpoint: o.checkpoint, overrides: o.overrides, plugins: o.plugins, log: print });
  const spec: ExportedModel = {
    format: 'detlab-export/1',
    name: configName(v),
    model: withoutFileInits(deepClone(v.config.model)) as ExportedModel['model'],
    pipeline: deepClone(pipeline) as ExportedModel['pipeline'],
    classes: [...dataset.classes],
    scoreThr: o.scoreThr,
  };
  const files = componentFiles(v.registry, typeNames([spec.model, spec.pipeline]));
  mkdirSync(o.out, { recursive: true });

  const work = mkdtempSync(join(tmpdir(), 'detlab-export-'));
  try {
    const entry = join(work, 'entry.js');
    const runtime = join(DIST_ROOT, 'src/export/browser_detector.js');
    writeFileSync(entry, [
      ...files.map((f, i) => `import * as c${i} from ${JSON.stringify(f)};`),
      `export * from ${JSON.stringify(runtime)};`,
      `export const modules = [${files.map((f, i) => `{ file: ${JSON.stringify(relative(DIST_ROOT, f))}, exports: c${i} }`).join(', ')}];`,
      '',
    ].join('\n'));
    await bundle(entry, join(o.out, 'detector.js'));
  } finally {
    rmSync(work, { recursive: true, force: true });
  }

  writeSafetensors(join(o.out, 'weights.safetensors'), model.stateDict(), { format: 'pt', source: 'detlab export' });
  writeFileSync(join(o.out, 'model.json'), `${JSON.stringify(spec, null, 1)}\n`);
  const sample = o.sample ?? (dataset.length > 0 ? dataset.record(0).path : undefined);
  if (sample === undefined) throw new UserError(`${v.file}: data.val has no image to ship as the page's sample; pass --sample IMAGE`);
  try {
    await sharp(sample).png().toFile(join(o.out, 'sample.png'));
  } catch (err) {
    throw new UserError(`${sample}: cannot be read as an image (${(err as Error).message.split('\n')[0]})`);
  }
  const wasmDir = dirname(fileURLToPath(import.meta.resolve('@tensorflow/tfjs-backend-wasm')));
  const wasm = readdirSync(wasmDir).filter((f) => f.endsWith('.wasm'));
  for (const f of wasm) copyFileSync(join(wasmDir, f), join(o.out, f));
  writeFileSync(join(o.out, 'index.html'), pageHtml(`${spec.name}: ${spec.classes.length} classes`, o.scoreThr));
  return {
    files: ['index.html', 'detector.js', 'model.json', 'weights.safetensors', 'sample.png', ...wasm],
    bundleBytes: statSync(join(o.out, 'detector.js')).size,
    components: files.map((f) => relative(DIST_ROOT, f)),
  };
}
