/**
 * The NaN/Inf guard: checked on the loss values before any parameter moves,
 * so the weights stay those of the last good iteration and no checkpoint is
 * written from a diverged state.
 */
export class NonFiniteLossError extends Error {
  constructor(
    readonly term: string,
    /** 1-based iteration, as logged. */
    readonly iteration: number,
    readonly value: number,
  ) {
    super(`loss term '${term}' is ${value} at iteration ${iteration}; training stopped before updating the weights`);
    this.name = 'NonFiniteLossError';
  }
}

/** Throws for the first non-finite term (in the model's order), naming it and the iteration. */
export function assertFiniteLosses(terms: Readonly<Record<string, number>>, iteration: number): void {
  for (const [name, value] of Object.entries(terms)) {
    if (!Number.isFinite(value)) throw new NonFiniteLossError(name, iteration, value);
  }
}
