/** A trial process takes more GEMM threads when its executor grants them, and its IPC channel does not keep it alive. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { loadAddon } from '../../src/engine/native/addon.js';
import { GRANTS_ACCEPTED, THREAD_GRANT } from '../../src/train/thread_grant.js';

const CHILD = join(import.meta.dirname, 'fixtures', 'thread_grant_child.js');

test('a granted thread count is applied once the trial accepts grants, and the trial then exits on its own', async () => {
  const child = spawn(process.execPath, [CHILD], { stdio: ['ignore', 'pipe', 'inherit', 'ipc'], env: { ...process.env, OPENBLAS_NUM_THREADS: '1' } });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.on('message', (m: { type?: string }) => {
    if (m.type === GRANTS_ACCEPTED) child.send({ type: THREAD_GRANT, threads: 2 });
  });
  const started = Date.now();
  const code = await new Promise<number | null>((done) => child.on('exit', done));
  assert.equal(code, 0);
  assert.ok(Date.now() - started < 9_000, `the child stayed up ${Date.now() - started} ms: ${out}`);
  if (loadAddon().addon) {
    assert.match(out, /engine: 2 threads from here on/);
    assert.match(out, /threads 2\n/);
  } else {
    // The pure wasm kernels are single-threaded: the grant changes nothing.
    assert.doesNotMatch(out, /from here on/);
    assert.match(out, /threads 1\n/);
  }
});
