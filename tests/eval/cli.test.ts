/** `detlab eval --gt GT.json --dt RESULTS.json [--json OUT] [--per-class]`. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, test } from 'node:test';
import { vectorDir } from './paths.js';

const gtFile = resolve(vectorDir, 'instances_val2014_100.json');
const dtFile = resolve(vectorDir, 'instances_val2014_fakebbox100_results.json');
const dir = mkdtempSync(join(tmpdir(), 'detlab-eval-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const commandModule = new URL('../../src/cli/commands/eval.js', import.meta.url).href;

/**
 * Runs the command in a child process (as the dispatcher would), so its
 * stdout/stderr are its own; a UserError becomes `error: <message>` and exit 1.
 */
function run(args: string[]): { code: number; stdout: string; stderr: string } {
  const script = `
    const { default: command } = await import(${JSON.stringify(commandModule)});
    try { process.exitCode = await command.run(JSON.parse(process.argv[1])); }
    catch (e) { if (e.name !== 'UserError') throw e; process.stderr.write('error: ' + e.message + '\\n'); process.exitCode = 1; }`;
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', script, JSON.stringify(args)], { encoding: 'utf8' });
  return { code: child.status ?? -1, stdout: child.stdout, stderr: child.stderr };
}

test('prints the summary in pycocotools layout and writes the JSON report', () => {
  const jsonPath = join(dir, 'nested', 'metrics.json');
  const { code, stdout } = run(['--gt', gtFile, '--dt', dtFile, '--json', jsonPath, '--per-class']);
  assert.equal(code, 0);
  const lines = stdout.split('\n');
  assert.equal(lines[0], ' Average Precision  (AP) @[ IoU=0.50:0.95 | area=   all | maxDets=100 ] = 0.505');
  assert.equal(lines[6], ' Average Recall     (AR) @[ IoU=0.50:0.95 | area=   all | maxDets=  1 ] = 0.387');
  const printed = lines.slice(0, 12).map((l) => l.slice(-5));
  assert.deepEqual(printed, ['0.505', '0.697', '0.573', '0.586', '0.519', '0.501', '0.387', '0.594', '0.595', '0.640', '0.566', '0.564']);
  assert.match(stdout, /category +AP +AP50 +AP75 +APs +APm +APl +AR100/);
  assert.match(stdout, /\n1 person +0\.\d{3}/);
  assert.match(stdout, /evaluated 734 detections against 839 GT boxes \(100 images, 80 categories\)/);
  const report = JSON.parse(readFileSync(jsonPath, 'utf8'));
  assert.equal(report.stats.AP, 0.5045806987249628);
  assert.equal(report.stats.ARl, 0.5642905982905982);
  assert.deepEqual(report.deviations, {});
});

test('deviation flags are reported on the command line', () => {
  const { code, stdout } = run(['--gt', gtFile, '--dt', dtFile, '--honour-ignore', '--workers', '0']);
  assert.equal(code, 0);
  assert.match(stdout, /deviations from pycocotools: honourIgnoreFlag/);
});

test('usage and argument errors', () => {
  const none = run([]);
  assert.equal(none.code, 1);
  assert.match(none.stderr, /Usage: detlab eval --gt GT\.json --dt RESULTS\.json/);
  const help = run(['--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /--per-class/);
  const userError = (args: string[], pattern: RegExp) => {
    const r = run(args);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, pattern);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  };
  userError(['--gt', gtFile], /^error: detlab eval: --gt needs --dt RESULTS\.json/);
  userError(['--gt', gtFile, '--dt', dtFile, '--bogus'], /^error: detlab eval: .*bogus/);
  userError(['--gt', gtFile, '--dt', dtFile, '--max-dets', '1,x,100'], /^error: --max-dets: expected positive integers/);
  userError(['--gt', gtFile, '--dt', join(dir, 'absent.json')], /absent\.json: cannot read the COCO results file \(ENOENT\)/);
});
