#!/usr/bin/env node
// Mutation testing of the core modules with StrykerJS, module by module (see docs/mutation.md).
//   node scripts/mutation.mjs [--force] [module ...]
//   node scripts/mutation.mjs --report       (only rewrites docs/mutation.md, e.g. after editing equivalent.mjs)
// Each module is mutated, built once in Stryker's sandbox and tested with its own test files only, one mutant
// at a time (the machine is shared). Results are kept incrementally in reports/mutation/<module>.json; the
// scores of every module's last run are written to docs/mutation.md and the survivors printed.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Stryker } from '@stryker-mutator/core';
import { MODULES } from './mutation/modules.mjs';
import { describeMutant, renderMarkdown, score, summarizeModule } from './mutation/report.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const reports = join(root, 'reports', 'mutation');
const runsFile = join(reports, 'runs.json');

const args = process.argv.slice(2);
const force = args.includes('--force');
const reportOnly = args.includes('--report');
const names = args.filter((a) => a !== '--force' && a !== '--report');
const unknown = names.filter((n) => !MODULES.some((m) => m.name === n));
if (unknown.length > 0) {
  console.error(`unknown module ${unknown.join(', ')}; modules: ${MODULES.map((m) => m.name).join(', ')}`);
  process.exit(2);
}
// Modules run in the order given, so the ones that matter most finish first.
const selected = reportOnly ? [] : names.length === 0 ? MODULES : names.map((n) => MODULES.find((m) => m.name === n));
process.chdir(root);
process.env.DETLAB_ENGINE_AUTO ??= 'wasm';
mkdirSync(reports, { recursive: true });
const runs = existsSync(runsFile) ? JSON.parse(readFileSync(runsFile, 'utf8')) : {};
const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
const dirty = execFileSync('git', ['status', '--porcelain', '--', 'src', 'registry', 'tests'], { encoding: 'utf8' }).trim() !== '';

for (const mod of selected) {
  for (const t of mod.tests) {
    if (!existsSync(join(root, 'tests', `${t}.test.ts`))) throw new Error(`${mod.name}: no test file tests/${t}.test.ts`);
  }
  console.log(`\n== ${mod.name}: ${mod.mutate.join(' ')} against ${mod.tests.length} test files`);
  const started = Date.now();
  await new Stryker({
    mutate: mod.mutate,
    testRunner: 'tap',
    plugins: ['@stryker-mutator/tap-runner', join(root, 'scripts', 'mutation', 'ignore_descriptions.mjs')],
    ignorers: ['schema-descriptions'],
    tap: { testFiles: mod.tests.map((t) => `dist/tests/${t}.test.js`), forceBail: true },
    // The sandbox sits inside the project, so its compiled files resolve the project's node_modules.
    buildCommand: `node ${join(root, 'node_modules', 'typescript', 'bin', 'tsc')} -p tsconfig.json`,
    coverageAnalysis: 'perTest',
    concurrency: 1,
    incremental: true,
    incrementalFile: `reports/mutation/${mod.name}.json`,
    force,
    // The machine is shared, so a slow test is not taken for a mutant's endless loop too soon.
    timeoutMS: 20000,
    dryRunTimeoutMinutes: 15,
    ignorePatterns: ['/.cache', '/.venv', '/dist', '/native/build', '/docs', '/checkpoints', '/work_dirs', '/mlruns', '/sweeps', '/data'],
    reporters: ['progress'],
    cleanTempDir: 'always',
    logLevel: 'warn',
  }).runMutationTest();
  runs[mod.name] = { date: new Date().toISOString().slice(0, 16).replace('T', ' '), commit: dirty ? `${commit}+changes` : commit, minutes: Math.round((Date.now() - started) / 6e4) };
  writeFileSync(runsFile, JSON.stringify(runs, null, 2) + '\n');
}

const modules = MODULES.map((m) => ({ name: m.name, summary: summarizeModule(join(reports, `${m.name}.json`)) }));
writeFileSync(join(root, 'docs', 'mutation.md'), renderMarkdown(modules, runs));
for (const { name, summary } of modules) {
  if (summary === undefined || !(reportOnly || selected.some((m) => m.name === name))) continue;
  const t = summary.total;
  console.log(`\n${name}: ${score(t).toFixed(1)} % killed (${t.killed} killed, ${t.survived} survived, ${t.equivalent} equivalent)`);
  for (const f of summary.files) console.log(`  ${f.file}: ${score(f).toFixed(1)} % (${f.killed}/${f.killed + f.survived})`);
  for (const m of summary.files.flatMap((f) => f.survivors)) console.log(`  survived ${describeMutant(m)}`);
}
