import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, UserError } from '../../src/config/errors.js';
import { expandSpec, expandSpecInTurns, planningTurns } from '../../src/sweep/expand.js';
import { loadSpec } from '../../src/sweep/spec.js';
import { expandValues } from '../../src/sweep/values.js';
import { TINY_CONFIG } from './paths.js';

function withSpec<T>(text: string, fn: (file: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'detlab-spec-'));
  try {
    const file = join(dir, 'spec.yaml');
    writeFileSync(file, `base: ${TINY_CONFIG}\n${text}`);
    return fn(file);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const expand = (text: string) => withSpec(text, (file) => expandSpec(loadSpec(file)));

/** The ConfigError expanding the spec raises, its file written SPEC. */
const message = (text: string): string =>
  withSpec(text, (file) => {
    try {
      expandSpec(loadSpec(file));
    } catch (err) {
      assert.ok(err instanceof ConfigError, String(err));
      return err.message.replace(file, 'SPEC');
    }
    return assert.fail('no error');
  });

test('value helpers: log2, log10, range, linspace', () => {
  assert.deepEqual(expandValues({ log2: [-2, 2] }), [0.25, 0.5, 1, 2, 4]);
  assert.deepEqual(expandValues({ log10: [-3, -1] }), [0.001, 0.01, 0.1]);
  assert.deepEqual(expandValues({ range: [1, 7, 2] }), [1, 3, 5]);
  assert.deepEqual(expandValues({ linspace: [0, 1, 5] }), [0, 0.25, 0.5, 0.75, 1]);
});

test('grid × variants × seeds: every combination once, each with its overrides applied', () => {
  const trials = expand(`grid:
  optimizer.lr: [0.01, 0.02]
  train.max_iters: [3, 5, 7]
variants:
  baseline: {}
  wide: { model.head.feat_channels: 24 }
seeds: [0, 1]
`);
  assert.equal(trials.length, 2 * 3 * 2 * 2);
  assert.equal(new Set(trials.map((t) => t.id)).size, trials.length);
  const combos = new Set(trials.map((t) => `${t.variant}/${t.params['optimizer.lr']}/${t.params['train.max_iters']}/${t.seed}`));
  assert.equal(combos.size, 24);
  for (const t of trials) {
    const c = t.config as { optimizer: { lr: number }; train: { max_iters: number }; seed: number; model: { head: { feat_channels: number } } };
    assert.equal(c.optimizer.lr, t.params['optimizer.lr']);
    assert.equal(c.train.max_iters, t.params['train.max_iters']);
    assert.equal(c.seed, t.seed);
    assert.equal(c.model.head.feat_channels, t.variant === 'wide' ? 24 : 16);
  }
});

test('zip varies its keys together; combined with a grid it multiplies', () => {
  const trials = expand(`zip:
  optimizer.lr: [0.01, 0.02, 0.04]
  train.max_iters: [8, 4, 2]
grid:
  model.head.stacked_convs: [1, 2]
`);
  assert.equal(trials.length, 6);
  const pairs = new Set(trials.map((t) => `${t.params['optimizer.lr']}:${t.params['train.max_iters']}`));
  assert.deepEqual([...pairs].sort(), ['0.01:8', '0.02:4', '0.04:2']);
});

test('random search: N draws from a seeded generator, the same draws for the same seed, other draws for another', () => {
  const spec = (seed: number) => `random:
  trials: 5
  seed: ${seed}
  params:
    optimizer.lr: { loguniform: [0.001, 0.1] }
    model.head.stacked_convs: { choice: [1, 2, 3] }
`;
  const a = expand(spec(7));
  const b = expand(spec(7));
  const c = expand(spec(8));
  assert.equal(a.length, 5);
  assert.deepEqual(a.map((t) => t.params), b.map((t) => t.params));
  assert.notDeepEqual(a.map((t) => t.params), c.map((t) => t.params));
  for (const t of a) {
    const lr = t.params['optimizer.lr'] as number;
    assert.ok(lr >= 0.001 && lr <= 0.1, `lr ${lr} in range`);
    assert.ok([1, 2, 3].includes(t.params['model.head.stacked_convs'] as number));
  }
});

test('trial ids are stable across expansions and depend on the resolved config, not on how it was written', () => {
  const first = expand('grid: { optimizer.lr: [0.01, 0.02] }\nseeds: [0, 1]\n').map((t) => t.id);
  const again = expand('seeds: [0, 1]\ngrid: { optimizer.lr: [0.01, 0.02] }\n').map((t) => t.id);
  assert.deepEqual(new Set(again), new Set(first));
  // The base already has lr 0.01: setting it explicitly is the same trial.
  const same = expand('set: { optimizer.lr: 0.01 }\nseeds: [0]\n');
  assert.ok(first.includes(same[0].id));
  assert.match(first[0], /^[0-9a-f]{12}$/);
});

test('stages: an upstream stage shared by several downstream trials is planned once per seed and referenced by id', () => {
  const trials = expand(`stages:
  step1: { set: { train.max_iters: 2 } }
  step2: { set: { ++model.backbone.init: { checkpoint: '\${stages.step1.checkpoint}' } } }
grid:
  optimizer.lr: [0.01, 0.02, 0.04]
seeds: [0, 1]
`);
  const step1 = trials.filter((t) => t.stage === 'step1');
  const step2 = trials.filter((t) => t.stage === 'step2');
  assert.equal(step1.length, 2, 'one step1 per seed');
  assert.equal(step2.length, 6);
  for (const t of step2) {
    const up = step1.find((s) => s.seed === t.seed)!;
    assert.deepEqual(t.needs, { step1: up.id });
    assert.equal((t.config.model as { backbone: { init: { checkpoint: string } } }).backbone.init.checkpoint, `@stage:${up.id}:checkpoint@`);
  }
  assert.ok(trials.indexOf(step1[0]) < trials.indexOf(step2[0]), 'upstream trials come first');
});

test('spec errors name file:line', () => {
  assert.match(message('grid:\n  optimizer.lr: 0.01\n'), /^SPEC:3: grid\.optimizer\.lr: expected a list of values, or a helper/);
  assert.match(message('mode: biggest\n'), /^SPEC:2: mode: must be equal to one of the allowed values/);
  assert.match(message("name: '..'\n"), /^SPEC:2: name: must match pattern/, 'a name that would put the sweep outside sweeps/');
  assert.match(message('gird: {}\n'), /^SPEC:\d+: the spec: must NOT have additional properties 'gird'/);
  assert.match(message('zip: { optimizer.lr: [1, 2], train.max_iters: [1] }\n'), /^SPEC:2: zip: the lists must have one length/);
  assert.match(message('grid:\n  optimzer.lr: [0.1]\n'), /^SPEC:3: optimzer\.lr: no key optimzer in the config \(did you mean 'optimizer'\?\)/);
  assert.match(message('stages:\n  a: { set: { +x: "${stages.b.checkpoint}" } }\n  b: {}\n'), /^SPEC:3: \$\{stages\.b\.checkpoint\}: not an earlier stage/);
});

test('set: deletes a key written ~a.b, adds one written +a.b', () => {
  const [trial] = expand('set: { ~data.val: null, +model.backbone.init: { checkpoint: w.safetensors } }\n');
  assert.equal((trial.config.data as Record<string, unknown>).val, undefined);
  assert.ok((trial.config.data as Record<string, unknown>).train !== undefined);
  assert.deepEqual((trial.config.model as { backbone: { init: unknown } }).backbone.init, { checkpoint: 'w.safetensors' });
});

test('an override a trial config rejects is reported at the spec line that wrote it, wherever it was written', () => {
  const noKey = (line: number, key: string) => new RegExp(`^SPEC:${line}: ${key.replaceAll('.', '\\.')}: no key `);
  assert.match(message('set:\n  model.head.num_clases: 3\n'), noKey(3, 'model.head.num_clases'));
  assert.match(message('variants:\n  wide:\n    model.head.feat_chanels: 24\n'), noKey(4, 'model.head.feat_chanels'));
  assert.match(message('zip:\n  optimizer.lrr: [0.1, 0.2]\n'), noKey(3, 'optimizer.lrr'));
  assert.match(message('random:\n  trials: 2\n  seed: 1\n  params:\n    optimizer.lrr: { uniform: [0.1, 0.2] }\n'), noKey(6, 'optimizer.lrr'));
  assert.match(message('stages:\n  a:\n    set:\n      train.max_iter: 2\n  b: {}\n'), noKey(5, 'train.max_iter'));
  assert.match(message('stages:\n  a: {}\n  b: {}\n  c:\n    set:\n      train.max_iter: 2\n'), noKey(7, 'train.max_iter'));
});

test('three stages chain per seed; a reference inside a list is replaced; variants giving one config are one trial', () => {
  const trials = expand(`stages:
  a: { set: { train.max_iters: 2 } }
  b: { set: { train.max_iters: 3, +refs: ['\${stages.a.checkpoint}', plain] } }
  c: { set: { +from_b: '\${stages.b.checkpoint}' } }
variants:
  base: {}
  same: { optimizer.lr: 0.01 }
seeds: [0]
`);
  assert.deepEqual(trials.map((t) => t.stage), ['a', 'b', 'c']);
  const [a, b, c] = trials;
  assert.deepEqual(b.needs, { a: a.id });
  assert.deepEqual(b.config.refs, [`@stage:${a.id}:checkpoint@`, 'plain']);
  assert.deepEqual(c.needs, { b: b.id });
  assert.equal(c.config.from_b, `@stage:${b.id}:checkpoint@`);
  assert.equal(c.variant, 'base', 'the variant that sets the base value again is the same trial');
});

test('params are named by their config path, without the + or ++ of the override', () => {
  const trials = expand('grid:\n  +model.extra: [1, 2]\n  ++optimizer.lr: [0.5]\n');
  assert.deepEqual(trials.map((t) => t.params), [{ 'model.extra': 1, 'optimizer.lr': 0.5 }, { 'model.extra': 2, 'optimizer.lr': 0.5 }]);
  assert.deepEqual(trials.map((t) => (t.config.model as { extra: number }).extra), [1, 2]);
});

test('planning in turns: the event loop is given a turn every 100 trials, and an abort stops planning with exit code 130', async () => {
  let turns = 0;
  const turn = planningTurns(undefined);
  // Counts once the event loop gets a turn.
  setImmediate(() => turns++);
  for (let i = 0; i < 99; i++) await turn();
  assert.equal(turns, 0, 'no turn before the 100th trial');
  await turn();
  assert.equal(turns, 1, 'the 100th trial gives the loop a turn');
  const stop = new AbortController();
  const stopping = planningTurns(stop.signal);
  for (let i = 0; i < 100; i++) await stopping();
  stop.abort();
  for (let i = 0; i < 99; i++) await stopping();
  await assert.rejects(stopping(), (err: UserError) => err.message === 'stopped while planning the sweep; nothing was started' && err.exitCode === 130);
});

test('expanding in turns plans the same trials as at once, and an aborted signal stops it', async () => {
  const text = 'grid:\n  optimizer.lr: { linspace: [0.001, 0.1, 120] }\nseeds: [0, 1]\n';
  const [loaded, direct] = withSpec(text, (file) => [loadSpec(file), expandSpec(loadSpec(file))] as const);
  const inTurns = await expandSpecInTurns(loaded);
  assert.equal(inTurns.length, 240);
  assert.deepEqual(inTurns.map((t) => t.id), direct.map((t) => t.id));
  const stop = new AbortController();
  stop.abort();
  await assert.rejects(expandSpecInTurns(loaded, stop.signal), /stopped while planning the sweep/);
});
