/**
 * `detlab pretrain CONFIG [--set K=V]... [--work-dir DIR] [--resume [CKPT]]`:
 * pretrains `pretrain.backbone` on the shapes classification task and writes
 * `<run dir>/backbone.safetensors` with torchvision's names.
 */
import { runPretraining } from '../../pretrain/session.js';
import type { Command } from '../command.js';
import { trainOptionsFrom } from './train.js';

const usage = `usage: detlab pretrain CONFIG [--set KEY=VALUE]... [--work-dir DIR] [--resume [CKPT]] [--plugin DIR]...

Pretrains the backbone of CONFIG's pretrain: section on one-shape scenes of the
shapes generator (6 classes) with a global-average-pool + fc head, in
<work-dir>/<config name>/<run id>/ like detlab train (config.yaml,
metrics.jsonl with loss, train_accuracy and val_accuracy, checkpoints/, an
MLflow run), then writes backbone.safetensors there in torchvision's names
(conv1.weight, bn1.*, layer1.0.conv1.weight, ..., fc.*): set a detector's
model.backbone.init.checkpoint to it (same depth, widths and norm).

options:
  --set KEY=VALUE   override a config value (repeatable)
  --work-dir DIR    root of the run directories
  --resume [CKPT]   continue a run from CKPT (a checkpoint or run directory), or
                    from the newest checkpoint of the newest run of this config
  --plugin DIR      extra component folder (repeatable)

Ctrl-C stops after the current iteration and saves a checkpoint.`;

const pretrain: Command = {
  name: 'pretrain',
  summary: 'pretrain a backbone on synthetic shapes classification; writes a torchvision-layout backbone.safetensors',
  usage,
  async run(args) {
    const report = await runPretraining(trainOptionsFrom(args, 'pretrain', usage));
    console.log(`${report.outcome === 'finished' ? 'finished' : 'stopped'} in ${report.seconds.toFixed(1)} s: ${report.runDir}`);
    if (report.backboneFile !== undefined) console.log(`backbone: ${report.backboneFile}`);
    return report.outcome === 'finished' ? 0 : 130;
  },
};

export default pretrain;
