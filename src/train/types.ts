/**
 * What the runner trains and what feeds it, kept generic over the batch type
 * so toy models and toy data drive the same loop as detectors.
 */
import type { IterationInfo, LossTerms } from '../detection/types.js';
import type { Module } from '../nn/module.js';
import type { ScheduleFactory } from './lr_schedules.js';
import type { OptimizerFactory } from './optimizers/options.js';

/** A module that returns named, already-weighted scalar losses for a batch (every Detector is one). */
export interface TrainModel<B> extends Module {
  forwardTrain(batch: B, info: IterationInfo): LossTerms;
}

/**
 * An endless, deterministic, resumable stream of batches. `state()` is taken
 * after a batch was consumed and, given to `loadState`, makes the next `next()`
 * return what the uninterrupted stream would have returned.
 */
export interface BatchSource<B> {
  /** Images per batch, for images/s. */
  readonly batchSize: number;
  next(): B | Promise<B>;
  state(): unknown;
  loadState(state: unknown): void;
}

/** An optimizer over some of the model's parameters, declared by config (`train.optimizers`) or by a supervisor. */
export interface DeclaredOptimizer {
  name: string;
  /** Dotted parameter prefixes it owns (disjoint from every other optimizer's). */
  params: string[];
  /** Absent: an optimizer of its own built like the main one (same type, LR, clipping; separate state). */
  optimizer?: OptimizerFactory;
  /** Absent: the main schedule. */
  schedule?: ScheduleFactory;
}

/** Implemented by a detector whose supervisors train some parameters with optimizers of their own (LGD's teacher). */
export interface OptimizerProvider {
  trainingOptimizers(): DeclaredOptimizer[];
}

export function hasOptimizers(x: unknown): x is OptimizerProvider {
  return typeof x === 'object' && x !== null && typeof (x as OptimizerProvider).trainingOptimizers === 'function';
}

/**
 * Implemented by a model with auxiliary supervisors: which of its loss terms
 * are theirs (by owner, e.g. `supervisors.0`); every other term is the
 * model's own task loss, logged on its own as `loss_det`.
 */
export interface AuxiliaryTermOwners {
  auxiliaryTermOwner(term: string): string | undefined;
}

export function hasAuxiliaryTerms(x: unknown): x is AuxiliaryTermOwners {
  return typeof x === 'object' && x !== null && typeof (x as AuxiliaryTermOwners).auxiliaryTermOwner === 'function';
}
