#!/usr/bin/env node
// Builds the optional OpenBLAS addon (native/detlab_native.c -> native/build/detlab_native.node)
// with plain gcc against Node's own headers (no node-gyp). OpenBLAS comes from, in this order:
//   1. the system's libopenblas (Debian: libopenblas-dev), when it is installed;
//   2. the pinned scipy-openblas32 wheel from PyPI (OpenBLAS with its headers, symbols prefixed scipy_),
//      fetched with `python3 -m pip download`, checked against its sha256 and partly unzipped into
//      .cache/openblas/; its library is copied next to the addon, which finds it through an $ORIGIN rpath.
// oneDNN (its convolutions, native/onednn_conv.c, compiled in with -DDETLAB_ONEDNN) comes from the pinned
// onednn-cpu-gomp and onednn-devel-cpu-gomp wheels the same way: the build of GNU OpenMP, which gcc's libgomp
// provides (the newer `onednn` wheels are SYCL builds that need Intel's compiler runtimes). Without it
// (DETLAB_ONEDNN=off, no wheel for the platform, no network) the addon is built on OpenBLAS alone.
// DETLAB_OPENBLAS=system|wheel takes only that source (default auto: the order above); DETLAB_NATIVE=off
// builds nothing. Never fails the install: prints one line saying which OpenBLAS (and oneDNN, or why not)
// the addon was built on, or why it was not built (then detlab trains on the pure wasm kernels).
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { firstLine } from './lib/first-line.mjs';
import { unpackedWheel } from './lib/pypi-wheel.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const source = join(root, 'native', 'detlab_native.c');
const onednnSource = join(root, 'native', 'onednn_conv.c');
const outDir = join(root, 'native', 'build');
const output = join(outDir, 'detlab_native.node');
const cache = join(root, '.cache', 'openblas');
const onednnCache = join(root, '.cache', 'onednn');

const WHEEL_PROJECT = 'scipy-openblas32';
const WHEEL_VERSION = '0.3.34.481.3';
const WHEEL_LIBRARY = 'libscipy_openblas.so';
// Pinned per machine type so every install gets the same bytes (the wheels are py3-none: any Python 3).
// x86_64 is the one measured; aarch64 is pinned from PyPI's file, not yet built on.
const OPENBLAS_WHEEL = {
  project: WHEEL_PROJECT,
  version: WHEEL_VERSION,
  glibc: [2, 28],
  prefix: 'scipy_openblas32/',
  // What the build needs from the wheel (its other headers are LAPACK's).
  members: ['include/cblas.h', 'include/openblas_config.h', `lib/${WHEEL_LIBRARY}`],
  wheels: {
    x64: {
      platform: 'manylinux_2_28_x86_64',
      file: `scipy_openblas32-${WHEEL_VERSION}-py3-none-manylinux_2_27_x86_64.manylinux_2_28_x86_64.whl`,
      sha256: '0595f94cd58c1f8a0d90c975621f4587337a003916b1979e834ebdf2cb5d9504',
    },
    arm64: {
      platform: 'manylinux_2_28_aarch64',
      file: `scipy_openblas32-${WHEEL_VERSION}-py3-none-manylinux_2_27_aarch64.manylinux_2_28_aarch64.whl`,
      sha256: 'e085dddbc5b9aa130f83def515d31c440e69f387a90c7e63b154a5575b4466bc',
    },
  },
};

