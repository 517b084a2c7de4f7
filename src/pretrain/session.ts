/**
 * One pretraining run (`detlab pretrain CONFIG`): the backbone of
 * `pretrain.backbone` with a pooled `fc` head learns the shapes
 * classification task with the config's optimizer and schedule, through the
 * same runner, checkpoints, resume, metrics.jsonl and MLflow run as
 * `detlab train`; at the end the weights go to `<run dir>/backbone.safetensors`
 * under torchvision's names, ready for `model.backbone.init.checkpoint`.
 */
import { basename, join } from 'node:path';
import { UserError } from '../config/errors.js';
import { onInterrupt } from '../train/interrupt.js';
import type { Transform } from '../data/transform.js';
import type { Backbone } from '../nn/backbone.js';
import { build, type BuildOptions } from '../registry/build.js';
import type { ValidatedConfig } from '../registry/load_validated.js';
import { openRun, TRAINING_CONNECT_WAIT_MS } from '../track/tracker.js';
import { buildOptimizers, buildPhasePlan } from '../train/build.js';
import { latestCheckpoint } from '../train/checkpoint.js';
import type { Hook, RunOutcome } from '../train/hooks.js';
import { CheckpointHook } from '../train/hooks/checkpoint_hook.js';
import { EvalHook } from '../train/hooks/eval_hook.js';
import { LoggerHook } from '../train/hooks/logger_hook.js';
import { ThreadsHook } from '../train/hooks/threads_hook.js';
import type { ScheduleFactory } from '../train/lr_schedules.js';
import type { OptimizerFactory } from '../train/optimizers/options.js';
import type { PhaseSpec } from '../train/phases.js';
import { Runner } from '../train/runner.js';
import { startRun, type StartedRun, type TrainOptions } from '../train/session.js';
import type { TrainSection } from '../train/train.section.js';
import { TrainAccuracyHook } from './accuracy_hook.js';
import { BackboneClassifier, evaluateClassifier } from './classifier.js';
import type { PretrainSection } from './pretrain.section.js';
import { CLASSIFICATION_CLASSES, ClassificationStream, validationBatches, type ClassificationBatch, type ShapesClassificationParams } from './shapes_classification.js';
import { writeTorchvisionCheckpoint } from './torchvision_export.js';

export const BACKBONE_FILE = 'backbone.safetensors';

export interface PretrainReport {
  runDir: string;
  outcome: RunOutcome['status'];
  /** `<run dir>/backbone.safetensors`, written when the run finished. */
  backboneFile?: string;
  valAccuracy?: number;
  /** Training accuracy over the last logged interval. */
  trainAccuracy?: number;
  seconds: number;
  trackingLocation: string;
}

/** Options that would make ResNet pretraining learn nothing in some layers: refused with the fix. */
function checkBackbone(b: PretrainSection['backbone'], file: string): void {
  if (b.type !== 'ResNet') return;
  const outIndices = b.out_indices as number[];
  if (outIndices[outIndices.length - 1] !== 3) throw new UserError(`${file}: pretrain.backbone.out_indices must end with 3: fc pools the last map, and layer4 would get no gradient`);
  if (b.frozen_stages !== -1) throw new UserError(`${file}: pretrain.backbone.frozen_stages must be -1: a frozen stage would keep its random weights`);
  if (b.norm_eval === true && (b.norm as { type: string }).type === 'BN') throw new UserError(`${file}: pretrain.backbone.norm_eval must be false with BN: its running statistics would never be learnt`);
}

export async function runPretraining(o: TrainOptions): Promise<PretrainReport> {
  const started = performance.now();
  const check = ({ config, file }: ValidatedConfig): void => {
    const p = config.pretrain as PretrainSection | undefined;
    if (p === undefined) throw new UserError(`${file}: the config has no pretrain: section (detlab train trains detectors)`);
    if (config.optimizer === undefined || config.schedule === undefined) throw new UserError(`${file}: pretraining needs an optimizer: and a schedule: section`);
    if (Object.keys((config.train as TrainSection).optimizers).length > 0) throw new UserError(`${file}: train.optimizers is not used by detlab pretrain (one optimizer trains the whole classifier)`);
    checkBackbone(p.backbone, file);
  };
  const run = await startRun(o, 'pretraining', check);
  try {
    return await pretrain(run, started);
  } finally {
    run.lock.release();
  }
}

