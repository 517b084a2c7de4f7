#!/usr/bin/env node
// Builds the optional OpenBLAS addon (native/detlab_native.c -> native/build/detlab_native.node)
// with plain gcc against Node's own headers: no node-gyp, no downloads. Never fails the install:
// when gcc, Node's headers or OpenBLAS are missing it prints one line and detlab uses pure wasm.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const source = join(root, 'native', 'detlab_native.c');
const outDir = join(root, 'native', 'build');
const output = join(outDir, 'detlab_native.node');

function skip(why) {
  console.log(`detlab: native OpenBLAS addon not built (${why}); training uses the pure wasm kernels`);
  process.exit(0);
}

function nodeIncludeDir() {
  const candidates = [
    process.env.npm_config_nodedir && join(process.env.npm_config_nodedir, 'include', 'node'),
    resolve(dirname(process.execPath), '..', 'include', 'node'),
    '/usr/include/node',
    '/usr/local/include/node',
  ].filter(Boolean);
  return candidates.find((dir) => existsSync(join(dir, 'node_api.h')));
}

if (process.env.DETLAB_NATIVE === 'off') skip('DETLAB_NATIVE=off');
const gcc = process.env.CC || 'gcc';
if (spawnSync(gcc, ['--version'], { stdio: 'ignore' }).status !== 0) skip(`no C compiler: ${gcc} not found`);
const include = nodeIncludeDir();
if (!include) skip("Node's headers (node_api.h) not found; install the nodejs headers or set npm_config_nodedir");

mkdirSync(outDir, { recursive: true });
const args = [
  '-O3', '-std=c11', '-shared', '-fPIC', '-Wall', '-Wextra',
  `-I${include}`, '-I/usr/include/openblas', '-DNODE_GYP_MODULE_NAME=detlab_native',
  source, '-lopenblas', '-lm', '-o', output,
];
const result = spawnSync(gcc, args, { encoding: 'utf8' });
if (result.status !== 0) {
  const firstError = (result.stderr || '').split('\n').find((l) => /error/.test(l)) ?? 'compiler failed';
  skip(/cblas\.h|lopenblas/.test(result.stderr) ? 'OpenBLAS not found: apt-get install libopenblas-dev' : firstError.trim());
}
if (result.stderr.trim()) process.stderr.write(result.stderr);
console.log(`detlab: built ${output}`);
