/**
 * What a tracking server that accepts connections and never answers costs a
 * run: the delay it adds before iteration 1 (opening the run, which
 * `detlab train` awaits before its first step; the target is ≤ 1 s more than
 * the embedded FileStore) and the wait at the end (`finish`, bounded at 10 s
 * for a store that never answered). Three repetitions each, medians shown.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openRun, TRAINING_CONNECT_WAIT_MS } from '../src/track/tracker.js';

const REPS = 3;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function timeRun(uri: string, dir: string, rep: number): Promise<{ openMs: number; finishMs: number }> {
  const t0 = performance.now();
  const run = await openRun({ uri, experimentName: 'bench', runName: `r${rep}`, workDir: join(dir, `${rep}-${uri.length}`), handleSignals: false, connectWaitMs: TRAINING_CONNECT_WAIT_MS, log: () => undefined, env: {} });
  run.logMetrics(1, { loss: 1 });
  const openMs = performance.now() - t0;
  const t1 = performance.now();
  await run.finish('FINISHED');
  return { openMs, finishMs: performance.now() - t1 };
}

export default async function (): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'detlab-hung-bench-'));
  const sockets = new Set<Socket>();
  const server = createServer((s) => void sockets.add(s));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const hung = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  try {
    const before: number[] = [];
    for (const [label, uri] of [['file store', join(dir, 'mlruns')], ['hung server', hung]] as const) {
      const runs: { openMs: number; finishMs: number }[] = [];
      for (let rep = 0; rep < REPS; rep++) runs.push(await timeRun(uri, dir, rep));
      const open = median(runs.map((r) => r.openMs));
      before.push(open);
      console.log(`${label}: before iteration 1 ${open.toFixed(0)} ms (runs ${runs.map((r) => r.openMs.toFixed(0)).join(', ')}), wait at the end ${(median(runs.map((r) => r.finishMs)) / 1000).toFixed(2)} s`);
    }
    const added = before[1] - before[0];
    console.log(`a hung server adds ${added.toFixed(0)} ms before iteration 1 (target ≤ 1000 ms: ${added <= 1000 ? 'met' : 'not met'})`);
  } finally {
    for (const s of sockets) s.destroy();
    server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
