#!/usr/bin/env node
// Builds the optional OpenBLAS addon (native/detlab_native.c -> native/build/detlab_native.node)
// with plain gcc against Node's own headers (no node-gyp). OpenBLAS comes from, in this order:
//   1. the system's libopenblas (Debian: libopenblas-dev), when it is installed;
//   2. the pinned scipy-openblas32 wheel from PyPI (OpenBLAS with its headers, symbols prefixed scipy_),
//      fetched with `python3 -m pip download`, checked against its sha256 and partly unzipped into
//      .cache/openblas/; its library is copied next to the addon, which finds it through an $ORIGIN rpath.
// DETLAB_OPENBLAS=system|wheel takes only that source (default auto: the order above); DETLAB_NATIVE=off
// builds nothing. Never fails the install: prints one line saying which OpenBLAS the addon was built on,
// or why it was not built (then detlab trains on the pure wasm kernels).
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { firstLine } from './lib/first-line.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const source = join(root, 'native', 'detlab_native.c');
const outDir = join(root, 'native', 'build');
const output = join(outDir, 'detlab_native.node');
const cache = join(root, '.cache', 'openblas');

const WHEEL_PROJECT = 'scipy-openblas32';
const WHEEL_VERSION = '0.3.34.481.3';
const WHEEL_LIBRARY = 'libscipy_openblas.so';
// Pinned per machine type so every install gets the same bytes (the wheels are py3-none: any Python 3).
// x86_64 is the one measured; aarch64 is pinned from PyPI's file, not yet built on.
const WHEELS = {
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
};
const WHEEL_GLIBC = [2, 28];
// What the build needs from the wheel (its other headers are LAPACK's).
const WHEEL_MEMBERS = ['include/cblas.h', 'include/openblas_config.h', `lib/${WHEEL_LIBRARY}`];

const started = performance.now();
const seconds = (t0) => `${((performance.now() - t0) / 1000).toFixed(1)} s`;
const rel = (p) => relative(root, p) || '.';

