#!/usr/bin/env node
// `npm run setup:tensorflow [-- --gpu]`: makes `engine.backend: tensorflow` (or tensorflow-gpu) work without
// tfjs-node's install script, which downloads libtensorflow from Google storage. Instead:
//   1. the TensorFlow C library and headers come from a PyPI TensorFlow wheel, kept in .cache/tensorflow/
//      (cpu: tensorflow-cpu, downloaded with `pip download` and partly unzipped; gpu: tensorflow[and-cuda],
//      pip-installed into a venv there so the CUDA wheels sit where TensorFlow looks for them);
//   2. @tensorflow/tfjs-node(-gpu) is installed with --no-save --ignore-scripts (package.json and the lock stay
//      as they are; a later plain `npm install` removes it again, and this command puts it back from the cache);
//   3. its binding sources are compiled with node-gyp against the local Node headers (--nodedir, no header
//      download) and the wheel's libtensorflow_cc.so.2, with a relative rpath to the cache, and the result is
//      placed where tfjs-node loads it (node-pre-gyp's module_path);
//   4. a child process loads it and runs a matmul on the 'tensorflow' backend.
// Every step is skipped when its result is already there, so a second run takes seconds. Prints one line;
// on failure one line with the reason (and the log file with the full output), and exits 1.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync, appendFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { arch, platform } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { firstLine } from './lib/first-line.mjs';
import { downloadWheel, pythonWithPip } from './lib/pypi-wheel.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const cache = join(root, '.cache', 'tensorflow');
const logFile = join(cache, 'setup.log');
const TFJS_VERSION = '4.22.0';
const TF_VERSION = '2.21.0';

const VARIANTS = {
  cpu: {
    pkg: '@tensorflow/tfjs-node',
    backend: 'tensorflow',
    // Pinned so every machine gets the same bytes; the C library does not depend on the Python tag.
    wheel: {
      project: 'tensorflow-cpu', python: '3.11', abi: 'cp311', platform: 'manylinux_2_27_x86_64',
      file: `tensorflow_cpu-${TF_VERSION}-cp311-cp311-manylinux_2_27_x86_64.whl`,
      sha256: '2b847d217b02ee7731ed91431daf3250daa0196c3c94614d23be27232e6e5b6c',
    },
  },
  gpu: { pkg: '@tensorflow/tfjs-node-gpu', backend: 'tensorflow-gpu', pipSpec: `tensorflow[and-cuda]==${TF_VERSION}` },
};
// What the binding includes (tensorflow/c/*.h and the tstring headers they pull in), as wheel paths.
const HEADER_PREFIXES = ['tensorflow/c/', 'tensorflow/core/platform/', 'tsl/platform/', 'xla/tsl/c/'];
const LIBRARIES = ['libtensorflow_cc.so.2', 'libtensorflow_framework.so.2'];

const started = performance.now();
const done = [];
let logged = false;

function fail(reason) {
  console.error(`setup:tensorflow: failed: ${reason}${logged ? ` (full output: ${relative(root, logFile)})` : ''}`);
  process.exit(1);
}

function log(text) {
  mkdirSync(cache, { recursive: true });
  if (!logged) writeFileSync(logFile, `setup:tensorflow ${new Date().toISOString()} ${process.argv.slice(2).join(' ')}\n`);
  logged = true;
  appendFileSync(logFile, text.endsWith('\n') ? text : `${text}\n`);
}

/** Runs a command, logging its output; returns its output, or fails with `why(output)`. */
function run(cmd, args, why, options = {}) {
  log(`$ ${cmd} ${args.join(' ')}`);
  const out = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 28, cwd: root, ...options });
  const text = `${out.stdout ?? ''}${out.stderr ?? ''}`;
  log(text);
  if (out.error) fail(`${cmd}: ${out.error.code === 'ENOENT' ? 'not found' : out.error.message}`);
  if (out.status !== 0) fail(why(text));
  return text;
}

function readStamp(file) {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}

function python() {
  const found = pythonWithPip();
  if (!found) fail(`no Python with pip (tried ${[process.env.DETLAB_PYTHON, 'python3'].filter(Boolean).join(', ')}); install python3-pip`);
  return found;
}

