import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../../src/config/errors.js';
import { loadSpec } from '../../src/sweep/spec.js';
import { runCli } from '../cli/run_cli.js';
import { writeTree } from '../config/files.js';
import { ROOT, exitWithin, readLog, startDetlab, waitFor } from '../helpers/processes.js';
import { TINY_CONFIG } from './paths.js';

function specError(text: string): string {
  const dir = writeTree({ 'spec.yaml': `base: ${TINY_CONFIG}\n${text}` });
  try {
    loadSpec(join(dir, 'spec.yaml'));
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return err.message.replaceAll(join(dir, 'spec.yaml'), 'SPEC');
  }
  return assert.fail('no error');
}

test('value lists that give no values are errors at their line', () => {
  assert.equal(specError('grid:\n  optimizer.lr: { range: [0, 1, 0] }\n  train.max_iters: { linspace: [1, 5, -5] }\n'), [
    'SPEC:3: grid.optimizer.lr: range: the step cannot be 0',
    'SPEC:4: grid.train.max_iters: linspace: the count (third number) must be a whole number ≥ 1, got -5',
  ].join('\n'));
  assert.equal(specError('zip:\n  optimizer.lr: { range: [1, 0] }\n'), 'SPEC:3: zip.optimizer.lr: {"range":[1,0]} gives no values');
});

test('trials are counted from the list sizes before expansion: 1e9 random draws and a 10^6 grid are refused at once, at their line', () => {
  assert.equal(
    specError('random:\n  trials: 1000000000\n  params: { optimizer.lr: { uniform: [0, 1] } }\n'),
    'SPEC:3: the spec expands to 1000000000 trials in one sweep, more than the limit of 10000 (raise it with DETLAB_MAX_TRIALS=N if this is intended)',
  );
  assert.match(
    specError('grid:\n  optimizer.lr: { linspace: [0, 1, 100] }\n  optimizer.momentum: { range: [0, 1, 0.0001] }\n  seed: [1, 2]\n'),
    /^SPEC:4: the spec expands to 2000000 trials in one sweep, more than the limit of 10000/,
  );
});

test('sweep run --dry-run runs no plugin code unless --trust-plugins', async () => {
  const marker = join(writeTree({}), 'imported');
  const dir = writeTree({
    'plugin.js': `import { writeFileSync } from 'node:fs';\nwriteFileSync(${JSON.stringify(marker)}, 'imported');\n`,
    'base.yaml': `_base_: ${TINY_CONFIG}\nplugins: [./plugin.js]\n`,
    'spec.yaml': 'base: base.yaml\ngrid: { optimizer.lr: [0.01, 0.02] }\nmetric: loss\nmode: min\n',
  });
  const refused = await runCli(['sweep', 'run', join(dir, 'spec.yaml'), '--dry-run']);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /base\.yaml:2: plugins: .*plugin\.js is code, which sweep run --dry-run does not run unless told: pass --trust-plugins/);
  assert.ok(!existsSync(marker));
  const trusted = await runCli(['sweep', 'run', join(dir, 'spec.yaml'), '--dry-run', '--trust-plugins']);
  assert.equal(trusted.code, 0, trusted.stderr);
  assert.match(trusted.stdout, /: 2 trials/);
  assert.ok(existsSync(marker));
});

/** CPU seconds a process has used (user + system), from /proc. */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

test('SIGTERM while a large sweep is being planned stops it within seconds', async () => {
  const dir = writeTree({});
  const spec = join(dir, 'spec.yaml');
  // 10^6 trials (the limit raised): planning them takes far longer than this test on any machine.
  writeFileSync(spec, `base: ${TINY_CONFIG}\ngrid:\n  optimizer.lr: { linspace: [0.001, 0.01, 1000] }\n  optimizer.momentum: { linspace: [0.8, 0.99, 1000] }\nmetric: loss\nmode: min\n`);
  const log = join(dir, 'log');
  const p = startDetlab(['sweep', 'run', spec, '--dry-run'], { cwd: ROOT, env: { DETLAB_MAX_TRIALS: '1000000' }, log });
  // The signal comes once the process is planning: past its start-up's CPU time, however loaded the machine.
  await waitFor('the process to use 6 s of CPU', 120_000, () => p.child.exitCode === null && cpuSeconds(p.child.pid!) >= 6);
  const t0 = performance.now();
  p.child.kill('SIGTERM');
  const code = await exitWithin(p, 10_000);
  assert.equal(code, 130, readLog(log));
  assert.match(readLog(log), /stopped while planning the sweep; nothing was started/);
  assert.ok(performance.now() - t0 < 10_000);
});
