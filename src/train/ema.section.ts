/**
 * The `ema:` config section: an exponential moving average of the weights
 * (hooks/ema_hook.ts), as MMDetection's EMAHook and YOLOX's ModelEMA keep.
 */
import { defineSection } from '../registry/section.js';

export interface EmaSection {
  momentum: number;
  warmup: number;
  evaluate: boolean;
}

export const ema = defineSection({
  name: 'ema',
  description: 'an exponential moving average of the weights, kept in checkpoints and optionally evaluated',
  schema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      momentum: { type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 1, description: 'weight of the average at each step: avg = m·avg + (1 − m)·w', default: 0.9998 },
      warmup: {
        type: 'number',
        minimum: 0,
        description: "ramp of the momentum (YOLOX's): m·(1 − exp(−t / warmup)) at update t, so early weights fade fast; 0 uses m from the first step",
        default: 2000,
      },
      evaluate: { type: 'boolean', description: 'evaluate (and pick the best checkpoint) on the averaged weights instead of the trained ones', default: true },
    },
  },
});
