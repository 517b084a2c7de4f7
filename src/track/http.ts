/**
 * The HTTP layer of the REST client: Node's fetch, MLflow's auth variables and
 * its retry policy (retry 408/429/5xx and network errors with exponential
 * backoff and jitter, honouring Retry-After), with a per-attempt timeout.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { UserError } from '../config/errors.js';

export interface HttpOptions {
  /** Retries after the first attempt (MLflow's Python client uses 7). */
  maxRetries?: number;
  /** First backoff in ms; doubles each retry. */
  backoffMs?: number;
  /** Upper bound of one backoff in ms. */
  maxBackoffMs?: number;
  /** Per-attempt timeout in ms (MLflow: 120 s). */
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
}

const RETRY_STATUSES = new Set([408, 429, 500, 502, 503, 504]);

/** A response of the server that is an error (HTTP status and MLflow's error_code when the body said so). */
export class MlflowApiError extends Error {
  override name = 'MlflowApiError';
  constructor(
    readonly url: string,
    readonly status: number,
    readonly errorCode: string,
    detail: string,
  ) {
    super(`${url}: HTTP ${status} ${errorCode}: ${detail}`);
  }
}

/** The server could not be reached (refused, reset, timed out) even after the retries. */
export class MlflowUnreachableError extends Error {
  override name = 'MlflowUnreachableError';
}

export function authHeader(env: NodeJS.ProcessEnv): string | undefined {
  const user = env.MLFLOW_TRACKING_USERNAME;
  const password = env.MLFLOW_TRACKING_PASSWORD;
  // Basic wins when both kinds are set, as in mlflow/utils/rest_utils.py.
  if (user && password) return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
  if (env.MLFLOW_TRACKING_TOKEN) return `Bearer ${env.MLFLOW_TRACKING_TOKEN}`;
  return undefined;
}

export interface RequestSpec {
  method: 'GET' | 'POST' | 'PUT';
  /** Absolute URL. */
  url: string;
  json?: unknown;
  body?: Uint8Array;
  contentType?: string;
  /** Overrides the client's retry count for this request (0: one attempt, the caller decides). */
  maxRetries?: number;
}

/** Ports the Fetch standard blocks (Node's fetch answers "bad port" without connecting), e.g. 5060 and 5061 (SIP). */
export class BlockedPortError extends UserError {
  override name = 'BlockedPortError';
}

export class Http {
  private readonly maxRetries: number;
  private readonly backoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly timeoutMs: number;
  private readonly auth?: string;
  private readonly aborted = new AbortController();

  constructor(opts: HttpOptions = {}) {
    this.maxRetries = opts.maxRetries ?? 7;
    this.backoffMs = opts.backoffMs ?? 1000;
    this.maxBackoffMs = opts.maxBackoffMs ?? 60_000;
    this.timeoutMs = opts.timeoutMs ?? 120_000;
    this.auth = authHeader(opts.env ?? process.env);
  }

  /** Sends `spec`, retrying transient failures; resolves with the parsed JSON body. */
  async request<T>(spec: RequestSpec): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      let retryAfterMs: number | undefined;
      let failure: Error;
      try {
        const res = await this.once(spec);
        const text = await res.text();
        if (res.ok) {
          if (text.trim() === '') return {} as T;
          try {
            return JSON.parse(text) as T;
          } catch {
            throw new MlflowApiError(spec.url, res.status, 'BAD_RESPONSE', `expected JSON, got ${JSON.stringify(text.slice(0, 80))}`);
          }
        }
        let code = 'HTTP_ERROR';
        let message = text.slice(0, 300);
        try {
          const body = JSON.parse(text) as { error_code?: string; message?: string };
          code = body.error_code ?? code;
          message = body.message ?? message;
        } catch {
          // proxies answer with HTML or plain text
        }
        const err = new MlflowApiError(spec.url, res.status, code, message);
        if (!RETRY_STATUSES.has(res.status)) throw err;
        const header = res.headers.get('retry-after');
        if (header !== null && /^\d+$/.test(header.trim())) retryAfterMs = Number(header) * 1000;
        failure = err;
      } catch (err) {
        if (err instanceof MlflowApiError && !RETRY_STATUSES.has(err.status)) throw err;
        if (this.aborted.signal.aborted) throw new MlflowUnreachableError(`${spec.url}: abandoned (the tracker stopped waiting)`);
        if (describeNetworkError(err) === 'bad port') {
          const port = new URL(spec.url).port;
          throw new BlockedPortError(`${spec.url}: Node's fetch refuses port ${port} (a "bad port" of the Fetch standard, reserved for other protocols); run the MLflow server on another port, e.g. 5000`);
        }
        failure = err instanceof MlflowApiError ? err : new MlflowUnreachableError(`${spec.url}: ${describeNetworkError(err)}`);
      }
      if (attempt >= (spec.maxRetries ?? this.maxRetries)) throw failure;
      const exp = Math.min(this.maxBackoffMs, this.backoffMs * 2 ** attempt);
      try {
        await sleep(Math.min(this.maxBackoffMs, Math.max(retryAfterMs ?? 0, exp * (0.5 + Math.random() * 0.5))), undefined, { signal: this.aborted.signal });
      } catch {
        throw failure;
      }
    }
  }

  /** Ends every request in flight and every wait between retries, now and later. */
  abort(): void {
    this.aborted.abort();
  }

  private once(spec: RequestSpec): Promise<Response> {
    const headers: Record<string, string> = {};
    if (this.auth !== undefined) headers.Authorization = this.auth;
    let body: string | Uint8Array | undefined;
    if (spec.json !== undefined) {
      headers['Content-Type'] = 'application/json';
      body = JSON.stringify(spec.json);
    } else if (spec.body !== undefined) {
      headers['Content-Type'] = spec.contentType ?? 'application/octet-stream';
      body = spec.body;
    }
    return fetch(spec.url, { method: spec.method, headers, body, signal: AbortSignal.any([AbortSignal.timeout(this.timeoutMs), this.aborted.signal]) });
  }
}

function describeNetworkError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  if (err.name === 'TimeoutError' || err.name === 'AbortError') return 'request timed out';
  const cause = (err as Error & { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? err.message;
}
