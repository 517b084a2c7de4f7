/**
 * Learning-rate schedules as pure functions of the 0-based iteration:
 * `lr(iter) = baseLr * warmup(iter) * policy(iter)`, the Detectron2 form
 * (WarmupMultiStepLR / WarmupCosineLR). Being pure, a schedule has no state to
 * checkpoint beyond the iteration itself.
 */
import { ComponentError } from '../config/errors.js';
import { resolvePoint, type IterPoint } from './iter_point.js';

export interface WarmupOptions {
  /** 'linear' ramps from `ratio` to 1; 'constant' holds `ratio`; 'none' disables it. */
  type: 'linear' | 'constant' | 'none';
  iters: IterPoint;
  ratio: number;
}

export interface LrSchedule {
  /** Human-readable form for logs and the checkpoint. */
  readonly describe: string;
  /** The multiplier of the base LR at 0-based iteration `iter`. */
  factor(iter: number): number;
}

export type ScheduleFactory = (maxIters: number) => LrSchedule;

function warmupFactor(w: WarmupOptions, warmupIters: number, iter: number): number {
  if (w.type === 'none' || iter >= warmupIters) return 1;
  if (w.type === 'constant') return w.ratio;
  const alpha = iter / warmupIters;
  return w.ratio * (1 - alpha) + alpha;
}

function resolveWarmup(w: WarmupOptions, maxIters: number, where: string): number {
  if (w.type === 'none') return 0;
  if (!(w.ratio > 0 && w.ratio <= 1)) throw new ComponentError(`${w.ratio} must be in (0, 1]`, `${where}.warmup.ratio`);
  return resolvePoint(w.iters, maxIters, `${where}.warmup.iters`);
}

export function constantSchedule(warmup: WarmupOptions, where = 'lr_schedule'): ScheduleFactory {
  return (maxIters) => {
    const wIters = resolveWarmup(warmup, maxIters, where);
    return {
      describe: `constant, warmup ${warmup.type} ${wIters}`,
      factor: (iter) => warmupFactor(warmup, wIters, iter),
    };
  };
}

/** LR times `gamma` at every step point reached (a step at k applies from iteration k on). */
export function multiStepSchedule(steps: IterPoint[], gamma: number, warmup: WarmupOptions, where = 'lr_schedule'): ScheduleFactory {
  return (maxIters) => {
    const wIters = resolveWarmup(warmup, maxIters, where);
    const at = steps.map((s, i) => resolvePoint(s, maxIters, `${where}.steps[${i}]`));
    for (let i = 1; i < at.length; i++) {
      if (at[i] <= at[i - 1]) throw new ComponentError(`must increase, got ${at.join(', ')} (resolved for max_iters ${maxIters})`, `${where}.steps`);
    }
    return {
      describe: `multistep at [${at.join(', ')}] gamma ${gamma}, warmup ${warmup.type} ${wIters}`,
      factor: (iter) => warmupFactor(warmup, wIters, iter) * gamma ** at.filter((s) => s <= iter).length,
    };
  };
}

/** Half-cosine from 1 down to `minRatio` at `max_iters`. */
export function cosineSchedule(minRatio: number, warmup: WarmupOptions, where = 'lr_schedule'): ScheduleFactory {
  return (maxIters) => {
    const wIters = resolveWarmup(warmup, maxIters, where);
    return {
      describe: `cosine to ${minRatio}, warmup ${warmup.type} ${wIters}`,
      factor: (iter) => warmupFactor(warmup, wIters, iter) * (minRatio + (1 - minRatio) * 0.5 * (1 + Math.cos((Math.PI * iter) / maxIters))),
    };
  };
}
