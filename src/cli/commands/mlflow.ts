/**
 * `detlab mlflow sync WORK_DIR...`: delivers what tracked runs kept locally
 * (metrics.jsonl, the event spool) to their MLflow store, idempotently.
 * `detlab mlflow info [WORK_DIR]`: where runs go and how to browse them.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { readRunState, RUN_STATE_FILE } from '../../track/run_state.js';
import { syncWorkDir, type SyncReport } from '../../track/sync.js';
import { resolveTrackingUri, TrackingUriError } from '../../track/uri.js';
import { parseCommandArgs } from '../args.js';
import { UserError, type Command } from '../command.js';

const usage = `usage: detlab mlflow sync WORK_DIR... [--uri URI]
       detlab mlflow info [WORK_DIR] [--uri URI]

sync   sends every run under WORK_DIR (a run dir, or a sweep/work_dirs folder
       holding run dirs) to its MLflow store: spooled params, tags, artifacts
       and statuses, and the points of metrics.jsonl the store lacks. Running
       it again sends nothing new.
info   shows where runs are tracked (MLFLOW_TRACKING_URI, else --uri, else
       ./mlruns) and how to browse them; with WORK_DIR, that run's location.

options:
  --uri URI   sync: send to this store instead of the one the run used
              info: the config's tracking.uri`;

const options = { uri: { type: 'string' }, help: { type: 'boolean', short: 'h' } } as const;

/** Run dirs at or below `dir` (a dir holding mlflow_run.json), three levels deep at most. */
function runDirs(dir: string, depth = 3): string[] {
  if (existsSync(join(dir, RUN_STATE_FILE))) return [dir];
  if (depth === 0) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .sort((a, b) => a.name.localeCompare(b.name))
    .flatMap((e) => runDirs(join(dir, e.name), depth - 1));
}

function describe(r: SyncReport): string {
  const problems = r.problems.length === 0 ? '' : `; ${r.problems.length} event(s) refused:\n    ${r.problems.join('\n    ')}`;
  return `run ${r.runId} in ${r.location}: ${r.metricsSent} metric points sent (${r.metricsPresent} already there), ${r.eventsReplayed} events replayed${problems}`;
}

async function sync(dirs: string[], uri: string | undefined): Promise<number> {
  if (dirs.length === 0) throw new UserError(`detlab mlflow sync: give a WORK_DIR\n${usage}`);
  let failed = 0;
  for (const given of dirs) {
    const dir = resolve(given);
    if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new UserError(`${given}: no such directory`);
    const found = runDirs(dir);
    if (found.length === 0) throw new UserError(`${given}: no tracked run here (no ${RUN_STATE_FILE} in it or below)`);
    for (const runDir of found) {
      try {
        console.log(`${runDir}: ${describe(await syncWorkDir(runDir, { uri, http: { maxRetries: 3, backoffMs: 1000, timeoutMs: 60_000 } }))}`);
      } catch (err) {
        if (err instanceof TrackingUriError) throw new UserError(err.message);
        failed += 1;
        console.error(`${runDir}: not synced: ${(err as Error).message} (everything stays in the run dir; run the command again later)`);
      }
    }
  }
  return failed === 0 ? 0 : 1;
}

function info(dir: string | undefined, uri: string | undefined): number {
  let location: string;
  if (dir !== undefined) {
    const state = readRunState(resolve(dir));
    if (state === undefined) throw new UserError(`${dir}: no ${RUN_STATE_FILE}; not a tracked run dir`);
    location = state.trackingUri;
    console.log(`run ${state.runId ?? '(not created in the store yet; run detlab mlflow sync)'} of experiment "${state.experimentName}" in ${location}`);
  } else {
    let target;
    try {
      target = resolveTrackingUri(uri);
    } catch (err) {
      throw new UserError((err as Error).message);
    }
    location = target.kind === 'rest' ? target.baseUrl : target.root;
    const why = process.env.MLFLOW_TRACKING_URI ? 'MLFLOW_TRACKING_URI' : uri ? '--uri' : 'default';
    console.log(`tracking: ${target.kind === 'rest' ? 'MLflow server' : 'MLflow FileStore'} at ${location} (${why})`);
  }
  if (/^https?:/.test(location)) {
    console.log(`browse: open ${location} in a browser`);
  } else {
    console.log(`browse (MLflow >= 3.13 refuses file stores unless allowed):\n  MLFLOW_ALLOW_FILE_STORE=true mlflow ui --backend-store-uri ${location}`);
    console.log(`or convert to SQLite once:\n  mlflow migrate-filestore --source ${location} --target sqlite:///mlflow.db && mlflow ui --backend-store-uri sqlite:///mlflow.db`);
  }
  return 0;
}

const mlflow: Command = {
  name: 'mlflow',
  summary: 'MLflow tracking: sync spooled runs to their store, show where runs go',
  usage,
  async run(args: string[]): Promise<number> {
    const { values, positionals } = parseCommandArgs(args, options, usage);
    if (values.help === true) {
      console.log(usage);
      return 0;
    }
    const [sub, ...rest] = positionals;
    const uri = typeof values.uri === 'string' ? values.uri : undefined;
    if (sub === 'sync') return sync(rest, uri);
    if (sub === 'info') {
      if (rest.length > 1) throw new UserError(`detlab mlflow info takes at most one WORK_DIR\n${usage}`);
      return info(rest[0], uri);
    }
    throw new UserError(`detlab mlflow: expected "sync" or "info", got ${sub === undefined ? 'nothing' : JSON.stringify(sub)}\n${usage}`);
  },
};

export default mlflow;
