/**
 * `detlab data shapes ...` writes the synthetic shapes dataset;
 * `detlab data check ...` loads a COCO annotation file and prints its counted warnings.
 */
import { resolve } from 'node:path';
import { CocoDataset } from '../../data/coco.js';
import { loadSample } from '../../data/decode.js';
import { SampleSkip } from '../../data/errors.js';
import { DataReport } from '../../data/report.js';
import { generateShapes } from '../../data/shapes/generate.js';
import { parseCommandArgs, type OptionSpecs, type ParsedArgs } from '../args.js';
import { UserError, type Command } from '../command.js';

const usage = `usage:
  detlab data shapes --out DIR [--train N] [--val M] [--size PX] [--seed S]
      Write the synthetic shapes dataset (COCO format) to DIR:
      DIR/{train,val}/*.png and DIR/annotations/{train,val}.json.
      Defaults: --train 2000 --val 200 --size 256 --seed 0.
  detlab data check ANN_FILE --img-prefix DIR [--invalid-boxes clip|drop|error] [--missing-images error|skip] [--decode]
      Load a COCO annotation file as training would, and print its counted warnings;
      --decode also decodes every image (corrupt files, sizes that differ from their record).`;

function intFlag(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new UserError(`detlab data: --${name} must be a non-negative integer, got '${value}'`);
  return n;
}

function parse(args: string[], options: OptionSpecs): ParsedArgs {
  return parseCommandArgs(args, options, usage);
}

async function shapes(args: string[]): Promise<number> {
  const { values } = parse(args, {
    out: { type: 'string' }, train: { type: 'string' }, val: { type: 'string' }, size: { type: 'string' }, seed: { type: 'string' },
  });
  if (typeof values.out !== 'string') throw new UserError(`detlab data shapes: --out DIR is required\n${usage}`);
  const params = {
    numTrain: intFlag(values.train as string | undefined, 'train', 2000),
    numVal: intFlag(values.val as string | undefined, 'val', 200),
    size: intFlag(values.size as string | undefined, 'size', 256),
    seed: intFlag(values.seed as string | undefined, 'seed', 0),
  };
  if (params.size < 32) throw new UserError(`detlab data shapes: --size must be at least 32, got ${params.size}`);
  const out = resolve(values.out);
  const start = performance.now();
  await generateShapes(out, params);
  console.log(`wrote ${params.numTrain} train + ${params.numVal} val images (${params.size}px, seed ${params.seed}) to ${out} in ${((performance.now() - start) / 1000).toFixed(1)} s`);
  return 0;
}

async function check(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, {
    'img-prefix': { type: 'string' }, 'invalid-boxes': { type: 'string' }, 'missing-images': { type: 'string' }, decode: { type: 'boolean' },
  });
  const annFile = positionals[0];
  if (annFile === undefined || typeof values['img-prefix'] !== 'string') throw new UserError(`detlab data check: ANN_FILE and --img-prefix are required\n${usage}`);
  const invalidBoxes = (values['invalid-boxes'] ?? 'clip') as string;
  const missingImages = (values['missing-images'] ?? 'error') as string;
  if (!['clip', 'drop', 'error'].includes(invalidBoxes)) throw new UserError(`detlab data check: --invalid-boxes must be clip, drop or error, got '${invalidBoxes}'`);
  if (!['error', 'skip'].includes(missingImages)) throw new UserError(`detlab data check: --missing-images must be error or skip, got '${missingImages}'`);
  const dataset = new CocoDataset({
    annFile,
    imgPrefix: values['img-prefix'],
    filterEmptyGt: false,
    invalidBoxes: invalidBoxes as 'clip' | 'drop' | 'error',
    missingImages: missingImages as 'error' | 'skip',
    pipeline: [],
  });
  dataset.load();
  const gt = dataset.cocoGt();
  console.log(`${annFile}: ${dataset.length} images, ${gt.annotations.length} annotations, ${dataset.classes.length} classes`);
  for (const line of dataset.report.lines()) console.log(`warning: ${line}`);
  if (values.decode === true) {
    const decoding = new DataReport(`${annFile} (decoding)`);
    for (let i = 0; i < dataset.length; i += 1) {
      try {
        await loadSample(dataset.record(i));
      } catch (err) {
        if (!(err instanceof SampleSkip)) throw err;
        decoding.add(err.kind, err.message);
      }
    }
    console.log(`decoded ${dataset.length} images: ${decoding.total} would be skipped during training`);
    for (const line of decoding.lines()) console.log(`warning: ${line}`);
  }
  return 0;
}

const command: Command = {
  name: 'data',
  summary: 'Write the synthetic shapes dataset, or check a COCO annotation file',
  usage,
  async run(args) {
    const [sub, ...rest] = args;
    if (sub === 'shapes') return shapes(rest);
    if (sub === 'check') return check(rest);
    if (sub === undefined || sub === '--help' || sub === '-h') {
      console.log(usage);
      return sub === undefined ? 1 : 0;
    }
    throw new UserError(`detlab data: unknown subcommand '${sub}'\n${usage}`);
  },
};

export default command;
