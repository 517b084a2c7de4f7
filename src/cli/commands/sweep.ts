/**
 * `detlab sweep run|report|status`: experiment specs expanded to trials, run
 * as child processes with resume, and reported as paper-style tables and plots.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { remoteCurves } from '../../sweep/remote_curves.js';
import { STATE_FILE, readState, type SweepState } from '../../sweep/state.js';
import { LocalExecutor } from '../../sweep/local_executor.js';
import { resultRows } from '../../sweep/results.js';
import { runSweep } from '../../sweep/run.js';
import { printQueueStatus, queueExecutor } from '../../sweep/bullmq/cli_hooks.js';
import { writeReport } from '../../sweep/report.js';
import { resultsMarkdown } from '../../sweep/table.js';
import { trialLabel } from '../../sweep/trial.js';
import { parseCommandArgs } from '../args.js';
import { UserError, type Command } from '../command.js';
import { onInterrupt } from '../../train/interrupt.js';

const usage = `usage: detlab sweep run SPEC [--resume] [--parallel N] [--dry-run [--trust-plugins]] [--fail-fast] [--sweep-dir DIR]
                       [--executor bullmq [--redis URL]]
       detlab sweep report SWEEP_DIR
       detlab sweep status SWEEP_DIR [--redis URL]

run     expands the experiment spec (experiments/*.yaml) into trials and trains
        each as a child process in <sweep dir>/trials/<trial id>/; the sweep dir
        is sweeps/<name>/<run id>/ unless --sweep-dir is given. A failed trial is
        reported at once and the others go on. Ctrl-C stops the running trials
        (each saves a checkpoint) and keeps the state; then add --resume.
report  writes results.csv, results.md and report.html in SWEEP_DIR; training
        curves of trials run on another machine's disk come from MLflow
status  lists the trials of SWEEP_DIR and their state; with --redis also the
        queue's view (waiting, active on which worker, attempts)

options:
  --resume        continue the newest sweep of SPEC (or --sweep-dir): finished
                  trials are skipped, interrupted ones resume from their last checkpoint
  --parallel N    trials at once (default: the spec's parallel:); each trial gets
                  cores / N threads (fewer if its engine.threads asks for
                  fewer), and N is capped at the number of cores
  --dry-run       list the trials and how each differs from the base config; the
                  base config's plugins (code) are not run unless --trust-plugins
  --fail-fast     stop every trial at the first failure
  --sweep-dir DIR the sweep directory to create or resume
  --executor bullmq [--redis URL]
                  queue the trials on Redis for detlab worker processes on any
                  machine (docs/distributed.md); retries follow the spec's retry:;
                  the URL defaults to REDIS_URL (off the process list)`;

const runOptions = {
  resume: { type: 'boolean' },
  parallel: { type: 'string' },
  'dry-run': { type: 'boolean' },
  'trust-plugins': { type: 'boolean' },
  'fail-fast': { type: 'boolean' },
  'sweep-dir': { type: 'string' },
  executor: { type: 'string' },
  redis: { type: 'string' },
} as const;

async function run(args: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, runOptions, usage);
  if (positionals.length !== 1) throw new UserError(`sweep run takes one spec file\n${usage}`);
  let parallel: number | undefined;
  if (values.parallel !== undefined) {
    parallel = Number(values.parallel);
    if (!Number.isInteger(parallel) || parallel < 1) throw new UserError(`--parallel: expected a whole number ≥ 1, got '${String(values.parallel)}'`);
  }
  const queued = queueExecutor(values.executor, values.redis, positionals[0]);
  const controller = new AbortController();
  const removeInterrupt = onInterrupt(() => controller.abort(), 'stopping: the running trials save a checkpoint and stop');
  try {
    const report = await runSweep({
      specFile: positionals[0],
      resume: values.resume === true,
      dryRun: values['dry-run'] === true,
      trustPlugins: values['trust-plugins'] === true,
      failFast: values['fail-fast'] === true,
      sweepDir: typeof values['sweep-dir'] === 'string' ? values['sweep-dir'] : undefined,
      parallel,
      signal: controller.signal,
      executor: (n) => {
        if (queued !== undefined) return queued;
        const executor = new LocalExecutor({ parallel: n });
        if (executor.parallel < n) console.log(`note: --parallel ${n} capped at ${executor.parallel} (the number of cores)`);
        return executor;
      },
    });
    if (report.outcome === 'planned') return 0;
    console.log(`\n${resultsMarkdown(report.state)}`);
    console.log(`report: ${join(report.sweepDir, 'report.html')}`);
    if (report.outcome === 'interrupted') console.log(`stopped; continue with: detlab sweep run ${positionals[0]} --resume --sweep-dir ${report.sweepDir}`);
    return report.outcome === 'finished' ? 0 : report.outcome === 'interrupted' ? 130 : 1;
  } finally {
    removeInterrupt();
  }
}

function oneDir(args: string[], what: string): string {
  const { positionals } = parseCommandArgs(args, {}, usage);
  if (positionals.length !== 1) throw new UserError(`sweep ${what} takes one sweep directory\n${usage}`);
  return positionals[0];
}

/**
 * The state of the sweep in `dir`. Its sweep.json exists only where `sweep run`
 * ran: on another machine, the directory must be copied (its trials/ folder
 * may stay behind: training curves then come from MLflow).
 */
