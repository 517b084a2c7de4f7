/** Option schemas every loss component shares. */
import type { JsonSchema } from '../../registry/component.js';

export const lossWeightOption: JsonSchema & { description: string } = {
  type: 'number',
  minimum: 0,
  description: 'multiplier of the reduced loss',
  default: 1.0,
};

export const reductionOption: JsonSchema & { description: string } = {
  enum: ['mean', 'sum'],
  description: "reduction over elements ('mean' divides by avg_factor when the head passes one)",
  default: 'mean',
};
