/**
 * A real `redis-server` for integration tests: 127.0.0.1, a free port, a
 * temporary directory, append-only-file persistence (fsync on every write,
 * so even a SIGKILL loses nothing) and `maxmemory-policy noeviction`, as
 * BullMQ requires. stop() and start() again keep the port and the data.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './mlflow_server.js';

const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

/** One PING over a raw socket: true on +PONG. */
function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.on('error', () => done(false));
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (d) => done(d.toString().startsWith('+PONG')));
  });
}

export class RedisServer {
  readonly dir: string;
  readonly url: string;
  private child?: ChildProcess;
  private output = '';

  private constructor(readonly port: number) {
    this.dir = mkdtempSync(join(tmpdir(), 'detlab-redis-'));
    this.url = `redis://127.0.0.1:${port}`;
  }

  static async start(): Promise<RedisServer> {
    const server = new RedisServer(await freePort());
    await server.launch();
    return server;
  }

  /** Starts the server (again) on the same port and data directory. */
  async launch(timeoutMs = 20_000): Promise<void> {
    this.output = '';
    const args = [
      '--bind', '127.0.0.1', '--port', String(this.port), '--dir', this.dir, '--save', '',
      '--appendonly', 'yes', '--appendfsync', 'always', '--maxmemory-policy', 'noeviction',
      '--protected-mode', 'no', '--daemonize', 'no',
    ];
    const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    live.add(child);
    const keep = (d: Buffer): void => void (this.output = (this.output + d.toString()).slice(-4000));
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    const spawned = await new Promise<Error | undefined>((resolve) => {
      child.once('spawn', () => resolve(undefined));
      child.once('error', resolve);
    });
    if (spawned !== undefined) throw new Error(`redis-server could not start (${spawned.message}); install the Debian package redis-server`);
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`redis-server exited with ${child.exitCode}:\n${this.output}`);
      if (await ping(this.port)) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    await this.stop('SIGKILL');
    throw new Error(`redis-server on ${this.url} did not answer PING within ${timeoutMs} ms:\n${this.output}`);
  }

  /** Stops the server: SIGTERM shuts down cleanly, SIGKILL is a crash. Waits for the exit. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const child = this.child;
    if (child === undefined) return;
    this.child = undefined;
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    live.delete(child);
  }

  async restart(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    await this.stop(signal);
    await this.launch();
  }

  async dispose(): Promise<void> {
    await this.stop('SIGKILL');
    rmSync(this.dir, { recursive: true, force: true });
  }
}
