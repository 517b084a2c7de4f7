/**
 * A point in a run, written in iterations or as a fraction of it, so a
 * paper's "30k of 180k" carries over to a short CPU run unchanged.
 *
 * - an integer >= 1 is an iteration count (`30000`);
 * - a number in [0, 1) is a fraction of `max_iters` (`0.1667`);
 * - a string `'<x>%'` is a percentage (`'25%'`, `'100%'`).
 * Fractions round to the nearest iteration.
 */
import { ComponentError } from '../config/errors.js';
import type { JsonSchema } from '../registry/component.js';

export type IterPoint = number | string;

export const ITER_POINT_SCHEMA: JsonSchema = {
  oneOf: [
    { type: 'number', minimum: 0 },
    { type: 'string', pattern: '^\\d+(\\.\\d+)?%$' },
  ],
};

export function resolvePoint(point: IterPoint, maxIters: number, where: string): number {
  if (typeof point === 'string') {
    const m = /^(\d+(?:\.\d+)?)%$/.exec(point.trim());
    if (m === null) throw new ComponentError(`'${point}' is not an iteration, a fraction in [0, 1) or a percentage like '25%'`, where);
    const pct = Number(m[1]);
    if (pct > 100) throw new ComponentError(`${point} is beyond the end of the run`, where);
    return Math.round((pct / 100) * maxIters);
  }
  if (!Number.isFinite(point) || point < 0) throw new ComponentError(`${point} is not a valid point (iterations >= 0 or a fraction)`, where);
  if (point < 1) return Math.round(point * maxIters);
  if (!Number.isInteger(point)) {
    throw new ComponentError(`${point} is neither an integer iteration nor a fraction in [0, 1) (write '${point}%' for a percentage)`, where);
  }
  if (point > maxIters) throw new ComponentError(`iteration ${point} is beyond max_iters ${maxIters}`, where);
  return point;
}
