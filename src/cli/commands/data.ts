/**
 * `detlab data shapes ...` writes the synthetic shapes dataset;
 * `detlab data check ...` loads a COCO annotation file and prints its counted warnings;
 * `detlab data browse ...` draws a config's dataset after its pipeline as one contact sheet.
 */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { buildDataset, type DataSplitConfig } from '../../data/build.js';
import { CocoDataset } from '../../data/coco.js';
import { loadSample } from '../../data/decode.js';
import { SampleSkip } from '../../data/errors.js';
import { DataReport } from '../../data/report.js';
import { generateShapes } from '../../data/shapes/generate.js';
import type { Transform } from '../../data/transform.js';
import { build } from '../../registry/build.js';
import { loadValidatedConfig } from '../../registry/load_validated.js';
import { browseSheet } from '../../inference/browse.js';
import { parseCommandArgs, stringList, type OptionSpecs, type ParsedArgs } from '../args.js';
import { UserError, type Command } from '../command.js';

const usage = `usage:
  detlab data shapes --out DIR [--train N] [--val M] [--size PX] [--seed S]
      Write the synthetic shapes dataset (COCO format) to DIR:
      DIR/{train,val}/*.png and DIR/annotations/{train,val}.json.
      Defaults: --train 2000 --val 200 --size 256 --seed 0.
  detlab data check ANN_FILE --img-prefix DIR [--invalid-boxes clip|drop|error] [--missing-images error|skip] [--decode]
      Load a COCO annotation file as training would, and print its counted warnings;
      --decode also decodes every image (corrupt files, sizes that differ from their record).
  detlab data browse CONFIG --out SHEET.png [--split train|val] [--n N] [--set KEY=VALUE]... [--plugin DIR]...
      Draw the first N images (default 16) of the config's data.<split> (default train) after
      their pipeline, augmentations as in the first epoch, with their ground-truth boxes, as one
      PNG contact sheet; a two-view pipeline (TwoViews) shows both views side by side.`;

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

async function browse(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, {
    out: { type: 'string' }, split: { type: 'string' }, n: { type: 'string' }, set: { type: 'string', multiple: true }, plugin: { type: 'string', multiple: true },
  });
  const configFile = positionals[0];
  if (configFile === undefined || typeof values.out !== 'string') throw new UserError(`detlab data browse: CONFIG and --out SHEET.png are required\n${usage}`);
  const split = (values.split ?? 'train') as string;
  if (split !== 'train' && split !== 'val') throw new UserError(`detlab data browse: --split must be train or val, got '${split}'`);
  const count = intFlag(values.n as string | undefined, 'n', 16);
  if (count < 1) throw new UserError('detlab data browse: --n must be at least 1');
  const v = await loadValidatedConfig(configFile, { overrides: stringList(values.set), plugins: stringList(values.plugin) });
  const config = (v.config.data as Record<string, DataSplitConfig | undefined> | undefined)?.[split];
  if (config === undefined) throw new UserError(`${v.file}: the config has no data.${split} section to browse`);
  const options = { registry: v.registry, origins: v.origins };
  const dataset = buildDataset(split, config, options);
  await dataset.prepare();
  const transforms = dataset.pipeline.map((c, i) => build<Transform>('transform', c, { ...options, path: `data.${split}.dataset.pipeline.${i}` }));
  const sheet = await browseSheet({ dataset, transforms, count, seed: typeof v.config.seed === 'number' ? v.config.seed : 0 });
  writeFileSync(values.out, sheet.png);
  for (const message of sheet.skipped) console.log(`warning: skipped ${message}`);
  console.log(`wrote ${values.out}: ${sheet.samples} images of data.${split}${sheet.views === 2 ? ' (two views each)' : ''} after the pipeline, ground truth drawn`);
  return 0;
}

const command: Command = {
  name: 'data',
  summary: 'Write the synthetic shapes dataset, check a COCO annotation file, or browse a config\'s dataset as a picture',
  usage,
  async run(args) {
    const [sub, ...rest] = args;
    if (sub === 'shapes') return shapes(rest);
    if (sub === 'check') return check(rest);
    if (sub === 'browse') return browse(rest);
    if (sub === undefined || sub === '--help' || sub === '-h') {
      console.log(usage);
      return sub === undefined ? 1 : 0;
    }
    throw new UserError(`detlab data: unknown subcommand '${sub}'\n${usage}`);
  },
};

export default command;