/** cpu: the pinned tensorflow-cpu wheel, unzipped to lib/ (the two libraries) and include/ (the C API headers). */
async function cpuLibrary(variant) {
  const { wheel } = variant;
  const dir = join(cache, `libtensorflow-${TF_VERSION}-cpu`);
  const stampFile = join(dir, '.complete');
  if (readStamp(stampFile) === wheel.sha256) return { lib: join(dir, 'lib'), include: join(dir, 'include'), source: `${wheel.file} (cached)` };

  let got;
  try {
    got = downloadWheel(python(), {
      project: wheel.project, version: TF_VERSION, file: wheel.file, sha256: wheel.sha256,
      pipArgs: ['--python-version', wheel.python, '--implementation', 'cp', '--abi', wheel.abi, '--platform', wheel.platform],
    }, cache, (p) => relative(root, p));
  } catch (err) {
    fail(err instanceof Error ? err.message : String(err));
  }
  const { path: wheelPath, downloaded } = got;
  if (downloaded) done.push(got.fetched);

  // Unzip only the libraries and headers, into a fresh directory renamed into place when complete.
  const t0 = performance.now();
  const tmp = `${dir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  const extract = [
    'import os, sys, zipfile',
    'wheel, out, libs, prefixes = sys.argv[1], sys.argv[2], sys.argv[3].split(","), sys.argv[4].split(",")',
    'z = zipfile.ZipFile(wheel)',
    'names = set(z.namelist())',
    'for lib in libs:',
    '    name = "tensorflow/" + lib',
    '    if name not in names: sys.exit("the wheel has no " + name)',
    '    with z.open(name) as src, open(os.path.join(out, "lib", lib), "wb") as dst:',
    '        while True:',
    '            chunk = src.read(1 << 24)',
    '            if not chunk: break',
    '            dst.write(chunk)',
    'n = 0',
    'for name in names:',
    '    rel = name[len("tensorflow/include/"):]',
    '    if name.startswith("tensorflow/include/") and not name.endswith("/") and any(rel.startswith(p) for p in prefixes):',
    '        path = os.path.join(out, "include", rel)',
    '        os.makedirs(os.path.dirname(path), exist_ok=True)',
    '        with open(path, "wb") as dst: dst.write(z.read(name))',
    '        n += 1',
    'if n == 0: sys.exit("the wheel has no tensorflow/include/tensorflow/c headers")',
  ].join('\n');
  mkdirSync(join(tmp, 'lib'), { recursive: true });
  mkdirSync(join(tmp, 'include'), { recursive: true });
  run(python(), ['-c', extract, wheelPath, tmp, LIBRARIES.join(','), HEADER_PREFIXES.join(',')],
    (out) => `unpacking ${wheel.file}: ${firstLine(out, [/the wheel has no/, /Error/], 'python failed')}`);
  writeFileSync(join(tmp, '.complete'), wheel.sha256);
  rmSync(dir, { recursive: true, force: true });
  renameSync(tmp, dir);
  done.push(`unpacked the C library in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  return { lib: join(dir, 'lib'), include: join(dir, 'include'), source: `${wheel.file}${downloaded ? '' : ' (cached)'}` };
}

