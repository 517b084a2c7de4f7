/** `detlab infer CONFIG --checkpoint CKPT IMAGE|DIR... --out DIR`: detections drawn on images, and one COCO results file. */
import { resolve } from 'node:path';
import { imageFiles } from '../../inference/image_files.js';
import { runInference } from '../../inference/infer.js';
import { parseCommandArgs, stringList } from '../args.js';
import { UserError, type Command } from '../command.js';
import { onInterrupt } from '../../train/interrupt.js';

const usage = `usage: detlab infer CONFIG --checkpoint CKPT IMAGE|DIR... --out DIR [--score-thr T] [--batch N] [--set KEY=VALUE]... [--plugin DIR]...

Runs CONFIG's detector with the CKPT weights (a checkpoint directory or a
.safetensors file) on images (a folder: its image files, sorted) and writes
  DIR/<image>.png    the image with its detections drawn: a colour per class, class name and score
                     (images under 256 px are enlarged by a whole factor so captions stay readable)
  DIR/results.json   every detection in COCO results format [{image_id, category_id, bbox, score}]
  DIR/images.json    the image ids used there; an image of the config's data.val keeps its COCO id,
                     so results.json evaluates with \`detlab eval --gt ANN --dt DIR/results.json\`
Class names and the test pipeline come from the config's data.val.

Options:
  --score-thr T      keep detections scoring at least T (default 0.3)
  --batch N          images per forward pass (default 1)
A file that cannot be decoded is skipped and counted; what was written before
an error or Ctrl-C stays.`;

const options = {
  checkpoint: { type: 'string' },
  out: { type: 'string' },
  'score-thr': { type: 'string' },
  batch: { type: 'string' },
  set: { type: 'string', multiple: true },
  plugin: { type: 'string', multiple: true },
} as const;

function numberFlag(value: unknown, flag: string, fallback: number, check: (n: number) => boolean, expected: string): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!check(n)) throw new UserError(`detlab infer: --${flag} must be ${expected}, got '${String(value)}'`);
  return n;
}

const command: Command = {
  name: 'infer',
  summary: 'run a trained detector on images: each drawn with its detections, plus one COCO results file',
  usage,
  async run(args) {
    const { values, positionals } = parseCommandArgs(args, options, usage);
    const [configFile, ...inputs] = positionals;
    if (configFile === undefined || inputs.length === 0) throw new UserError(`detlab infer: CONFIG and at least one IMAGE or DIR are required\n${usage}`);
    if (typeof values.checkpoint !== 'string') throw new UserError(`detlab infer: --checkpoint CKPT is required\n${usage}`);
    if (typeof values.out !== 'string') throw new UserError(`detlab infer: --out DIR is required\n${usage}`);
    const scoreThr = numberFlag(values['score-thr'], 'score-thr', 0.3, (n) => n >= 0 && n <= 1, 'a number in [0, 1]');
    const batchSize = numberFlag(values.batch, 'batch', 1, (n) => Number.isInteger(n) && n >= 1, 'a positive integer');
    const { files, notImages } = imageFiles(inputs);
    let stop = false;
    const removeInterrupt = onInterrupt(() => (stop = true), 'stopping after this batch (what was inferred is written)');
    const started = performance.now();
    try {
      const report = await runInference({
        configFile,
        checkpoint: values.checkpoint,
        overrides: stringList(values.set),
        plugins: stringList(values.plugin),
        scoreThr,
        files,
        out: resolve(values.out),
        batchSize,
        stopRequested: () => stop,
      });
      const seconds = (performance.now() - started) / 1000;
      if (notImages.length > 0) console.log(`warning: left out ${notImages.length} files without an image extension (e.g. ${notImages[0]})`);
      for (const line of report.skipped.lines()) console.log(`warning: ${line}`);
      console.log(`${report.images} images, ${report.detections} detections with score >= ${scoreThr} in ${seconds.toFixed(1)} s: ${resolve(values.out)} (results.json, images.json, one PNG per image)`);
      if (stop) return 130;
      return report.images === 0 ? 1 : 0;
    } finally {
      removeInterrupt();
    }
  },
};

export default command;
