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

/** Runs `fn` in a tensor scope that is closed on return and on throw. */
export function inScope<T>(fn: () => T): T {
  const engine = tf.engine();
  engine.startScope();
  try {
    return fn();
  } finally {
    engine.endScope();
  }
}

interface TapeNode {
  saved?: Tensor[];
}

/**
 * In gradient mode tfjs keeps a clone of every tensor a kernel saves for its
 * backward pass (marked kept, so no scope frees it) and frees each while
 * backpropagating. A step that throws in the loss or during backpropagation
 * would leak the rest, so they are freed here. `activeTape` is
 * engine-internal (stable through tfjs 4.x).
 */
function activeTape(): TapeNode[] | null {
  return (tf.engine() as unknown as { state: { activeTape: TapeNode[] | null } }).state.activeTape;
}

function asTerms(out: LossOutput): Record<string, Scalar> {
  const terms: Record<string, Scalar> = out instanceof tf.Tensor ? { loss: out } : out;
  for (const [name, t] of Object.entries(terms)) {
    if (t.size !== 1) throw new Error(`trainStep: '${name}' must be a scalar, got shape [${t.shape.join(', ')}]`);
  }
  return terms;
}

/**
 * One optimisation step: loss and gradients, optional gradient transform,
 * optimizer update. Returns the loss (and any named terms) as numbers.
 */
export function trainStep(
  optimizer: tf.Optimizer, lossFn: () => LossOutput, options: TrainStepOptions = {},
): Record<string, number> {
  const kept: Tensor[] = [];
  return inScope(() => {
    try {
      let terms: Record<string, Scalar> = {};
      const tapes: TapeNode[][] = [];
      let grads: NamedTensorMap;
      try {
        ({ grads } = tf.variableGrads(() => {
          tapes.push(activeTape() ?? []);
          terms = asTerms(lossFn());
          // variableGrads frees what its function creates except the result: keep the reported terms.
          for (const t of Object.values(terms)) kept.push(tf.keep(t));
          return terms.loss;
        }, options.varList));
      } catch (err) {
        for (const node of tapes.flat()) tf.dispose(node.saved ?? []);
        throw err;
      }
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
