/** Small checks shared by the GT and results loaders; each names the offending place. */
import { UserError } from '../config/errors.js';

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function requireArray(value: unknown, where: string): unknown[] {
  if (!Array.isArray(value)) throw new UserError(`${where} must be an array, got ${describe(value)}`);
  return value;
}

export function requireFiniteNumber(value: unknown, where: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new UserError(`${where} must be a finite number, got ${describe(value)}`);
  }
  return value;
}

/** Checks `[x, y, w, h]` (four finite numbers, w and h >= 0) and writes it to `out` at `at`. */
export function requireBox(value: unknown, out: Float64Array, at: number, where: string): void {
  if (!Array.isArray(value) || value.length !== 4) {
    throw new UserError(`${where} must be [x, y, w, h], got ${describe(value)}`);
  }
  for (let j = 0; j < 4; j++) {
    const v = value[j];
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      throw new UserError(`${where} must hold 4 finite numbers, got ${describe(value)}`);
    }
    out[at + j] = v;
  }
  if (out[at + 2] < 0 || out[at + 3] < 0) {
    throw new UserError(`${where} has a negative width or height: ${describe(value)}`);
  }
}

export function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
