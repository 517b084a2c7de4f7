/**
 * Secrets kept out of everything detlab prints or writes: the password of
 * any URL (`redis://:PASSWORD@host`, `https://user:PASSWORD@host`) becomes
 * `***`, and so does every registered secret value (MLflow's password and
 * token variables) wherever it appears. The CLI guards stdout and stderr with
 * `redactSecrets`; messages that name a URL use `redactUrl` at the source, so
 * files (sweep.json, MLflow tags) never hold them either.
 */
const secrets = new Set<string>();

const URL_PASSWORD = /\b([a-z][a-z0-9+.-]*:\/\/[^\s:@/]*:)[^\s@/]+@/gi;

/** `url` with its password, if any, replaced by `***`. */
export function redactUrl(url: string): string {
  return url.replace(URL_PASSWORD, '$1***@');
}

/** Adds a value to hide wherever it appears (values shorter than 4 characters are too common to hide). */
export function registerSecret(value: string | undefined): void {
  if (value !== undefined && value.length >= 4) secrets.add(value);
}

/** Every URL password and registered secret of `text` replaced by `***`. */
export function redactSecrets(text: string): string {
  let out = redactUrl(text);
  for (const s of secrets) if (out.includes(s)) out = out.split(s).join('***');
  return out;
}

/** The secrets of the environment: MLflow's credentials and the password of REDIS_URL. */
export function registerEnvironmentSecrets(env: NodeJS.ProcessEnv): void {
  registerSecret(env.MLFLOW_TRACKING_PASSWORD);
  registerSecret(env.MLFLOW_TRACKING_TOKEN);
  for (const name of ['REDIS_URL', 'MLFLOW_TRACKING_URI']) {
    const password = /^[a-z][a-z0-9+.-]*:\/\/[^\s:@/]*:([^\s@/]+)@/i.exec(env[name] ?? '')?.[1];
    if (password !== undefined) {
      registerSecret(password);
      registerSecret(decodeURIComponent(password));
    }
  }
}

/** Makes every string written to `stream` go through redactSecrets. */
export function redactStream(stream: NodeJS.WriteStream): void {
  const write = stream.write.bind(stream) as (chunk: unknown, ...rest: unknown[]) => boolean;
  stream.write = ((chunk: unknown, ...rest: unknown[]) => write(typeof chunk === 'string' ? redactSecrets(chunk) : chunk, ...rest)) as typeof stream.write;
}
