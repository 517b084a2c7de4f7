/**
 * A real `mlflow server` for integration tests: 127.0.0.1, a free port, a
 * SQLite backend and proxied artifacts in a temporary directory. It runs in
 * its own process group so stop() ends uvicorn and its workers together.
 * Start it once per test file: a fresh database takes seconds to migrate.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of live) killGroup(child, 'SIGKILL');
});

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    if (child.pid !== undefined) process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

export class MlflowServer {
  readonly dir: string;
  readonly url: string;
  private child?: ChildProcess;
  private output = '';

  private constructor(
    private readonly python: string,
    readonly port: number,
  ) {
    this.dir = mkdtempSync(join(tmpdir(), 'detlab-mlflow-'));
    this.url = `http://127.0.0.1:${port}`;
  }

  /** Starts a server with the `mlflow` CLI that sits beside `python` (from findPython(['mlflow'])). */
  static async start(python: string, port?: number): Promise<MlflowServer> {
    const server = new MlflowServer(python, port ?? (await freePort()));
    await server.launch();
    return server;
  }

  /** Starts the server again on the same port and database (after stop()). */
  async launch(timeoutMs = 90_000): Promise<void> {
    const cli = join(dirname(this.python), 'mlflow');
    this.output = '';
    const child = spawn(
      cli,
      [
        'server', '--host', '127.0.0.1', '--port', String(this.port), '--workers', '1',
        '--backend-store-uri', `sqlite:///${join(this.dir, 'mlflow.db')}`,
        '--serve-artifacts', '--artifacts-destination', join(this.dir, 'artifacts'),
      ],
      { detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, PYTHONUNBUFFERED: '1', MLFLOW_SERVER_ENABLE_JOB_EXECUTION: 'false' } },
    );
    this.child = child;
    live.add(child);
    const keep = (d: Buffer): void => void (this.output = (this.output + d.toString()).slice(-4000));
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`mlflow server exited with ${child.exitCode}:\n${this.output}`);
      try {
        const res = await fetch(`${this.url}/health`, { signal: AbortSignal.timeout(2000) });
        if (res.ok) return;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    await this.stop();
    throw new Error(`mlflow server on ${this.url} not healthy after ${timeoutMs} ms:\n${this.output}`);
  }

  /** Kills the server's process group (SIGTERM, then SIGKILL) and waits for it to exit. */
  async stop(): Promise<void> {
    const child = this.child;
    if (child === undefined) return;
    this.child = undefined;
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      killGroup(child, 'SIGTERM');
      const timer = setTimeout(() => killGroup(child, 'SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    killGroup(child, 'SIGKILL');
    live.delete(child);
  }

  async dispose(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** GET/POST against the tracking API, failing loudly on non-200. */
  async api<T>(path: string, body?: unknown): Promise<T> {
    const res = await fetch(`${this.url}/api/2.0/mlflow/${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${path}: HTTP ${res.status} ${text}`);
    return JSON.parse(text) as T;
  }
}
