import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { test } from 'node:test';
import { Http, MlflowApiError, MlflowUnreachableError } from '../../src/track/http.js';
import { freePort } from '../helpers/mlflow_server.js';

/** A server answering with `replies` in turn (then 200 {}), recording each request. */
async function fakeServer(replies: ((req: IncomingMessage, res: ServerResponse) => void)[]) {
  const seen: { method?: string; url?: string; auth?: string; body: string }[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      seen.push({ method: req.method, url: req.url, auth: req.headers.authorization, body });
      const reply = replies.shift();
      if (reply) reply(req, res);
      else res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"ok":true}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}`, seen, close: () => new Promise<void>((r) => server.close(() => r())) };
}

const fast = { backoffMs: 5, maxBackoffMs: 20 };

test('transient statuses are retried until success; the body is sent each time', async () => {
  const srv = await fakeServer([
    (_q, s) => s.writeHead(500).end('{"error_code":"INTERNAL_ERROR","message":"db locked"}'),
    (_q, s) => s.writeHead(503).end('<html>bad gateway</html>'),
    (_q, s) => s.writeHead(429, { 'Retry-After': '0' }).end('{}'),
  ]);
  try {
    const http = new Http({ ...fast, maxRetries: 5, env: {} });
    const res = await http.request<{ ok: boolean }>({ method: 'POST', url: `${srv.url}/x`, json: { a: 1 } });
    assert.deepEqual(res, { ok: true });
    assert.equal(srv.seen.length, 4);
    assert.ok(srv.seen.every((r) => r.body === '{"a":1}'));
  } finally {
    await srv.close();
  }
});

test('client errors are not retried and carry MLflow error_code', async () => {
  const srv = await fakeServer([(_q, s) => s.writeHead(400).end('{"error_code":"INVALID_PARAMETER_VALUE","message":"bad key"}')]);
  try {
    const http = new Http({ ...fast, env: {} });
    await assert.rejects(http.request({ method: 'GET', url: `${srv.url}/y` }), (err: Error) => {
      assert.ok(err instanceof MlflowApiError);
      assert.equal(err.status, 400);
      assert.equal(err.errorCode, 'INVALID_PARAMETER_VALUE');
      assert.match(err.message, /\/y: HTTP 400 INVALID_PARAMETER_VALUE: bad key/);
      return true;
    });
    assert.equal(srv.seen.length, 1);
  } finally {
    await srv.close();
  }
});

test('retries are bounded: the last transient error is thrown', async () => {
  const srv = await fakeServer(Array.from({ length: 10 }, () => (_q: IncomingMessage, s: ServerResponse) => void s.writeHead(502).end('')));
  try {
    await assert.rejects(new Http({ ...fast, maxRetries: 2, env: {} }).request({ method: 'GET', url: srv.url }), /HTTP 502/);
    assert.equal(srv.seen.length, 3);
  } finally {
    await srv.close();
  }
});

test('refused connections and timeouts are network errors', async () => {
  const port = await freePort();
  await assert.rejects(new Http({ ...fast, maxRetries: 1, env: {} }).request({ method: 'GET', url: `http://127.0.0.1:${port}/` }), (err: Error) => {
    assert.ok(err instanceof MlflowUnreachableError);
    assert.match(err.message, /ECONNREFUSED/);
    return true;
  });
  const srv = await fakeServer([(_q, s) => void setTimeout(() => s.writeHead(200).end('{}'), 1500)]);
  try {
    await assert.rejects(new Http({ ...fast, maxRetries: 0, timeoutMs: 100, env: {} }).request({ method: 'GET', url: srv.url }), /timed out/);
  } finally {
    await srv.close();
  }
});

test('auth comes from MLFLOW_TRACKING_USERNAME/PASSWORD, else MLFLOW_TRACKING_TOKEN', async () => {
  const srv = await fakeServer([]);
  try {
    await new Http({ env: { MLFLOW_TRACKING_USERNAME: 'ann', MLFLOW_TRACKING_PASSWORD: 'pw', MLFLOW_TRACKING_TOKEN: 't' } }).request({ method: 'GET', url: srv.url });
    await new Http({ env: { MLFLOW_TRACKING_TOKEN: 'tok' } }).request({ method: 'GET', url: srv.url });
    await new Http({ env: {} }).request({ method: 'GET', url: srv.url });
    assert.deepEqual(
      srv.seen.map((r) => r.auth),
      [`Basic ${Buffer.from('ann:pw').toString('base64')}`, 'Bearer tok', undefined],
    );
  } finally {
    await srv.close();
  }
});
