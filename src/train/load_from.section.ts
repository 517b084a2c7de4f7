/** Registers the `load_from:` config section (src/train/load_from.ts). */
import { defineSection } from '../registry/section.js';

export const loadFrom = defineSection({
  name: 'load_from',
  description: 'a checkpoint (directory or .safetensors) whose model weights a new run starts from, at iteration 0 (ignored on --resume)',
  schema: { type: 'string', minLength: 1 },
});
