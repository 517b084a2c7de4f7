/**
 * Memory-safe training steps. Every tensor a step creates is freed when it
 * ends, also when it throws; the caller gets plain numbers, never tensors.
 * Optimizer slots and variables created inside survive (tfjs never scopes
 * variables).
 */
import { tf } from './tf.js';
import type { NamedTensorMap, Scalar, Tensor, Variable } from './tf.js';

/** What a loss function returns: the scalar to minimise, or it plus named scalars to report. */
export type LossOutput = Scalar | { loss: Scalar; [name: string]: Scalar };

export interface TrainStepOptions {
  /** Variables to update (default: every trainable variable the loss touches). */
  varList?: Variable[];
  /** Rewrites the gradients before the update (clipping, masking); runs inside the step's scope. */
  transformGrads?: (grads: NamedTensorMap) => NamedTensorMap;
}

interface TapeNode {
  saved?: Tensor[];
}

interface EngineState {
  activeTape: TapeNode[] | null;
  gradientDepth: number;
}

/**
 * In gradient mode tfjs keeps a clone of every tensor a kernel saves for its
 * backward pass (marked kept, so no scope frees it) and frees them at the end
 * of a successful gradient computation. When the loss or the backward pass
 * throws, they stay on the abandoned tape; this frees them, as tfjs would
 * have. `state` is engine-internal (stable through tfjs 4.x).
 */
function freeAbandonedTape(): void {
  const state = (tf.engine() as unknown as { state: EngineState }).state;
  if (state.gradientDepth !== 0 || !state.activeTape) return;
  for (const node of state.activeTape) tf.dispose(node.saved ?? []);
  state.activeTape = null;
}

/**
 * Runs `fn` in a tensor scope that is closed on return and on throw; on throw
 * it also frees what an interrupted gradient computation left behind.
 */
export function inScope<T>(fn: () => T): T {
  const engine = tf.engine();
  engine.startScope();
  try {
    return fn();
  } catch (err) {
    freeAbandonedTape();
    throw err;
  } finally {
    engine.endScope();
  }
}

function asTerms(out: LossOutput): Record<string, Scalar> {
  const terms: Record<string, Scalar> = out instanceof tf.Tensor ? { loss: out } : out;
  for (const [name, t] of Object.entries(terms)) {
    if (t.size !== 1) throw new Error(`trainStep: '${name}' must be a scalar, got shape [${t.shape.join(', ')}]`);
  }
  return terms;
}

/** What a step updates the variables with: a tfjs optimizer, or detlab's through an adapter. */
export type GradientApplier = Pick<tf.Optimizer, 'applyGradients'>;

/**
 * One optimisation step: loss and gradients, optional gradient transform,
 * optimizer update. Returns the loss (and any named terms) as numbers.
 */
export function trainStep(
  optimizer: GradientApplier, lossFn: () => LossOutput, options: TrainStepOptions = {},
): Record<string, number> {
  const kept: Tensor[] = [];
  return inScope(() => {
    try {
      let terms: Record<string, Scalar> = {};
      const { grads } = tf.variableGrads(() => {
        terms = asTerms(lossFn());
        // variableGrads frees what its function creates except the result: keep the reported terms.
        for (const t of Object.values(terms)) kept.push(tf.keep(t));
        return terms.loss;
      }, options.varList);
      optimizer.applyGradients(options.transformGrads ? options.transformGrads(grads) : grads);
      const numbers: Record<string, number> = {};
      for (const [name, t] of Object.entries(terms)) numbers[name] = t.dataSync()[0];
      return numbers;
    } finally {
      // Kept tensors escape every scope, so they are freed here.
      tf.dispose(kept);
    }
  });
}
