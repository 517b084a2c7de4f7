/**
 * `detlab train CONFIG [--set K=V]... [--work-dir DIR] [--resume [CKPT]]`:
 * trains a config in `work_dirs/<config-name>/<run-id>/`, or continues a run.
 */
import { runTraining, type TrainOptions } from '../../train/session.js';
import { parseCommandArgs, stringList } from '../args.js';
import { UserError, type Command } from '../command.js';

const usage = `usage: detlab train CONFIG [--set KEY=VALUE]... [--work-dir DIR] [--resume [CKPT] | --fork CKPT] [--plugin DIR]...

Trains CONFIG in <work-dir>/<config name>/<run id>/ (work-dir: the config's
work_dir, else ./work_dirs): config.yaml, environment.jsonl, metrics.jsonl,
checkpoints/, eval/, and an MLflow run (MLFLOW_TRACKING_URI, else ./mlruns).

options:
  --set KEY=VALUE   override a config value (repeatable; see detlab config --help)
  --work-dir DIR    root of the run directories
  --resume [CKPT]   continue a run: from CKPT (a checkpoint directory or a run
                    directory), or without CKPT from the newest checkpoint of the
                    newest run of this config; weights, optimizer state, schedule,
                    RNG and data position are restored and metrics.jsonl continues;
                    only the run's newest checkpoint and its recorded config are
                    accepted (docs/reliability.md)
  --fork CKPT       start a new run from CKPT (a checkpoint, or a run directory's
                    newest): its full state and metrics up to it are copied, any
                    setting may change, and the new run records where it came from
  --plugin DIR      extra component folder (repeatable)

Ctrl-C stops after the current iteration and saves a checkpoint.`;

const options = {
  set: { type: 'string', multiple: true },
  'work-dir': { type: 'string' },
  resume: { type: 'boolean' },
  fork: { type: 'string' },
  plugin: { type: 'string', multiple: true },
} as const;

/** `--resume` takes an optional value: the next word unless it is an option or a YAML file (the config). */
function splitResume(args: string[]): { rest: string[]; resume?: true | string } {
  const i = args.findIndex((a) => a === '--resume' || a.startsWith('--resume='));
  if (i < 0) return { rest: args };
  const rest = [...args];
  if (args[i].startsWith('--resume=')) {
    rest.splice(i, 1);
    return { rest, resume: args[i].slice('--resume='.length) };
  }
  const next = args[i + 1];
  if (next !== undefined && !next.startsWith('-') && !/\.ya?ml$/.test(next)) {
    rest.splice(i, 2);
    return { rest, resume: next };
  }
  rest.splice(i, 1);
  return { rest, resume: true };
}

/** The TrainOptions of `detlab train` and `detlab pretrain`: one config file and the options above. */
export function trainOptionsFrom(args: string[], command: string, usageText: string): TrainOptions {
  const { rest, resume } = splitResume(args);
  const { values, positionals } = parseCommandArgs(rest, options, usageText);
  if (positionals.length !== 1) throw new UserError(`${command} takes one config file\n${usageText}`);
  return {
    configFile: positionals[0],
    overrides: stringList(values.set),
    plugins: stringList(values.plugin),
    workDir: typeof values['work-dir'] === 'string' ? values['work-dir'] : undefined,
    resume,
    fork: typeof values.fork === 'string' ? values.fork : undefined,
  };
}

const train: Command = {
  name: 'train',
  summary: 'train a config (or resume a run) with checkpoints, metrics.jsonl and MLflow tracking',
  usage,
  async run(args) {
    const report = await runTraining(trainOptionsFrom(args, 'train', usage));
    console.log(`${report.outcome === 'finished' ? 'finished' : 'stopped'}: ${report.runDir}`);
    if (report.lastCheckpoint !== undefined) console.log(`last checkpoint: ${report.lastCheckpoint}`);
    console.log(`MLflow: experiment '${report.experimentName}' in ${report.trackingLocation}`);
    return report.outcome === 'finished' ? 0 : 130;
  },
};

export default train;
