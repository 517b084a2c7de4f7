/**
 * `detlab eval`: COCO bbox evaluation with pycocotools' numbers.
 *
 *   detlab eval --gt GT.json --dt RESULTS.json [--json OUT] [--per-class]
 *
 * evaluates a results file against a ground-truth file. The command picks its
 * form from the arguments; evaluating a trained checkpoint
 * (`detlab eval CONFIG --checkpoint CKPT`) plugs in beside the file form and
 * reuses `src/eval` the same way.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { UserError, type Command } from '../command.js';
import { evaluateCocoFiles, formatPerClass, formatSummary, jsonReport, type EvalOptions } from '../../eval/index.js';
import { evaluateCheckpoint } from '../../train/evaluate_checkpoint.js';

const usage = `Usage: detlab eval --gt GT.json --dt RESULTS.json [options]
       detlab eval CONFIG --checkpoint CKPT [--set KEY=VALUE]... [--plugin DIR]... [--json FILE] [--out FILE] [--per-class]

Evaluates COCO-format bbox results against COCO ground truth and prints the
12 stats in pycocotools' layout (the numbers equal pycocotools' bit for bit).

Options:
  --checkpoint CKPT      evaluate CONFIG's detector with these weights (a checkpoint directory or .safetensors) on its data.val
  --set KEY=VALUE        with --checkpoint: override a config value, e.g. model.head.test_cfg.score_thr=0.01 (repeatable)
  --plugin DIR           with --checkpoint: extra component folder (repeatable)
  --out FILE             with --checkpoint: write the detections as a COCO results file (scorable again with --gt/--dt)
  --gt FILE              COCO ground truth (images, categories, annotations)
  --dt FILE              COCO results: [{image_id, category_id, bbox, score}, ...]
  --json FILE            also write stats, per-class figures and PR curves as JSON
  --per-class            print a per-category table (AP, AP50, AP75, APs, APm, APl, AR)
  --max-dets A,B,C       per-image detection caps (default 1,10,100)
  --workers N            worker threads beside the main one (default: by input size; 0 = none)
  --honour-ignore        deviation: a GT with "ignore": 1 is ignored (pycocotools ignores the field)
  --ap-at-last-maxdets   deviation: stats[0] uses the largest maxDets (pycocotools: always 100)
  -h, --help             show this help`;

function parseList(text: string, flag: string): number[] {
  const values = text.split(',').map((s) => Number(s.trim()));
  if (values.some((v) => !Number.isInteger(v) || v < 1)) throw new UserError(`${flag}: expected positive integers like 1,10,100, got "${text}"`);
  return values;
}

function parseWorkers(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0) throw new UserError(`--workers: expected a non-negative integer, got "${text}"`);
  return n;
}

async function evaluateFiles(values: Record<string, string | string[] | boolean | undefined>): Promise<number> {
  const gt = values.gt as string;
  const dt = values.dt;
  if (typeof dt !== 'string') throw new UserError('detlab eval: --gt needs --dt RESULTS.json (see detlab eval --help)');
  const options: EvalOptions = {};
  if (typeof values['max-dets'] === 'string') options.maxDets = parseList(values['max-dets'], '--max-dets');
  if (typeof values.workers === 'string') options.workers = parseWorkers(values.workers);
  if (values['honour-ignore']) options.honourIgnoreFlag = true;
  if (values['ap-at-last-maxdets']) options.apAtLastMaxDets = true;

  const started = performance.now();
  const result = await evaluateCocoFiles(gt, dt, options);
  const seconds = (performance.now() - started) / 1000;
  const out: string[] = formatSummary(result);
  const deviations = Object.keys(result.deviations);
  if (deviations.length > 0) out.push(`deviations from pycocotools: ${deviations.join(', ')}`);
  if (values['per-class']) out.push('', ...formatPerClass(result));
  const c = result.counts;
  out.push('', `evaluated ${c.detections} detections against ${c.groundTruth} GT boxes (${c.images} images, ${c.categories} categories) in ${seconds.toFixed(2)} s`);

  const jsonPath = values.json;
  if (typeof jsonPath === 'string') {
    try {
      await mkdir(dirname(jsonPath), { recursive: true });
      await writeFile(jsonPath, `${JSON.stringify(jsonReport(result), null, 1)}\n`);
    } catch (err) {
      throw new UserError(`${jsonPath}: cannot write the JSON report (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
    }
    out.push(`wrote ${jsonPath}`);
  }
  process.stdout.write(`${out.join('\n')}\n`);
  return 0;
}

const command: Command = {
  name: 'eval',
  summary: 'COCO bbox evaluation (pycocotools-exact): detlab eval --gt GT.json --dt RESULTS.json',
  usage,
  async run(args: string[]): Promise<number> {
    let parsed;
    try {
      parsed = parseArgs({
        args,
        allowPositionals: true,
        strict: true,
        options: {
          gt: { type: 'string' },
          dt: { type: 'string' },
          json: { type: 'string' },
          'per-class': { type: 'boolean' },
          'max-dets': { type: 'string' },
          workers: { type: 'string' },
          'honour-ignore': { type: 'boolean' },
          'ap-at-last-maxdets': { type: 'boolean' },
          checkpoint: { type: 'string' },
          out: { type: 'string' },
          set: { type: 'string', multiple: true },
          plugin: { type: 'string', multiple: true },
          help: { type: 'boolean', short: 'h' },
        },
      });
    } catch (err) {
      throw new UserError(`detlab eval: ${err instanceof Error ? err.message : String(err)} (see detlab eval --help)`);
    }
    const { values, positionals } = parsed;
    if (values.help) {
      process.stdout.write(`${usage}\n`);
      return 0;
    }
    if ((values.set !== undefined || values.plugin !== undefined || values.out !== undefined) && typeof values.checkpoint !== 'string') {
      throw new UserError('detlab eval: --set, --plugin and --out apply to CONFIG --checkpoint CKPT (see detlab eval --help)');
    }
    if (typeof values.gt === 'string') {
      if (positionals.length > 0) throw new UserError(`detlab eval: unexpected argument "${positionals[0]}" with --gt/--dt`);
      return evaluateFiles(values);
    }
    if (typeof values.checkpoint === 'string') {
      if (positionals.length !== 1) throw new UserError('detlab eval: --checkpoint needs the CONFIG the checkpoint was trained with (see detlab eval --help)');
      const { result, detections } = await evaluateCheckpoint({ configFile: positionals[0], checkpoint: values.checkpoint, overrides: values.set, plugins: values.plugin });
      const out = formatSummary(result);
      if (values['per-class']) out.push('', ...formatPerClass(result));
      const files: Array<[string | undefined, string, string]> = [
        [values.json, JSON.stringify(jsonReport(result), null, 1), 'the JSON report'],
        [values.out, JSON.stringify(detections), 'the detections'],
      ];
      for (const [path, text, what] of files) {
        if (path === undefined) continue;
        try {
          await mkdir(dirname(path), { recursive: true });
          await writeFile(path, `${text}\n`);
        } catch (err) {
          throw new UserError(`${path}: cannot write ${what} (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
        }
        out.push(`wrote ${path}`);
      }
      process.stdout.write(`${out.join('\n')}\n`);
      return 0;
    }
    process.stderr.write(`${usage}\n`);
    return 1;
  },
};

export default command;
