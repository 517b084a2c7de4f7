/** Registers the `engine:` config section (discovered as `src/**\/*.section.js`). */
import { defineSection } from '../registry/section.js';
import { ENGINE_CONFIG_SCHEMA } from './config.js';

export const engine = defineSection({
  name: 'engine',
  description: ENGINE_CONFIG_SCHEMA.description,
  schema: ENGINE_CONFIG_SCHEMA,
});
