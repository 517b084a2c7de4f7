/**
 * The names a trial's metrics.jsonl can hold, so that a sweep's `metric:` is
 * checked before any trial trains: the evaluation's 12 COCO stats (when the
 * trials evaluate) and what the logger writes every step. Loss terms depend on
 * the model, so any `loss_*` name passes here; the first finished trial
 * settles it (src/sweep/run.ts).
 */
import { didYouMean } from '../config/did_you_mean.js';
import { BBOX_METRICS } from '../train/evaluate.js';

const STEP_METRICS = ['loss', 'loss_det', 'lr', 'step_time', 'images_per_s', 'engine/threads'];
const STEP_PREFIXES = ['loss_', 'lr_', 'grad_norm/'];

/** A name only a finished trial can confirm (a loss term, an optimizer's lr or grad norm). */
export function confirmedByTrial(metric: string): boolean {
  return STEP_PREFIXES.some((p) => metric.startsWith(p));
}

/** Why `metric` cannot be one the trials report, or undefined when it can. */
export function unknownMetric(metric: string, evaluates: boolean): string | undefined {
  if (STEP_METRICS.includes(metric) || STEP_PREFIXES.some((p) => metric.startsWith(p) && metric.length > p.length)) return undefined;
  const evaluation: readonly string[] = BBOX_METRICS;
  if (evaluation.includes(metric)) {
    return evaluates ? undefined : `metric '${metric}' comes from the evaluation, and the trials' config has no data.val to evaluate on`;
  }
  const known = [...(evaluates ? evaluation : []), ...STEP_METRICS];
  return `metric '${metric}' is not one the trials report${didYouMean(metric, known)}; they report ${known.join(', ')}, and loss_<term>, loss_aux/<supervisor>/<term>, lr_<optimizer>, grad_norm/<optimizer>`;
}
