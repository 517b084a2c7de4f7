/** The EMA hook: the average a hand computation gives, evaluation on it, and exact resume. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { withModelWeights } from '../../src/nn/checkpoint_weights.js';
import { loadCheckpoint } from '../../src/train/checkpoint.js';
import { EmaHook } from '../../src/train/hooks/ema_hook.js';
import type { Hook } from '../../src/train/hooks.js';
import { buildToyRun, type ToyRun } from './toy_run.js';

const MOMENTUM = 0.9;
const WARMUP = 2;

/** Every parameter's values by name. */
function snapshot(r: ToyRun): Map<string, Float32Array> {
  return new Map(r.model.namedParameters().map(([n, p]) => [n, p.dataSync() as Float32Array]));
}

function averages(hook: EmaHook): Map<string, Float32Array> {
  return new Map([...hook.tensorState()].map(([n, t]) => [n, t.dataSync() as Float32Array]));
}

function dispose(...runs: ToyRun[]): void {
  for (const r of runs) {
    r.model.dispose();
    for (const e of r.optimizers) e.optimizer.dispose();
  }
}

test('after 3 steps the EMA equals avg ← d·avg + (1 − d)·w by hand, with d = m·(1 − exp(−t / warmup)), rounded to float32 op by op', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'detlab-ema-'));
  try {
    const ema = new EmaHook({ momentum: MOMENTUM, warmup: WARMUP });
    const weights: Map<string, Float32Array>[] = [];
    let got = new Map<string, Float32Array>();
    // Before the EMA update (priority 20): the weights of the step; after it: the average at step 3, when the run is stopped.
    const record: Hook = { name: 'weights', priority: 15, afterStep: () => void weights.push(snapshot(run)) };
    const stop: Hook = { name: 'stop', priority: 25, afterStep: (_r, s) => void (s.step === 3 && ((got = averages(ema)), run.runner.requestStop())) };
    // The toy schedule's warm-up needs more than 3 iterations; the run stops after the third.
    const run = buildToyRun({ runDir: dir, maxIters: 10, extraHooks: [ema, record, stop] });
    const initial = snapshot(run);
    await run.runner.run();
    assert.equal(weights.length, 3);
    const f = Math.fround;
    for (const [name, w0] of initial) {
      const expected = Float32Array.from(w0);
      weights.forEach((w, i) => {
        const d = MOMENTUM * (1 - Math.exp(-(i + 1) / WARMUP));
        const [a, b] = [f(d), f(1 - d)];
        const wt = w.get(name)!;
        for (let j = 0; j < expected.length; j++) expected[j] = f(f(expected[j] * a) + f(wt[j] * b));
      });
      assert.deepEqual(got.get(name), expected, name);
      assert.notDeepEqual(got.get(name), weights[2].get(name), `${name}: the average differs from the last weights`);
    }
    // Evaluation on the average sees it, and the trained weights are back afterwards.
    const seen = await ema.withAveraged(run.model, async () => snapshot(run));
    assert.deepEqual(seen, got);
    assert.deepEqual(snapshot(run), weights[2]);
    ema.dispose();
    dispose(run);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the EMA is checkpointed (hook/ema/<param> and its update count) and a resumed run continues it bit for bit', async () => {
  const dirA = mkdtempSync(join(tmpdir(), 'detlab-ema-a-'));
  const dirB = mkdtempSync(join(tmpdir(), 'detlab-ema-b-'));
  try {
    const emaA = new EmaHook({ momentum: MOMENTUM, warmup: WARMUP });
    const a = buildToyRun({ runDir: dirA, maxIters: 8, extraHooks: [emaA] });
    await a.runner.run();

    const emaB = new EmaHook({ momentum: MOMENTUM, warmup: WARMUP });
    const b = buildToyRun({ runDir: dirB, maxIters: 8, checkpointInterval: 5, extraHooks: [emaB] });
    await b.runner.run();
    const ckpt = join(dirB, 'checkpoints', 'iter_000005');
    const saved = loadCheckpoint(ckpt);
    assert.deepEqual(saved.state.hooks.ema, { updates: 5, evaluated: false });
    assert.deepEqual([...saved.tensors.keys()].filter((k) => k.startsWith('hook/ema/')).sort(), a.model.namedParameters().map(([n]) => `hook/ema/${n}`).sort());
    for (const t of saved.tensors.values()) t.dispose();

    const emaC = new EmaHook({ momentum: MOMENTUM, warmup: WARMUP });
    const c = buildToyRun({ runDir: dirB, maxIters: 8, resumeFrom: ckpt, extraHooks: [emaC] });
    await c.runner.run();
    assert.equal(c.steps[0].step, 6);
    assert.deepEqual(averages(emaC), averages(emaA), 'the resumed average equals the uninterrupted one bit for bit');
    for (const h of [emaA, emaB, emaC]) h.dispose();
    dispose(a, b, c);
  } finally {
    rmSync(dirA, { recursive: true, force: true });
    rmSync(dirB, { recursive: true, force: true });
  }
});

test('a checkpoint is read for eval, infer, export and load_from with the weights its run evaluated: the average with ema.evaluate, else the trained ones', async () => {
  for (const evaluate of [true, false]) {
    const dir = mkdtempSync(join(tmpdir(), 'detlab-ema-read-'));
    try {
      const ema = new EmaHook({ momentum: MOMENTUM, warmup: WARMUP, evaluate });
      const r = buildToyRun({ runDir: dir, maxIters: 6, checkpointInterval: 6, extraHooks: [ema] });
      await r.runner.run();
      const want = evaluate ? averages(ema) : snapshot(r);
      const other = evaluate ? snapshot(r) : averages(ema);
      withModelWeights(join(dir, 'checkpoints', 'iter_000006'), 'test', (state) => {
        for (const [name, values] of want) {
          assert.deepEqual(state.get(name)!.dataSync(), values, `evaluate: ${evaluate}: ${name}`);
          assert.notDeepEqual(state.get(name)!.dataSync(), other.get(name), `evaluate: ${evaluate}: ${name} differs between the two`);
        }
      });
      ema.dispose();
      dispose(r);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
});