/** Removes what an earlier build left, so the addon on disk is always the one this line describes. */
function removeOutputs() {
  for (const f of [output, join(outDir, WHEEL_LIBRARY)]) rmSync(f, { force: true });
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
 * Returns the library's openblas_get_config() string, or throws an Error with a one-line reason.
 */
function compile(include, blasFlags, notFound) {
  const tmp = join(outDir, `detlab_native.${process.pid}.node`);
  const args = [
    '-O3', '-std=c11', '-shared', '-fPIC', '-Wall', '-Wextra',
    `-I${include}`, '-DNODE_GYP_MODULE_NAME=detlab_native', ...blasFlags.cflags,
    source, ...blasFlags.libs, '-lm', '-o', tmp,
  ];
  const result = spawnSync(gcc, args, { encoding: 'utf8' });
  if (result.status !== 0) {
    rmSync(tmp, { force: true });
    const text = result.stderr || '';
    throw new Error(/cblas\.h|-l\S*openblas|undefined reference to .*openblas/.test(text)
      ? notFound : firstLine(text, [/error/], 'the compiler failed'));
  }
  if (result.stderr.trim()) process.stderr.write(result.stderr);
  // A child loads it (the rpath, the library's glibc) before it replaces anything.
  const probe = spawnSync(process.execPath, ['-e', 'process.stdout.write(require(process.argv[1]).config())', tmp], { encoding: 'utf8' });
  if (probe.status !== 0) {
    rmSync(tmp, { force: true });
    throw new Error(`the built addon does not load: ${firstLine(probe.stderr, [/Error/], 'node failed')}`);
  }
  renameSync(tmp, output);
  return probe.stdout.trim();
}

/** "OpenBLAS 0.3.21" out of "OpenBLAS 0.3.21 NO_LAPACKE DYNAMIC_ARCH ... Prescott MAX_THREADS=64". */
const shortConfig = (config) => /^OpenBLAS \S+/.exec(config)?.[0] ?? config;

function buildSystem() {
  const config = compile(include, { cflags: ['-I/usr/include/openblas'], libs: ['-lopenblas'] },
    'no libopenblas-dev');
  return `the system libopenblas (${shortConfig(config)})`;
}

function sha256(file) {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

function glibcVersion() {
  const v = process.report?.getReport?.().header?.glibcVersionRuntime;
  return typeof v === 'string' ? v.split('.').map(Number) : null;
}

function pythonWithPip() {
  const candidates = [process.env.DETLAB_PYTHON, 'python3'].filter(Boolean);
  return candidates.find((p) => spawnSync(p, ['-m', 'pip', '--version'], { stdio: 'ignore' }).status === 0);
}

/** The wheel's include/ and lib/ under .cache/openblas/, fetched and unpacked unless already there. */
function wheelFiles() {
  const wheel = process.platform === 'linux' ? WHEELS[process.arch] : undefined;
  if (!wheel) throw new Error(`no ${WHEEL_PROJECT} wheel pinned for ${process.platform}-${process.arch}`);
  const glibc = glibcVersion();
  if (!glibc) throw new Error(`the ${WHEEL_PROJECT} wheel needs glibc (this Node runs without it, e.g. on musl)`);
  if (glibc[0] < WHEEL_GLIBC[0] || (glibc[0] === WHEEL_GLIBC[0] && glibc[1] < WHEEL_GLIBC[1])) {
    throw new Error(`the ${WHEEL_PROJECT} wheel needs glibc ≥ ${WHEEL_GLIBC.join('.')}, this system has ${glibc.join('.')}`);
  }
  const dir = join(cache, `${WHEEL_PROJECT}-${WHEEL_VERSION}-${process.arch}`);
  const stamp = join(dir, '.complete');
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === wheel.sha256) return { dir, fetched: `already unpacked in ${rel(dir)}` };

  const python = pythonWithPip();
  if (!python) throw new Error(`no python3 with pip to fetch the ${WHEEL_PROJECT} wheel (apt-get install python3-pip, or set DETLAB_PYTHON)`);
  mkdirSync(cache, { recursive: true });
  const wheelPath = join(cache, wheel.file);
  let fetched = `wheel cached in ${rel(cache)}`;
  if (!existsSync(wheelPath) || sha256(wheelPath) !== wheel.sha256) {
    const t0 = performance.now();
    const tmp = join(cache, `download-${process.pid}`);
    rmSync(tmp, { recursive: true, force: true });
    const pip = spawnSync(python, [
      '-m', 'pip', 'download', '--no-deps', '--only-binary=:all:', '--platform', wheel.platform,
      '--disable-pip-version-check', '--progress-bar', 'off', '--retries', '1', '--timeout', '30',
      '-d', tmp, `${WHEEL_PROJECT}==${WHEEL_VERSION}`,
    ], { encoding: 'utf8', timeout: 300_000 });
    const text = `${pip.stdout ?? ''}${pip.stderr ?? ''}`;
    const got = join(tmp, wheel.file);
    if (pip.status !== 0 || !existsSync(got)) {
      rmSync(tmp, { recursive: true, force: true });
      const network = /Failed to establish a new connection: [^'")]*|Temporary failure in name resolution|Name or service not known|Network is unreachable|Read timed out|ConnectTimeout/i.exec(text);
      if (network) {
        const index = /Looking in indexes: (\S+)/.exec(text)?.[1] ?? 'https://pypi.org/simple';
        throw new Error(`no network: pip could not reach ${index} (${network[0].trim()})`);
      }
      const why = pip.error?.code === 'ETIMEDOUT' ? 'timed out after 300 s' : firstLine(text, [/^ERROR/, /error/i], `pip exited with ${pip.status}`);
      throw new Error(`pip download ${WHEEL_PROJECT}==${WHEEL_VERSION} failed: ${why}`);
    }
    const hash = sha256(got);
    if (hash !== wheel.sha256) {
      rmSync(tmp, { recursive: true, force: true });
      throw new Error(`${wheel.file}: sha256 ${hash}, expected ${wheel.sha256}`);
    }
    renameSync(got, wheelPath);
    rmSync(tmp, { recursive: true, force: true });
    fetched = `${(statSync(wheelPath).size / 1e6).toFixed(1)} MB wheel downloaded to ${rel(cache)} in ${seconds(t0)}`;
  }

  // Only the two headers and the library, into a fresh directory renamed into place when complete.
  const tmp = `${dir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  const extract = [
    'import os, sys, zipfile',
    'wheel, out, members = sys.argv[1], sys.argv[2], sys.argv[3:]',
    'z = zipfile.ZipFile(wheel)',
    'for m in members:',
    '    name = "scipy_openblas32/" + m',
    '    if name not in z.namelist(): sys.exit("the wheel has no " + name)',
    '    os.makedirs(os.path.join(out, os.path.dirname(m)), exist_ok=True)',
    '    with z.open(name) as src, open(os.path.join(out, m), "wb") as dst: dst.write(src.read())',
  ].join('\n');
  const unzip = spawnSync(python, ['-c', extract, wheelPath, tmp, ...WHEEL_MEMBERS], { encoding: 'utf8' });
  if (unzip.status !== 0) {
    rmSync(tmp, { recursive: true, force: true });
    throw new Error(`unpacking ${wheel.file}: ${firstLine(unzip.stderr ?? '', [/the wheel has no/, /Error/], 'python failed')}`);
  }
  writeFileSync(join(tmp, '.complete'), wheel.sha256);
  rmSync(dir, { recursive: true, force: true });
  renameSync(tmp, dir);
  return { dir, fetched };
}

function buildWheel() {
  const { dir, fetched } = wheelFiles();
  // The addon loads the copy beside it ($ORIGIN), so neither LD_LIBRARY_PATH nor the cache is needed at run time.
  copyFileSync(join(dir, 'lib', WHEEL_LIBRARY), join(outDir, WHEEL_LIBRARY));
  const config = compile(include, {
    cflags: [`-I${join(dir, 'include')}`, '-DBLAS_SYMBOL_PREFIX=scipy_'],
    libs: [`-L${outDir}`, '-lscipy_openblas', '-Wl,-rpath,$ORIGIN'],
  }, `the ${WHEEL_PROJECT} wheel in ${rel(dir)} is incomplete`);
  return `${shortConfig(config)} from the ${WHEEL_PROJECT} wheel (${fetched})`;
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
const sources = { auto: [['system', buildSystem], ['wheel', buildWheel]], system: [['system', buildSystem]], wheel: [['wheel', buildWheel]] }[choice];
const failures = [];
for (const [name, build] of sources) {
  try {
    const used = build();
    const how = choice === 'auto' ? '' : `, DETLAB_OPENBLAS=${choice}`;
    console.log(`detlab: built ${rel(output)} with ${used}${how}, in ${seconds(started)}`);
    process.exit(0);
  } catch (err) {
    failures.push(`${sources.length > 1 ? `${name}: ` : ''}${err instanceof Error ? err.message : String(err)}`);
  }
}
skip(failures.join('; '));
