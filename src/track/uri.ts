/**
 * Where runs go, resolved as MLflow resolves its tracking URI:
 * `MLFLOW_TRACKING_URI` wins over the config's `tracking.uri`; `http(s)://`
 * means a tracking server over REST; `file:` or a plain path means an embedded
 * FileStore directory; nothing at all means `./mlruns`. Database URIs need
 * MLflow's own Python store, so they are refused with a pointer to `mlflow server`.
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export type TrackingTarget =
  | { kind: 'file'; root: string; uri: string }
  | { kind: 'rest'; baseUrl: string; uri: string };

export class TrackingUriError extends Error {
  override name = 'TrackingUriError';
}

const DATABASE_SCHEMES = ['sqlite', 'postgresql', 'postgres', 'mysql', 'mssql', 'oracle'];

/**
 * @param configUri `tracking.uri` from the config (may be undefined).
 * @param env the environment to read `MLFLOW_TRACKING_URI` from.
 * @param cwd directory that relative paths and the default `./mlruns` resolve against.
 */
export function resolveTrackingUri(configUri?: string, env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): TrackingTarget {
  const fromEnv = env.MLFLOW_TRACKING_URI?.trim();
  const source = fromEnv ? 'MLFLOW_TRACKING_URI' : 'tracking.uri';
  const uri = fromEnv || configUri?.trim() || '';
  if (uri === '') {
    const root = resolve(cwd, 'mlruns');
    return { kind: 'file', root, uri: root };
  }
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(uri)?.[1]?.toLowerCase();
  if (scheme === 'http' || scheme === 'https') {
    let url: URL;
    try {
      url = new URL(uri);
    } catch {
      throw new TrackingUriError(`${source}: ${JSON.stringify(uri)} is not a valid URL`);
    }
    // Keep a path prefix (`http://host/mlflow` → `http://host/mlflow/api/2.0/...`).
    const baseUrl = `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
    return { kind: 'rest', baseUrl, uri };
  }
  if (scheme === 'file') {
    let root: string;
    try {
      root = uri.startsWith('file://') ? fileURLToPath(uri) : decodeURIComponent(uri.slice('file:'.length));
    } catch {
      throw new TrackingUriError(`${source}: ${JSON.stringify(uri)} is not a valid file: URI (use file:///absolute/path or a plain path)`);
    }
    return { kind: 'file', root: resolve(cwd, root), uri };
  }
  const base = scheme?.split('+')[0];
  if (base !== undefined && DATABASE_SCHEMES.includes(base)) {
    throw new TrackingUriError(
      `${source}: ${JSON.stringify(uri)} is a database store, which only MLflow's Python server can write; ` +
        `run \`mlflow server --backend-store-uri ${uri} --host 127.0.0.1 --port 5000\` and set ${source}=http://127.0.0.1:5000`,
    );
  }
  if (uri === 'databricks' || base === 'databricks') {
    throw new TrackingUriError(`${source}: Databricks tracking is not supported; point it at an http(s):// MLflow server instead`);
  }
  // A one-letter "scheme" is a Windows drive letter, anything else unknown is an error, not a folder name.
  if (scheme !== undefined && scheme.length > 1) {
    throw new TrackingUriError(`${source}: unsupported tracking URI scheme "${scheme}:" in ${JSON.stringify(uri)} (use http(s)://, file: or a path)`);
  }
  const root = resolve(cwd, uri);
  return { kind: 'file', root, uri };
}
