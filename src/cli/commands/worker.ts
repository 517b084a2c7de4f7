/**
 * `detlab worker --redis URL [--concurrency N]`: runs sweep trials queued on
 * Redis by `detlab sweep run SPEC --executor bullmq`, on this machine, until
 * stopped.
 */
import { startWorker } from '../../sweep/bullmq/worker.js';
import { parseCommandArgs } from '../args.js';
import { UserError, type Command } from '../command.js';
import { onInterrupt } from '../../train/interrupt.js';

const usage = `usage: detlab worker [--redis URL] [--concurrency N] [--cores N] [--work-dir-root DIR]
                     [--lock-duration MS] [--stalled-interval MS]

Takes sweep trials from Redis (queued by detlab sweep run SPEC --executor bullmq)
and trains each as a child process, with cores / concurrency threads. Start as
many workers on as many machines as you like; see docs/distributed.md.
Ctrl-C or SIGTERM stops the running trials (each saves a checkpoint) and gives
them back to the queue. A killed worker's trials are taken by another worker
once their lock expires, and resume from their last checkpoint when the sweep
directory is shared (the same path, or --work-dir-root), else start again.

options:
  --redis URL            redis://[user:password@]HOST:PORT[/DB] of the queue (default:
                         the REDIS_URL variable, which keeps a password out of the
                         process list; passwords are printed as ***)
  --concurrency N        trials at once (default 1)
  --cores N              cores this worker may use (default: all of this machine)
  --work-dir-root DIR    keep sweep directories in DIR/<sweep>/<sweep dir name>
                         instead of the path the sweep was started with
  --lock-duration MS     how long a trial's lock lasts without renewal (default 30000):
                         a crashed worker's trial is taken over after about this long
  --stalled-interval MS  how often to look for trials of crashed workers (default 30000)`;

const options = {
  redis: { type: 'string' },
  concurrency: { type: 'string' },
  cores: { type: 'string' },
  'work-dir-root': { type: 'string' },
  'lock-duration': { type: 'string' },
  'stalled-interval': { type: 'string' },
} as const;

function positiveInt(values: Record<string, unknown>, name: string): number | undefined {
  const text = values[name];
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new UserError(`--${name}: expected a whole number ≥ 1, got '${String(text)}'`);
  return n;
}

const worker: Command = {
  name: 'worker',
  summary: 'run sweep trials queued on Redis (the bullmq executor) on this machine',
  usage,
  async run(args) {
    const { values, positionals } = parseCommandArgs(args, options, usage);
    if (positionals.length > 0) throw new UserError(`worker takes no arguments, got '${positionals[0]}'\n${usage}`);
    const redis = typeof values.redis === 'string' ? values.redis : process.env.REDIS_URL;
    if (redis === undefined || redis === '') throw new UserError(`worker: the queue's URL is required: set REDIS_URL (kept off the command line) or pass --redis URL\n${usage}`);
    const started = await startWorker({
      redis,
      concurrency: positiveInt(values, 'concurrency') ?? 1,
      cores: positiveInt(values, 'cores'),
      workDirRoot: typeof values['work-dir-root'] === 'string' ? values['work-dir-root'] : undefined,
      lockDuration: positiveInt(values, 'lock-duration'),
      stalledInterval: positiveInt(values, 'stalled-interval'),
    });
    let removeInterrupt = (): void => undefined;
    const code = await new Promise<number>((resolve) => {
      removeInterrupt = onInterrupt((signal) => void started.close().then(() => resolve(signal === 'SIGINT' ? 130 : 0)), `worker ${started.id}: stopping the running trials`);
    });
    removeInterrupt();
    console.log(`worker ${started.id}: stopped`);
    return code;
  },
};

export default worker;