/** gpu: tensorflow[and-cuda] pip-installed into a venv, so its libraries find the CUDA wheels beside them. */
function gpuLibrary(variant) {
  const venv = join(cache, 'venv-gpu');
  const py = join(venv, 'bin', 'python');
  const t0 = performance.now();
  if (!existsSync(py)) run(python(), ['-m', 'venv', venv], (out) => `python -m venv: ${firstLine(out, [/Error/], 'failed')}`);
  const where = spawnSync(py, ['-c', 'import importlib.metadata as m, tensorflow as _; print(m.version("tensorflow"))'], { encoding: 'utf8' });
  if (where.status !== 0 || where.stdout.trim() !== TF_VERSION) {
    run(py, ['-m', 'pip', 'install', '--disable-pip-version-check', '--progress-bar', 'off', variant.pipSpec],
      (out) => `pip install ${variant.pipSpec}: ${firstLine(out, [/^ERROR/, /error/i], 'pip failed')}`);
    done.push(`pip-installed ${variant.pipSpec} in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  }
  const site = run(py, ['-c', 'import sysconfig; print(sysconfig.get_paths()["purelib"])'], () => 'cannot locate the venv site-packages').trim();
  const tfDir = join(site, 'tensorflow');
  return { lib: tfDir, include: join(tfDir, 'include'), source: `${variant.pipSpec} in ${relative(root, venv)}` };
}

/** @tensorflow/tfjs-node(-gpu) in node_modules, sharing the project's @tensorflow/tfjs (one tfjs-core). */
function installPackage(variant) {
  const require = createRequire(join(root, 'package.json'));
  const installedVersion = () => {
    try {
      return JSON.parse(readFileSync(join(root, 'node_modules', variant.pkg, 'package.json'), 'utf8')).version;
    } catch {
      return null;
    }
  };
  if (installedVersion() !== TFJS_VERSION) {
    const t0 = performance.now();
    const npm = process.env.npm_execpath;
    const [cmd, pre] = npm && npm.endsWith('.js') ? [process.execPath, [npm]] : ['npm', []];
    run(cmd, [...pre, 'install', '--no-save', '--ignore-scripts', '--no-audit', '--no-fund', `${variant.pkg}@${TFJS_VERSION}`],
      (out) => `npm install ${variant.pkg}@${TFJS_VERSION}: ${firstLine(out, [/npm ERR! \w+/, /npm error/, /ERR/], 'npm failed')}`);
    if (installedVersion() !== TFJS_VERSION) fail(`npm install did not put ${variant.pkg}@${TFJS_VERSION} in node_modules`);
    done.push(`installed ${variant.pkg} in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  }
  const pkgDir = join(root, 'node_modules', variant.pkg);
  const own = require.resolve('@tensorflow/tfjs');
  const theirs = createRequire(join(pkgDir, 'package.json')).resolve('@tensorflow/tfjs');
  if (own !== theirs) fail(`${variant.pkg} resolves its own @tensorflow/tfjs (${relative(root, theirs)}), not the project's; its backend would register on another tfjs-core`);
  // Where tfjs-node's index.js looks for the binding (node-pre-gyp picks the highest napi version Node supports).
  const preGyp = createRequire(join(pkgDir, 'package.json'))('@mapbox/node-pre-gyp');
  const bindingPath = preGyp.find(join(pkgDir, 'package.json'));
  const napi = /napi-v(\d+)/.exec(bindingPath)?.[1];
  if (!napi) fail(`unexpected binding path ${bindingPath}`);
  return { pkgDir, bindingPath, napi };
}

function nodeGyp() {
  const candidates = [process.env.npm_config_node_gyp];
  if (process.env.npm_execpath) candidates.push(join(dirname(process.env.npm_execpath), '..', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'));
  const globalRoot = spawnSync('npm', ['root', '-g'], { encoding: 'utf8' }).stdout?.trim();
  if (globalRoot) candidates.push(join(globalRoot, 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'));
  const found = candidates.find((c) => c && existsSync(c));
  if (!found) fail('node-gyp not found (neither npm\'s bundled copy nor npm_config_node_gyp); npm install -g node-gyp');
  return found;
}

/** node-gyp wants a directory whose include/node holds the headers of the running Node. */
function nodeDir() {
  const candidates = [process.env.npm_config_nodedir, resolve(dirname(process.execPath), '..'), '/usr', '/usr/local'].filter(Boolean);
  const found = candidates.find((d) => existsSync(join(d, 'include', 'node', 'node_api.h')) && existsSync(join(d, 'include', 'node', 'common.gypi')));
  if (!found) fail(`Node's headers (include/node/node_api.h and common.gypi) not found under ${candidates.join(', ')}; install Node's headers or set npm_config_nodedir`);
  const versionH = readFileSync(join(found, 'include', 'node', 'node_version.h'), 'utf8');
  const v = ['MAJOR', 'MINOR', 'PATCH'].map((k) => new RegExp(`#define NODE_${k}_VERSION (\\d+)`).exec(versionH)?.[1]).join('.');
  if (v !== process.versions.node) fail(`the headers under ${found}/include/node are Node ${v}, this is Node ${process.versions.node}; set npm_config_nodedir to the matching install`);
  return found;
}

/** Compiles tfjs-node's binding/ sources into the binding, linked to the wheel's library with an rpath to it. */
function buildBinding(variant, tfLib, pkg) {
  for (const h of ['tensorflow/c/c_api.h', 'tensorflow/c/eager/c_api.h']) {
    if (!existsSync(join(tfLib.include, h))) fail(`the wheel ships no ${h} (looked in ${tfLib.include})`);
  }
  for (const l of LIBRARIES) if (!existsSync(join(tfLib.lib, l))) fail(`the wheel ships no ${l} (looked in ${tfLib.lib})`);
  const buildDir = join(cache, `build-${variant.pkg.replace('@tensorflow/', '')}-${TFJS_VERSION}-napi${pkg.napi}`);
  // $ORIGIN-relative, so the checkout can move; `\$$` is gyp/make's escape for a literal $ in the link line.
  const rpath = relative(dirname(pkg.bindingPath), tfLib.lib);
  const sources = ['tfjs_backend.cc', 'tfjs_binding.cc'].map((f) => relative(buildDir, join(pkg.pkgDir, 'binding', f)));
  const gyp = {
    targets: [{
      target_name: 'tfjs_binding',
      sources,
      include_dirs: [tfLib.include],
      defines: [`NAPI_VERSION=${pkg.napi}`],
      libraries: [`-L${tfLib.lib}`, ...LIBRARIES.map((l) => `-l:${l}`), `-Wl,-rpath,\\$$ORIGIN/${rpath}`],
    }],
  };
  const built = join(buildDir, 'build', 'Release', 'tfjs_binding.node');
  const key = JSON.stringify({ gyp, node: process.versions.node, tfLib: readStamp(join(tfLib.lib, '..', '.complete')) ?? tfLib.lib });
  const stampFile = join(buildDir, '.complete');
  let how = 'cached';
  if (readStamp(stampFile) !== key || !existsSync(built)) {
    const t0 = performance.now();
    rmSync(buildDir, { recursive: true, force: true });
    mkdirSync(buildDir, { recursive: true });
    writeFileSync(join(buildDir, 'binding.gyp'), `${JSON.stringify(gyp, null, 2)}\n`);
    const gypJs = nodeGyp();
    const why = (out) => `node-gyp: ${firstLine(out, [/undefined reference to/, /error:/, /gyp ERR! (?!stack|System|command|cwd|node -v|node-gyp -v|not ok)/], 'build failed')}`;
    run(process.execPath, [gypJs, 'configure', `--nodedir=${nodeDir()}`], why, { cwd: buildDir });
    run(process.execPath, [gypJs, 'build', '--jobs', 'max'], why, { cwd: buildDir });
    if (!existsSync(built)) fail(`node-gyp reported success but produced no ${relative(root, built)}`);
    writeFileSync(stampFile, key);
    how = `built in ${((performance.now() - t0) / 1000).toFixed(0)} s`;
    done.push(`built the binding in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  }
  const same = existsSync(pkg.bindingPath) && readFileSync(pkg.bindingPath).equals(readFileSync(built));
  if (!same) {
    mkdirSync(dirname(pkg.bindingPath), { recursive: true });
    copyFileSync(built, pkg.bindingPath);
  }
  return how;
}

/** Loads the package in a fresh Node on the project's tfjs and runs a matmul on the 'tensorflow' backend. */
function verify(variant) {
  const probe = [
    "const tf = await import('@tensorflow/tfjs');",
    `await import('${variant.pkg}');`,
    "if (!(await tf.setBackend('tensorflow'))) throw new Error('tf.setBackend(\"tensorflow\") returned false');",
    'const y = tf.matMul(tf.tensor2d([[1, 2], [3, 4]]), tf.tensor2d([[5], [6]])).dataSync();',
    "if (y[0] !== 17 || y[1] !== 39) throw new Error('matmul gave ' + Array.from(y));",
    "console.log(tf.backend().binding.TF_Version + (tf.backend().isUsingGpuDevice ? ' on the GPU' : ''));",
  ].join('\n');
  const out = spawnSync(process.execPath, ['--input-type=module', '-e', probe], { cwd: root, encoding: 'utf8', env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '2' } });
  log(`$ verify\n${out.stdout}${out.stderr}`);
  if (out.status !== 0) fail(`loading ${variant.pkg}: ${firstLine(out.stderr, [/^\w*Error: /, /Error/], `exit ${out.status}`)}`);
  return out.stdout.trim().split('\n').pop();
}

async function main() {
  const args = process.argv.slice(2);
  const unknown = args.filter((a) => a !== '--gpu');
  if (unknown.length > 0) fail(`unknown argument ${unknown[0]} (usage: npm run setup:tensorflow [-- --gpu])`);
  if (platform() !== 'linux' || arch() !== 'x64') fail(`only linux x64 is supported (this is ${platform()} ${arch()}); the TensorFlow wheels' C library is used`);
  const variant = args.includes('--gpu') ? VARIANTS.gpu : VARIANTS.cpu;
  log(`${variant.pkg}@${TFJS_VERSION}, TensorFlow ${TF_VERSION}, Node ${process.versions.node}`);
  const tfLib = variant === VARIANTS.gpu ? gpuLibrary(variant) : await cpuLibrary(variant);
  const pkg = installPackage(variant);
  const how = buildBinding(variant, tfLib, pkg);
  const tfVersion = verify(variant);
  if (variant === VARIANTS.gpu && !tfVersion.endsWith('on the GPU')) done.push('but TensorFlow sees no GPU here: it runs on the CPU (check nvidia-smi and the driver)');
  const seconds = ((performance.now() - started) / 1000).toFixed(0);
  console.log(`setup:tensorflow: ${variant.pkg}@${TFJS_VERSION} on libtensorflow ${tfVersion} from ${tfLib.source}; binding ${relative(root, pkg.bindingPath)} (${how}) → engine.backend: ${variant.backend} works; ${seconds} s${done.length ? ` (${done.join(', ')})` : ''}`);
}

await main();
