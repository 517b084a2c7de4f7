/**
 * `detlab demo` (`npm run demo`): trains the small RetinaNet-R18-FPN of
 * configs/retinanet/retinanet_r18_fpn_demo_shapes.yaml on the synthetic shapes
 * dataset (generated on first use), evaluates it, prints pycocotools' 12
 * stats, where to browse the run in MLflow and what to try next.
 */
import { dirname, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatSummary } from '../../eval/index.js';
import { formatDuration } from '../../train/progress.js';
import { runTraining } from '../../train/session.js';
import { parseCommandArgs, stringList } from '../args.js';
import { UserError, type Command } from '../command.js';

const DEMO_CONFIG = fileURLToPath(new URL('../../../../configs/retinanet/retinanet_r18_fpn_demo_shapes.yaml', import.meta.url));

const usage = `usage: detlab demo [--set KEY=VALUE]... [--work-dir DIR]

Trains a small RetinaNet-R18-FPN on the synthetic shapes dataset for a few
minutes on CPU (${DEMO_CONFIG}), evaluates it with COCO mAP and prints
the 12 stats and how to browse the run in MLflow.`;

const options = {
  set: { type: 'string', multiple: true },
  'work-dir': { type: 'string' },
} as const;

/** How to open the run: the server's UI, or `mlflow ui` on the file store. */
function browseHint(location: string, experiment: string): string[] {
  if (/^https?:\/\//.test(location)) return [`browse: ${location} (experiment '${experiment}')`];
  return [
    `browse: MLFLOW_ALLOW_FILE_STORE=true mlflow ui --backend-store-uri ${location}`,
    `        then open http://127.0.0.1:5000 (experiment '${experiment}')`,
  ];
}

/** What a new user can do with the trained detector, as commands to paste. */
function nextSteps(checkpoint: string, valImages: string): string[] {
  const config = relative(process.cwd(), DEMO_CONFIG);
  const ckpt = relative(process.cwd(), checkpoint);
  return [
    '',
    'try next (docs/inference.md):',
    `  npx detlab infer ${config} --checkpoint ${ckpt} ${relative(process.cwd(), valImages)} --out work_dirs/infer`,
    '      draws its detections on the val images, and writes them as COCO results',
    `  npx detlab data browse ${config} --out work_dirs/train_sheet.png`,
    '      shows the training images as the model sees them, boxes drawn',
    `  npx detlab export ${config} --checkpoint ${ckpt} --out work_dirs/web`,
    '      the detector in a web page: python3 -m http.server -d work_dirs/web 8000, open http://127.0.0.1:8000',
    '  the run in MLflow holds val pictures, per-class AP and a confusion matrix under artifacts images/ and eval/',
  ];
}

const demo: Command = {
  name: 'demo',
  summary: 'train and evaluate a small RetinaNet on synthetic shapes in a few minutes on CPU',
  usage,
  async run(args) {
    const { values, positionals } = parseCommandArgs(args, options, usage);
    if (positionals.length > 0) throw new UserError(`demo takes no config file (it trains ${DEMO_CONFIG})\n${usage}`);
    const started = performance.now();
    const report = await runTraining({
      configFile: DEMO_CONFIG,
      overrides: stringList(values.set),
      workDir: typeof values['work-dir'] === 'string' ? values['work-dir'] : undefined,
    });
    const seconds = (performance.now() - started) / 1000;
    if (report.evaluation === undefined) throw new UserError('the demo run ended without an evaluation');
    console.log('');
    for (const line of formatSummary(report.evaluation.result)) console.log(line);
    console.log('');
    console.log(`bbox mAP ${report.evaluation.metrics.bbox_mAP.toFixed(3)} after ${formatDuration(seconds)} (training and evaluation)`);
    console.log(`run: ${report.runDir}`);
    for (const line of browseHint(report.trackingLocation, report.experimentName)) console.log(line);
    if (report.lastCheckpoint !== undefined) for (const line of nextSteps(report.lastCheckpoint, dirname(report.evaluation.dataset.record(0).path))) console.log(line);
    return report.outcome === 'finished' ? 0 : 130;
  },
};

export default demo;
