/**
 * An HTTP proxy for fault tests, in front of a real MLflow server. `fault`
 * decides per request whether to forward it, fail it with a 500 (before or
 * after the server applied it), hold it until the client times out, or reset
 * the connection; close()/reopen() make the port refuse connections. It counts
 * the metric points of log-batch requests the server accepted.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

export type Fault = 'pass' | 'fail500' | 'applied-then-500' | 'hang' | 'reset';

export interface ProxiedRequest {
  method: string;
  path: string;
  body: string;
}

export class FaultProxy {
  fault: (req: ProxiedRequest) => Fault = () => 'pass';
  /** Metric points in log-batch requests that the server answered 200. */
  acceptedPoints = 0;
  readonly log: { path: string; fault: Fault; status: number }[] = [];
  private server?: Server;
  private readonly held = new Set<ServerResponse>();

  constructor(
    private readonly upstream: string,
    readonly port: number,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async open(): Promise<void> {
    const server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((r) => server.listen(this.port, '127.0.0.1', r));
    this.server = server;
  }

  /** Stops listening and drops every connection: clients now get ECONNREFUSED. */
  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server === undefined) return;
    for (const res of this.held) res.destroy();
    this.held.clear();
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    const info = { method: req.method ?? 'GET', path: req.url ?? '/', body: body.toString() };
    const fault = this.fault(info);
    const record = (status: number): void => void this.log.push({ path: info.path, fault, status });
    if (fault === 'hang') {
      this.held.add(res);
      record(0);
      return;
    }
    if (fault === 'reset') {
      record(0);
      req.socket.destroy();
      return;
    }
    if (fault === 'fail500') {
      record(500);
      res.writeHead(500, { 'Content-Type': 'application/json' }).end('{"error_code":"INTERNAL_ERROR","message":"injected"}');
      return;
    }
    let upstream: Response;
    try {
      const headers: Record<string, string> = {};
      for (const h of ['content-type', 'authorization']) if (typeof req.headers[h] === 'string') headers[h] = req.headers[h] as string;
      upstream = await fetch(`${this.upstream}${info.path}`, { method: info.method, headers, body: info.method === 'GET' ? undefined : body });
    } catch {
      record(0);
      req.socket.destroy(); // upstream down: the client sees a network error, as it would without us
      return;
    }
    const payload = Buffer.from(await upstream.arrayBuffer());
    if (upstream.status === 200 && info.path.includes('/runs/log-batch')) {
      this.acceptedPoints += ((JSON.parse(info.body) as { metrics?: unknown[] }).metrics ?? []).length;
    }
    if (fault === 'applied-then-500') {
      record(500);
      res.writeHead(500, { 'Content-Type': 'application/json' }).end('{"error_code":"INTERNAL_ERROR","message":"injected after apply"}');
      return;
    }
    record(upstream.status);
    res.writeHead(upstream.status, { 'Content-Type': upstream.headers.get('content-type') ?? 'application/json' }).end(payload);
  }
}