// oneDNN 2023.2.0 is its 3.2.0. x86_64 only (PyPI has no other build of it). The library needs glibc 2.27
// (its newest symbol version) and libgomp.so.1; it is copied beside the addon under its soname.
const ONEDNN_VERSION = '2023.2.0';
const ONEDNN_LIBRARY = 'libdnnl.so.3';
const ONEDNN_WHEEL = {
  project: 'onednn-cpu-gomp',
  version: ONEDNN_VERSION,
  glibc: [2, 27],
  prefix: `onednn_cpu_gomp-${ONEDNN_VERSION}.data/data/`,
  members: ['lib/libdnnl.so.3.2'],
  wheels: {
    x64: {
      platform: 'manylinux1_x86_64',
      file: `onednn_cpu_gomp-${ONEDNN_VERSION}-py2.py3-none-manylinux1_x86_64.whl`,
      sha256: '2f22a54d6a890ed14bfa185d42a4be65d8b5b1df85dc1f0f3a9abe31620416fb',
    },
  },
};
const ONEDNN_DEVEL_WHEEL = {
  project: 'onednn-devel-cpu-gomp',
  version: ONEDNN_VERSION,
  glibc: [2, 27],
  prefix: `onednn_devel_cpu_gomp-${ONEDNN_VERSION}.data/data/`,
  // The C API headers (the rest are C++, SYCL, OpenCL and graph API ones).
  members: ['dnnl.h', 'dnnl_common.h', 'dnnl_common_types.h', 'dnnl_config.h', 'dnnl_types.h', 'dnnl_version.h']
    .map((h) => `include/oneapi/dnnl/${h}`),
  wheels: {
    x64: {
      platform: 'manylinux1_x86_64',
      file: `onednn_devel_cpu_gomp-${ONEDNN_VERSION}-py2.py3-none-manylinux1_x86_64.whl`,
      sha256: '9763c69e8c907e119056bd52ad918ca84ac9ba939d130a99dfa95ccca3e5e284',
    },
  },
};

const started = performance.now();
const seconds = (t0) => `${((performance.now() - t0) / 1000).toFixed(1)} s`;
const rel = (p) => relative(root, p) || '.';

/** Removes what an earlier build left, so the addon on disk is always the one this line describes. */
function removeOutputs() {
  for (const f of [output, join(outDir, WHEEL_LIBRARY), join(outDir, ONEDNN_LIBRARY)]) rmSync(f, { force: true });
}

