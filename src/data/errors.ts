/**
 * A data error meant for the user: one line naming the place (file, line,
 * config path). It is a `UserError`, so the CLI prints it without a stack.
 */
import { UserError } from '../config/errors.js';

export class DataError extends UserError {
  constructor(message: string) {
    super(message);
    this.name = 'DataError';
  }
}

/** A sample that cannot be produced (missing or corrupt file, size mismatch): skipped and counted, never fatal mid-epoch. */
export class SampleSkip extends Error {
  constructor(readonly kind: string, message: string) {
    super(message);
    this.name = 'SampleSkip';
  }
}
