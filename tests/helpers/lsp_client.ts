/**
 * A minimal Language Server Protocol client over stdio (JSON-RPC with
 * Content-Length framing), enough to open a document in yaml-language-server
 * and read what an editor would show: its diagnostics and completions.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';

type Message = { id?: number; method?: string; params?: unknown; result?: unknown; error?: { message: string } };

export class LspClient {
  private readonly child: ChildProcessWithoutNullStreams;
  private buffer = Buffer.alloc(0);
  private nextId = 1;
  private readonly pending = new Map<number, (m: Message) => void>();
  private readonly listeners: ((m: Message) => void)[] = [];

  /** Starts the server; `settings` answers its `workspace/configuration` requests by section. */
  constructor(command: string, args: string[], private readonly settings: Record<string, unknown>) {
    this.child = spawn(command, args, { stdio: 'pipe' });
    this.child.stdout.on('data', (chunk: Buffer) => this.receive(chunk));
  }

  request<T>(method: string, params: unknown): Promise<T> {
    const id = this.nextId++;
    this.send({ id, method, params });
    return new Promise((resolve, reject) => {
      this.pending.set(id, (m) => (m.error === undefined ? resolve(m.result as T) : reject(new Error(`${method}: ${m.error.message}`))));
    });
  }

  notify(method: string, params: unknown): void {
    this.send({ method, params });
  }

  /** The params of the first notification `method` from the server for which `accept` holds. */
  waitFor<T>(method: string, accept: (params: T) => boolean): Promise<T> {
    return new Promise((resolve) => {
      const listener = (m: Message): void => {
        if (m.method !== method || !accept(m.params as T)) return;
        this.listeners.splice(this.listeners.indexOf(listener), 1);
        resolve(m.params as T);
      };
      this.listeners.push(listener);
    });
  }

  async close(): Promise<void> {
    await this.request('shutdown', null);
    this.notify('exit', null);
    await new Promise((resolve) => this.child.once('exit', resolve));
  }

  private send(message: Message): void {
    const body = JSON.stringify({ jsonrpc: '2.0', ...message });
    this.child.stdin.write(`Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
  }

  private receive(chunk: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    for (;;) {
      const end = this.buffer.indexOf('\r\n\r\n');
      if (end < 0) return;
      const length = Number(/Content-Length: (\d+)/i.exec(this.buffer.subarray(0, end).toString())?.[1]);
      if (this.buffer.length < end + 4 + length) return;
      const message = JSON.parse(this.buffer.subarray(end + 4, end + 4 + length).toString()) as Message;
      this.buffer = this.buffer.subarray(end + 4 + length);
      this.dispatch(message);
    }
  }

  private dispatch(m: Message): void {
    if (m.method === undefined && m.id !== undefined) {
      this.pending.get(m.id)?.(m);
      this.pending.delete(m.id);
    } else if (m.method === 'workspace/configuration' && m.id !== undefined) {
      const { items } = m.params as { items: { section?: string }[] };
      this.send({ id: m.id, result: items.map((i) => this.settings[i.section ?? ''] ?? null) });
    } else if (m.id !== undefined) {
      this.send({ id: m.id, result: null });
    } else {
      for (const listener of [...this.listeners]) listener(m);
    }
  }
}