function sweepState(dir: string): SweepState {
  if (!existsSync(join(dir, STATE_FILE))) {
    throw new UserError(
      `${resolve(dir)}: no sweep here (no ${STATE_FILE}); sweep report and status read the directory \`sweep run\` wrote: ` +
        `run them on that machine, or copy the directory here (without trials/ if large: training curves then come from MLflow)`,
    );
  }
  return readState(dir);
}

const sweep: Command = {
  name: 'sweep',
  summary: 'run an experiment spec (grid, variants, seeds, stages) as resumable parallel trials; report tables and plots',
  usage,
  async run(args) {
    const [sub, ...rest] = args;
    if (sub === 'run') return run(rest);
    if (sub === 'report') {
      const dir = oneDir(rest, 'report');
      const state = sweepState(dir);
      const remote = await remoteCurves(dir, state);
      if (remote.problem !== undefined) console.log(`note: ${remote.problem}`);
      for (const file of writeReport(dir, state, remote.curves)) console.log(file);
      return 0;
    }
    if (sub === 'status') {
      const { values, positionals } = parseCommandArgs(rest, { redis: { type: 'string' } }, usage);
      if (positionals.length !== 1) throw new UserError(`sweep status takes one sweep directory\n${usage}`);
      const state = sweepState(positionals[0]);
      const counts = new Map<string, number>();
      for (const t of state.trials) counts.set(t.status, (counts.get(t.status) ?? 0) + 1);
      console.log(`sweep ${state.name}: ${[...counts].map(([s, n]) => `${n} ${s}`).join(', ')}`);
      for (const t of state.trials) {
        const v = t.metrics?.[state.metric];
        console.log(`  ${t.id}  ${t.status.padEnd(11)} ${t.stage === '' ? '' : `[${t.stage}] `}${trialLabel(t)} seed=${t.seed}${v === undefined ? '' : `  ${state.metric}=${v.toFixed(4)}`}${t.error === undefined ? '' : `  ${t.error.split('\n')[0]}`}`);
      }
      const best = resultRows(state).find((r) => r.best);
      if (best !== undefined) console.log(`best: ${best.variant ?? ''} ${JSON.stringify(best.params)} ${state.metric}=${best.mean!.toFixed(4)}`);
      if (typeof values.redis === 'string') await printQueueStatus(values.redis, state);
      return 0;
    }
    throw new UserError(`sweep: expected run, report or status${sub === undefined ? '' : `, got '${sub}'`}\n${usage}`);
  },
};

export default sweep;
