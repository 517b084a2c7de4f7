// A pinned PyPI wheel's files for the install scripts (build-native.mjs, setup-tensorflow.mjs): fetched with `python3 -m pip download`, checked
// against its sha256 and partly unzipped into a cache directory. Every failure is an Error with a one-line reason.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { firstLine } from './first-line.mjs';

/** Hex sha256 of a file, read in 16 MB chunks (the tensorflow wheel is 274 MB). */
function sha256(file) {
  const hash = createHash('sha256');
  const buffer = Buffer.alloc(1 << 24);
  const fd = openSync(file, 'r');
  try {
    for (let n; (n = readSync(fd, buffer, 0, buffer.length, null)) > 0;) hash.update(buffer.subarray(0, n));
  } finally {
    closeSync(fd);
  }
  return hash.digest('hex');
}

function glibcVersion() {
  const v = process.report?.getReport?.().header?.glibcVersionRuntime;
  return typeof v === 'string' ? v.split('.').map(Number) : null;
}

/** DETLAB_PYTHON, else python3, if it has pip; else undefined. */
export function pythonWithPip() {
  const candidates = [process.env.DETLAB_PYTHON, 'python3'].filter(Boolean);
  return candidates.find((p) => spawnSync(p, ['-m', 'pip', '--version'], { stdio: 'ignore' }).status === 0);
}

/**
 * `<cache>/<wheel.file>`, downloaded with `pip download` unless a copy with the pinned sha256 is there.
 * `wheel`: project, version, file, sha256, pipArgs (the platform and interpreter selection), timeoutMs
 * (none when absent). Returns { path, downloaded, fetched } with fetched saying what it took.
 */
export function downloadWheel(python, wheel, cache, rel) {
  const { project, version } = wheel;
  mkdirSync(cache, { recursive: true });
  const path = join(cache, wheel.file);
  if (existsSync(path) && sha256(path) === wheel.sha256) return { path, downloaded: false, fetched: `wheel cached in ${rel(cache)}` };
  const t0 = performance.now();
  const tmp = join(cache, `download-${process.pid}`);
  rmSync(tmp, { recursive: true, force: true });
  const pip = spawnSync(python, [
    '-m', 'pip', 'download', '--no-deps', '--only-binary=:all:', '--disable-pip-version-check', '--progress-bar', 'off',
    ...wheel.pipArgs, '-d', tmp, `${project}==${version}`,
  ], { encoding: 'utf8', ...(wheel.timeoutMs === undefined ? {} : { timeout: wheel.timeoutMs }) });
  const text = `${pip.stdout ?? ''}${pip.stderr ?? ''}`;
  const got = join(tmp, wheel.file);
  if (pip.status !== 0 || !existsSync(got)) {
    rmSync(tmp, { recursive: true, force: true });
    const network = /Failed to establish a new connection: [^'")]*|Temporary failure in name resolution|Name or service not known|Network is unreachable|Read timed out|ConnectTimeout/i.exec(text);
    if (network) {
      const index = /Looking in indexes: (\S+)/.exec(text)?.[1] ?? 'https://pypi.org/simple';
      throw new Error(`no network: pip could not reach ${index} (${network[0].trim()})`);
    }
    const why = pip.error?.code === 'ETIMEDOUT' ? `timed out after ${wheel.timeoutMs / 1000} s`
      : pip.status === 0 ? `pip did not produce ${wheel.file}` : firstLine(text, [/^ERROR/, /error/i], `pip exited with ${pip.status}`);
    throw new Error(`pip download ${project}==${version} failed: ${why}`);
  }
  const hash = sha256(got);
  if (hash !== wheel.sha256) {
    rmSync(tmp, { recursive: true, force: true });
    throw new Error(`${wheel.file}: sha256 ${hash}, expected ${wheel.sha256}`);
  }
  renameSync(got, path);
  rmSync(tmp, { recursive: true, force: true });
  const took = `${((performance.now() - t0) / 1000).toFixed(1)} s`;
  return { path, downloaded: true, fetched: `${(statSync(path).size / 1e6).toFixed(1)} MB wheel downloaded to ${rel(cache)} in ${took}` };
}

/**
 * The members of a wheel, unpacked under `<cache>/<project>-<version>-<arch>/`, fetched and unpacked unless already
 * there. `spec`: project, version, glibc ([major, minor]), prefix (the members' folder inside the wheel), members
 * (paths under it), and per Node arch { platform, file, sha256 }. `rel` shortens paths for messages.
 * Returns { dir, fetched } with fetched saying what it took.
 */
export function unpackedWheel(spec, cache, rel) {
  const { project, version } = spec;
  const wheel = process.platform === 'linux' ? spec.wheels[process.arch] : undefined;
  if (!wheel) throw new Error(`no ${project} wheel pinned for ${process.platform}-${process.arch}`);
  const glibc = glibcVersion();
  if (!glibc) throw new Error(`the ${project} wheel needs glibc (this Node runs without it, e.g. on musl)`);
  if (glibc[0] < spec.glibc[0] || (glibc[0] === spec.glibc[0] && glibc[1] < spec.glibc[1])) {
    throw new Error(`the ${project} wheel needs glibc ≥ ${spec.glibc.join('.')}, this system has ${glibc.join('.')}`);
  }
  const dir = join(cache, `${project}-${version}-${process.arch}`);
  const stamp = join(dir, '.complete');
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === wheel.sha256) return { dir, fetched: `already unpacked in ${rel(dir)}` };

  const python = pythonWithPip();
  if (!python) throw new Error(`no python3 with pip to fetch the ${project} wheel (apt-get install python3-pip, or set DETLAB_PYTHON)`);
  const { path: wheelPath, fetched } = downloadWheel(python, {
    project, version, file: wheel.file, sha256: wheel.sha256, timeoutMs: 300_000,
    pipArgs: ['--platform', wheel.platform, '--retries', '1', '--timeout', '30'],
  }, cache, rel);

  // Only the members, into a fresh directory renamed into place when complete.
  const tmp = `${dir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  const extract = [
    'import os, shutil, sys, zipfile',
    'wheel, out, prefix, members = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]',
    'z = zipfile.ZipFile(wheel)',
    'for m in members:',
    '    name = prefix + m',
    '    if name not in z.namelist(): sys.exit("the wheel has no " + name)',
    '    os.makedirs(os.path.join(out, os.path.dirname(m)), exist_ok=True)',
    '    with z.open(name) as src, open(os.path.join(out, m), "wb") as dst: shutil.copyfileobj(src, dst, 1 << 24)',
  ].join('\n');
  const unzip = spawnSync(python, ['-c', extract, wheelPath, tmp, spec.prefix, ...spec.members], { encoding: 'utf8' });
  if (unzip.status !== 0) {
    rmSync(tmp, { recursive: true, force: true });
    throw new Error(`unpacking ${wheel.file}: ${firstLine(unzip.stderr ?? '', [/the wheel has no/, /Error/], 'python failed')}`);
  }
  writeFileSync(join(tmp, '.complete'), wheel.sha256);
  rmSync(dir, { recursive: true, force: true });
  renameSync(tmp, dir);
  return { dir, fetched };
}