async function pretrain({ v, cfg, name, runDir, checkpoint, t, progress, print, granted, rng }: StartedRun, started: number): Promise<PretrainReport> {
  const p = cfg.pretrain as PretrainSection;
  const opts = (path: string): BuildOptions => ({ registry: v.registry, origins: v.origins, path });
  const model = new BackboneClassifier(build<Backbone>('backbone', p.backbone, opts('pretrain.backbone')), CLASSIFICATION_CLASSES.length);
  const transforms = (key: 'pipeline' | 'val_pipeline'): Transform[] => p.data[key].map((c, i) => build<Transform>('transform', c, opts(`pretrain.data.${key}.${i}`)));
  const params: ShapesClassificationParams = { size: p.data.size, seed: p.data.seed, minSide: p.data.min_side, clutterLines: p.data.clutter_lines };
  const data = new ClassificationStream(params, transforms('pipeline'), p.data.batch_size);
  const valTransforms = transforms('val_pipeline');
  const main = {
    optimizer: build<OptimizerFactory>('optimizer', cfg.optimizer, opts('optimizer')),
    schedule: build<ScheduleFactory>('lr_schedule', cfg.schedule, opts('schedule')),
  };
  const optimizers = buildOptimizers(model, main, [], t.max_iters);
  const phases = buildPhasePlan(model, t.phases as unknown as PhaseSpec[], t.max_iters);
  const evaluate = async (): Promise<Record<string, number>> => {
    const r = evaluateClassifier(model, validationBatches(params, p.data.num_val, p.data.batch_size, valTransforms));
    return { val_accuracy: r.accuracy, val_loss: r.loss };
  };

  const tracker = await openRun({ uri: (cfg.tracking as { uri?: string } | undefined)?.uri || undefined, experimentName: name, runName: basename(runDir), workDir: runDir, handleSignals: false, connectWaitMs: TRAINING_CONNECT_WAIT_MS, log: print, tags: { 'detlab.run_id': basename(runDir), 'detlab.config': v.file } });
  if (checkpoint === undefined) tracker.logConfig(cfg, join(runDir, 'config.yaml'));
  const accuracy = new TrainAccuracyHook(model, t.log_interval);
  let valAccuracy: number | undefined;
  const hooks: Hook[] = [
    new LoggerHook(t.log_interval, progress),
    accuracy,
    new CheckpointHook(t.checkpoint.interval, t.checkpoint.max_keep),
    new EvalHook(p.eval_interval > 0 ? p.eval_interval : t.max_iters, ''),
    { name: 'val_accuracy', afterEval: (_run, m) => void (valAccuracy = m.val_accuracy) },
  ];
  if (granted) hooks.push(new ThreadsHook());
  const runner = new Runner<ClassificationBatch>({ model, data, optimizers, phases, maxIters: t.max_iters, rng, runDir, hooks, evaluate, metricsWriter: (step, m, ts) => tracker.logMetrics(step, m, ts), print, resumeFrom: checkpoint });
  const removeInterrupt = onInterrupt(() => runner.requestStop(), 'stopping after this iteration (a checkpoint is saved)', print);
  let outcome: RunOutcome['status'] = 'failed';
  let backboneFile: string | undefined;
  try {
    outcome = (await runner.run()).status;
    if (outcome === 'finished') {
      backboneFile = join(runDir, BACKBONE_FILE);
      // Every BatchNorm ran one training forward per iteration: torch's num_batches_tracked.
      writeTorchvisionCheckpoint(backboneFile, model, runner.iter, { detlab_config: v.file, iterations: String(runner.iter) });
      tracker.logArtifact(backboneFile);
      print(`wrote ${backboneFile} (train accuracy ${accuracy.last.toFixed(4)}, val accuracy ${valAccuracy?.toFixed(4) ?? 'n/a'})`);
    }
  } finally {
    removeInterrupt();
    progress.finish();
    await tracker.finish(outcome === 'finished' ? 'FINISHED' : outcome === 'interrupted' ? 'KILLED' : 'FAILED');
  }
  if (latestCheckpoint(join(runDir, 'checkpoints')) === undefined && outcome !== 'finished') print('no checkpoint was saved');
  return { runDir, outcome, backboneFile, valAccuracy, trainAccuracy: accuracy.last, seconds: (performance.now() - started) / 1000, trackingLocation: tracker.location };
}
