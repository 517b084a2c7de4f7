/**
 * Embedded writer of MLflow's FileStore layout (`mlflow/store/tracking/file_store.py`):
 *
 *     <root>/<experiment_id>/meta.yaml
 *     <root>/<experiment_id>/<run_id>/{meta.yaml, metrics/<key>, params/<key>, tags/<key>, artifacts/}
 *
 * Metric files hold one `"<ts_ms> <value> <step>"` line per point; keys with
 * "/" become subfolders, as in MLflow. Several processes may write one store:
 * experiment folders are claimed with an atomic mkdir, metadata files are
 * replaced by rename, metric lines go through O_APPEND, run ids are uuid4 hex.
 */
import { randomBytes, randomUUID, createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { appendFile, copyFile, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parse, stringify } from 'yaml';
import { assertValidKey } from './limits.js';
import type { MetricPoint } from './metrics_log.js';
import type { Batch, CreateRunRequest, RunInfo, RunStatus, TrackingStore } from './store.js';

// RunStatus as the proto enum ints that FileStore keeps in run meta.yaml.
const STATUS_INT: Record<RunStatus, number> = { RUNNING: 1, SCHEDULED: 2, FINISHED: 3, FAILED: 4, KILLED: 5 };
const STATUS_NAME = Object.fromEntries(Object.entries(STATUS_INT).map(([k, v]) => [v, k])) as Record<number, RunStatus>;
const SOURCE_TYPE_LOCAL = 4;
const RESERVED_FOLDERS = new Set(['.trash', 'models', 'tags', 'datasets', 'traces']);

function dumpYaml(value: Record<string, unknown>): string {
  // Every string quoted, so names such as `123`, `yes` or `null` keep their type for PyYAML.
  return stringify(value, { sortMapEntries: true, defaultStringType: 'QUOTE_SINGLE', defaultKeyType: 'PLAIN' });
}

/** Replaces `file` atomically; the temporary file lives in `tmpDir`, where MLflow never looks for entities. */
async function writeAtomic(file: string, content: string, tmpDir: string): Promise<void> {
  const tmp = join(tmpDir, `.detlab-tmp-${process.pid}-${randomBytes(6).toString('hex')}`);
  await writeFile(tmp, content);
  await rename(tmp, file);
}

function isErrno(err: unknown, code: string): boolean {
  return typeof err === 'object' && err !== null && (err as NodeJS.ErrnoException).code === code;
}

/**
 * An 18-digit experiment id derived from the name. MLflow draws these at random;
 * deriving them makes two processes creating the same experiment at once pick
 * the same folder, so exactly one mkdir wins and the other adopts it.
 */
function experimentIdFor(name: string, salt = ''): string {
  const digits = BigInt(`0x${createHash('sha256').update(`${salt}${name}`).digest('hex').slice(0, 16)}`).toString();
  return `1${digits.padStart(17, '0').slice(-17)}`;
}

function formatMetricLine(p: MetricPoint): string {
  // Python's float() reads "NaN", "Infinity" and "-Infinity".
  return `${p.timestamp} ${String(p.value)} ${p.step}\n`;
}

function parseMetricLine(line: string, key: string): MetricPoint {
  const [ts, value, step] = line.trim().split(' ');
  return { key, timestamp: Number(ts), value: Number(value), step: step === undefined ? 0 : Number(step) };
}

/** The first [leaf, nested] pair of keys (`lr`, `lr/x`) among `keys` and those already under `root`. */
function keyPathClash(root: string, keys: string[]): [string, string] | undefined {
  // Missing, or under a file (ENOTDIR): nothing is there, as existsSync would say.
  const stat = (key: string) => {
    try {
      return statSync(join(root, key));
    } catch {
      return undefined;
    }
  };
  const batch = new Set(keys);
  for (const key of keys) {
    if (stat(key)?.isFile() === false) return [key, `${key}/…`];
    const parts = key.split('/');
    for (let i = 1; i < parts.length; i++) {
      const folder = parts.slice(0, i).join('/');
      if (batch.has(folder) || stat(folder)?.isFile() === true) return [folder, key];
    }
  }
  return undefined;
}

export class FileStore implements TrackingStore {
  readonly location: string;
  /** Run folders found so far (runs never move between experiments). */
  private readonly runDirs = new Map<string, string>();

  constructor(readonly root: string) {
    this.location = root;
  }

  private ensureRoot(): void {
    if (!existsSync(join(this.root, '0', 'meta.yaml'))) {
      mkdirSync(join(this.root, '0'), { recursive: true });
      this.writeExperimentMetaSync('0', 'Default');
    }
    mkdirSync(join(this.root, '.trash'), { recursive: true });
  }

  private writeExperimentMetaSync(id: string, name: string): void {
    const meta = join(this.root, id, 'meta.yaml');
    if (existsSync(meta)) return;
    const now = Date.now();
    const body = dumpYaml({
      artifact_location: pathToFileURL(join(this.root, id)).href,
      creation_time: now,
      experiment_id: id,
      last_update_time: now,
      lifecycle_stage: 'active',
      name,
    });
    const tmp = join(this.root, id, `.detlab-tmp-${process.pid}-${randomBytes(6).toString('hex')}`);
    writeFileSync(tmp, body);
    renameSync(tmp, meta);
  }

  private readExperimentMeta(dir: string): { experiment_id: string; name: string; lifecycle_stage: string } | undefined {
    const file = join(dir, 'meta.yaml');
    if (!existsSync(file)) return undefined;
    const meta = parse(readFileSync(file, 'utf8')) as Record<string, unknown> | null;
    if (meta === null || typeof meta !== 'object') return undefined;
    return { experiment_id: String(meta.experiment_id), name: String(meta.name), lifecycle_stage: String(meta.lifecycle_stage ?? 'active') };
  }

  private findExperiment(name: string, parent: string): string | undefined {
    if (!existsSync(parent)) return undefined;
    for (const entry of readdirSync(parent, { withFileTypes: true })) {
      if (!entry.isDirectory() || RESERVED_FOLDERS.has(entry.name)) continue;
      const meta = this.readExperimentMeta(join(parent, entry.name));
      if (meta?.name === name && meta.experiment_id === entry.name) return entry.name;
    }
    return undefined;
  }

  async getOrCreateExperiment(name: string): Promise<string> {
    this.ensureRoot();
    const existing = this.findExperiment(name, this.root);
    if (existing !== undefined) return existing;
    if (this.findExperiment(name, join(this.root, '.trash')) !== undefined) {
      throw new Error(`${this.root}: experiment "${name}" is deleted (in .trash); restore it with \`mlflow experiments restore\` or use another name`);
    }
    for (let attempt = 0; attempt < 5; attempt++) {
      const id = experimentIdFor(name, attempt === 0 ? '' : String(attempt));
      const dir = join(this.root, id);
      try {
        mkdirSync(dir);
        this.writeExperimentMetaSync(id, name);
        return id;
      } catch (err) {
        if (!isErrno(err, 'EEXIST')) throw err;
      }
      // Another process claimed the folder: wait for its meta.yaml, then adopt it if the name matches.
      const meta = await this.waitForMeta(dir);
      if (meta?.name === name) return id;
    }
    throw new Error(`${this.root}: could not allocate a folder for experiment "${name}"`);
  }

  private async waitForMeta(dir: string): Promise<ReturnType<FileStore['readExperimentMeta']>> {
    for (let i = 0; i < 100; i++) {
      const meta = this.readExperimentMeta(dir);
      if (meta !== undefined) return meta;
      await new Promise((r) => setTimeout(r, 50));
    }
    return undefined;
  }

  private runDir(runId: string): string {
    const known = this.runDirs.get(runId);
    if (known !== undefined) return known;
    if (!/^[a-zA-Z0-9][\w-]{0,255}$/.test(runId)) throw new Error(`invalid run id ${JSON.stringify(runId)}`);
    for (const entry of readdirSync(this.root, { withFileTypes: true })) {
      if (!entry.isDirectory() || RESERVED_FOLDERS.has(entry.name)) continue;
      const dir = join(this.root, entry.name, runId);
      if (existsSync(join(dir, 'meta.yaml'))) {
        this.runDirs.set(runId, dir);
        return dir;
      }
    }
    throw new Error(`${this.root}: no run ${runId}`);
  }

  async createRun(req: CreateRunRequest): Promise<RunInfo> {
    const runId = randomUUID().replaceAll('-', '');
    const dir = join(this.root, req.experimentId, runId);
    for (const sub of ['metrics', 'params', 'tags', 'artifacts']) await mkdir(join(dir, sub), { recursive: true });
    const artifactUri = pathToFileURL(join(dir, 'artifacts')).href;
    const tags: Record<string, string> = { ...req.tags, 'mlflow.runName': req.runName };
    for (const [k, v] of Object.entries(tags)) await this.writeTag(dir, k, v);
    await writeAtomic(
      join(dir, 'meta.yaml'),
      dumpYaml({
        artifact_uri: artifactUri,
        deleted_time: null,
        end_time: null,
        entry_point_name: '',
        experiment_id: req.experimentId,
        lifecycle_stage: 'active',
        run_id: runId,
        run_name: req.runName,
        run_uuid: runId,
        source_name: '',
        source_type: SOURCE_TYPE_LOCAL,
        source_version: '',
        start_time: req.startTime,
        status: STATUS_INT.RUNNING,
        tags: [],
        user_id: tags['mlflow.user'] ?? '',
      }),
      dir,
    );
    return { runId, experimentId: req.experimentId, runName: req.runName, status: 'RUNNING', startTime: req.startTime, artifactUri, tags, metricKeys: [] };
  }

  private async writeTag(runDir: string, key: string, value: string): Promise<void> {
    assertValidKey('tag', key);
    const file = join(runDir, 'tags', key);
    await mkdir(dirname(file), { recursive: true });
    await writeAtomic(file, value, runDir);
  }

  /** The keys under a run's `tags/`, `params/` or `metrics/` folder: a key with slashes is a nested path. */
  private keysUnder(dir: string, prefix = ''): string[] {
    if (!existsSync(dir)) return [];
    return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
      entry.isDirectory() ? this.keysUnder(join(dir, entry.name), `${prefix}${entry.name}/`) : [prefix + entry.name],
    );
  }

  private readKeyedFiles(dir: string): Record<string, string> {
    return Object.fromEntries(this.keysUnder(dir).map((key) => [key, readFileSync(join(dir, key), 'utf8')]));
  }

  private readRun(dir: string): RunInfo {
    const meta = parse(readFileSync(join(dir, 'meta.yaml'), 'utf8')) as Record<string, unknown>;
    return {
      runId: String(meta.run_id),
      experimentId: String(meta.experiment_id),
      runName: String(meta.run_name ?? ''),
      status: STATUS_NAME[Number(meta.status ?? 1)] ?? 'RUNNING',
      startTime: Number(meta.start_time),
      endTime: meta.end_time === null || meta.end_time === undefined ? undefined : Number(meta.end_time),
      artifactUri: String(meta.artifact_uri),
      tags: this.readKeyedFiles(join(dir, 'tags')),
      metricKeys: this.keysUnder(join(dir, 'metrics')),
    };
  }

  async getRun(runId: string): Promise<RunInfo> {
    return this.readRun(this.runDir(runId));
  }

  async findRunsByTag(experimentId: string, key: string, value: string): Promise<RunInfo[]> {
    const expDir = join(this.root, experimentId);
    const runs: RunInfo[] = [];
    for (const entry of readdirSync(expDir, { withFileTypes: true })) {
      if (!entry.isDirectory() || RESERVED_FOLDERS.has(entry.name)) continue;
      const dir = join(expDir, entry.name);
      const tagFile = join(dir, 'tags', key);
      if (!existsSync(join(dir, 'meta.yaml')) || !existsSync(tagFile) || readFileSync(tagFile, 'utf8') !== value) continue;
      const meta = parse(readFileSync(join(dir, 'meta.yaml'), 'utf8')) as Record<string, unknown>;
      if (meta.lifecycle_stage === 'deleted') continue;
      runs.push(this.readRun(dir));
    }
    return runs.sort((a, b) => b.startTime - a.startTime);
  }

  async logBatch(runId: string, batch: Batch): Promise<void> {
    const dir = this.runDir(runId);
    const byKey = new Map<string, string[]>();
    for (const p of batch.metrics) {
      assertValidKey('metric', p.key);
      const lines = byKey.get(p.key) ?? [];
      lines.push(formatMetricLine(p));
      byKey.set(p.key, lines);
    }
    const clash = keyPathClash(join(dir, 'metrics'), [...byKey.keys()]);
    if (clash !== undefined) {
      throw new Error(`${join(dir, 'metrics')}: metrics '${clash[0]}' and '${clash[1]}' cannot both be stored: MLflow's file store keeps a metric in a file at its key's path, so one key cannot also be the folder of another; rename one`);
    }
    for (const [key, lines] of byKey) {
      const file = join(dir, 'metrics', key);
      await mkdir(dirname(file), { recursive: true });
      await appendFile(file, lines.join(''), { flag: 'a' });
    }
    for (const [key, value] of Object.entries(batch.params)) {
      assertValidKey('param', key);
      const file = join(dir, 'params', key);
      await mkdir(dirname(file), { recursive: true });
      try {
        await writeFile(file, value, { flag: 'wx' });
      } catch (err) {
        if (!isErrno(err, 'EEXIST')) throw err;
        const old = await readFile(file, 'utf8');
        // MLflow params are immutable: the same value again is fine, a different one is an error.
        if (old !== value) throw new Error(`${file}: param "${key}" was already logged as ${JSON.stringify(old)}, cannot change it to ${JSON.stringify(value)}`);
      }
    }
    for (const [key, value] of Object.entries(batch.tags)) {
      await this.writeTag(dir, key, value);
      if (key === 'mlflow.runName') await this.updateMeta(dir, { run_name: value });
    }
  }

  private async updateMeta(dir: string, changes: Record<string, unknown>): Promise<void> {
    const meta = parse(await readFile(join(dir, 'meta.yaml'), 'utf8')) as Record<string, unknown>;
    delete meta.deleted_time;
    await writeAtomic(join(dir, 'meta.yaml'), dumpYaml({ ...meta, ...changes }), dir);
  }

  async updateRun(runId: string, status: RunStatus, endTime?: number): Promise<void> {
    await this.updateMeta(this.runDir(runId), { status: STATUS_INT[status], end_time: endTime ?? null });
  }

  async logArtifact(run: RunInfo, localPath: string, artifactPath?: string): Promise<void> {
    const dir = join(this.runDir(run.runId), 'artifacts', artifactPath ?? '');
    await mkdir(dir, { recursive: true });
    if (!statSync(localPath).isFile()) throw new Error(`${localPath}: not a file`);
    await copyFile(localPath, join(dir, basename(localPath)));
  }

  async getMetricHistory(runId: string, key: string): Promise<MetricPoint[]> {
    const file = join(this.runDir(runId), 'metrics', key);
    if (!existsSync(file)) return [];
    return (await readFile(file, 'utf8'))
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => parseMetricLine(l, key));
  }
}