function skip(why) {
  removeOutputs();
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

/**
 * Compiles the addon into a temporary file, loads it in a child Node and moves it into place.
 * Returns the library's openblas_get_config() string and the addon's oneDNN description (null without it),
 * or throws an Error with a one-line reason.
 */
function compileWith(include, blasFlags, dnnl, notFound) {
  const tmp = join(outDir, `detlab_native.${process.pid}.node`);
  if (dnnl) copyFileSync(dnnl.library, join(outDir, ONEDNN_LIBRARY));
  const args = [
    // No FMA contraction: the SGD and ReLU-gradient kernels must round as the tfjs ops they replace.
    '-O3', '-ffp-contract=off', '-std=c11', '-shared', '-fPIC', '-Wall', '-Wextra',
    `-I${include}`, '-DNODE_GYP_MODULE_NAME=detlab_native', ...blasFlags.cflags, ...(dnnl?.cflags ?? []),
    source, ...(dnnl?.sources ?? []), ...blasFlags.libs, ...(dnnl?.libs ?? []), '-lm', '-o', tmp,
  ];
  const result = spawnSync(gcc, args, { encoding: 'utf8' });
  const failed = (why) => {
    rmSync(tmp, { force: true });
    if (dnnl) rmSync(join(outDir, ONEDNN_LIBRARY), { force: true });
    throw new Error(why);
  };
  if (result.status !== 0) {
    const text = result.stderr || '';
    failed(/cblas\.h|-l\S*openblas|undefined reference to .*openblas/.test(text)
      ? notFound : firstLine(text, [/error/], 'the compiler failed'));
  }
  if (result.stderr.trim()) process.stderr.write(result.stderr);
  // A child loads it (the rpath, the libraries' glibc) before it replaces anything.
  const probe = spawnSync(process.execPath, [
    '-e', 'const m = require(process.argv[1]); process.stdout.write(JSON.stringify({ config: m.config(), onednn: m.onednn() }))', tmp,
  ], { encoding: 'utf8' });
  if (probe.status !== 0) failed(`the built addon does not load: ${firstLine(probe.stderr, [/Error/], 'node failed')}`);
  renameSync(tmp, output);
  return JSON.parse(probe.stdout);
}

/** With oneDNN when its wheels were had; if that build fails (not for want of OpenBLAS), again without it. */
function compile(include, blasFlags, notFound) {
  if (onednn.library) {
    try {
      return compileWith(include, blasFlags, onednn, notFound);
    } catch (err) {
      if (err.message === notFound) throw err;
      onednn = { why: `the build with it failed: ${err.message}` };
    }
  }
  return compileWith(include, blasFlags, null, notFound);
}

/** oneDNN's files and flags from its two wheels, or { why } it is not used. */
function onednnFiles() {
  if (process.env.DETLAB_ONEDNN === 'off') return { why: 'DETLAB_ONEDNN=off' };
  try {
    const lib = unpackedWheel(ONEDNN_WHEEL, onednnCache, rel);
    const devel = unpackedWheel(ONEDNN_DEVEL_WHEEL, onednnCache, rel);
    return {
      library: join(lib.dir, ONEDNN_WHEEL.members[0]),
      // OpenMP (oneDNN's GNU runtime) also splits the addon's own elementwise and per-channel kernels.
      cflags: ['-DDETLAB_ONEDNN', '-fopenmp', `-I${join(devel.dir, 'include')}`],
      sources: [onednnSource],
      // The copy beside the addon, found at run time through $ORIGIN like the OpenBLAS wheel's.
      libs: [`-L${outDir}`, `-l:${ONEDNN_LIBRARY}`, '-lgomp', '-Wl,-rpath,$ORIGIN'],
      fetched: [lib, devel].every((w) => w.fetched.startsWith('already unpacked'))
        ? `already unpacked in ${rel(onednnCache)}` : `${lib.fetched}; headers: ${devel.fetched}`,
    };
  } catch (err) {
    return { why: err instanceof Error ? err.message : String(err) };
  }
}

/** "OpenBLAS 0.3.21" out of "OpenBLAS 0.3.21 NO_LAPACKE DYNAMIC_ARCH ... Prescott MAX_THREADS=64". */
const shortConfig = (config) => /^OpenBLAS \S+/.exec(config)?.[0] ?? config;

function buildSystem() {
  const built = compile(include, { cflags: ['-I/usr/include/openblas'], libs: ['-lopenblas'] },
    'no libopenblas-dev');
  return { built, used: `the system libopenblas (${shortConfig(built.config)})` };
}

function buildWheel() {
  const { dir, fetched } = unpackedWheel(OPENBLAS_WHEEL, cache, rel);
  // The addon loads the copy beside it ($ORIGIN), so neither LD_LIBRARY_PATH nor the cache is needed at run time.
  copyFileSync(join(dir, 'lib', WHEEL_LIBRARY), join(outDir, WHEEL_LIBRARY));
  const built = compile(include, {
    cflags: [`-I${join(dir, 'include')}`, '-DBLAS_SYMBOL_PREFIX=scipy_'],
    libs: [`-L${outDir}`, '-lscipy_openblas', '-Wl,-rpath,$ORIGIN'],
  }, `the ${WHEEL_PROJECT} wheel in ${rel(dir)} is incomplete`);
  return { built, used: `${shortConfig(built.config)} from the ${WHEEL_PROJECT} wheel (${fetched})` };
}

const choice = process.env.DETLAB_OPENBLAS?.trim() || 'auto';
if (process.env.DETLAB_NATIVE === 'off') skip('DETLAB_NATIVE=off');
if (!['auto', 'system', 'wheel'].includes(choice)) skip(`DETLAB_OPENBLAS=${choice}: expected auto, system or wheel`);
const gcc = process.env.CC || 'gcc';
if (spawnSync(gcc, ['--version'], { stdio: 'ignore' }).status !== 0) skip(`no C compiler: ${gcc} not found`);
const include = nodeIncludeDir();
if (!include) skip("Node's headers (node_api.h) not found; install the nodejs headers or set npm_config_nodedir");

mkdirSync(outDir, { recursive: true });
removeOutputs();
let onednn = onednnFiles();
const sources = { auto: [['system', buildSystem], ['wheel', buildWheel]], system: [['system', buildSystem]], wheel: [['wheel', buildWheel]] }[choice];
const failures = [];
for (const [name, build] of sources) {
  try {
    const { built, used } = build();
    const how = choice === 'auto' ? '' : `, DETLAB_OPENBLAS=${choice}`;
    const dnnl = built.onednn
      ? ` and ${built.onednn} from the ${ONEDNN_WHEEL.project} wheel (${onednn.fetched})`
      : `; without oneDNN (${onednn.why})`;
    console.log(`detlab: built ${rel(output)} with ${used}${dnnl}${how}, in ${seconds(started)}`);
    process.exit(0);
  } catch (err) {
    failures.push(`${sources.length > 1 ? `${name}: ` : ''}${err instanceof Error ? err.message : String(err)}`);
  }
}
skip(failures.join('; '));
