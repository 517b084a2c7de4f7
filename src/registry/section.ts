/**
 * Top-level config sections (`model:`, `data:`, `train:`, ...). The config
 * language is extensible: any part of detlab declares its section in a file
 * named `*.section.ts` under `src/` that exports values made by `defineSection`;
 * discovery registers them beside the components. Keys that no section
 * declares are errors with a did-you-mean, so a typo never becomes a new key.
 */
import type { JsonSchema } from './component.js';

const BRAND = Symbol.for('detlab.section');

export interface ConfigSection {
  readonly [BRAND]: true;
  /** The top-level key. */
  readonly name: string;
  /** One line, shown in the editor schema and `detlab registry list`. */
  readonly description: string;
  /** JSON Schema of the section's value; `x-component` options are validated with their component. */
  readonly schema: JsonSchema;
}

export function defineSection(spec: Omit<ConfigSection, typeof BRAND>): ConfigSection {
  return { ...spec, [BRAND]: true };
}

export function isSection(value: unknown): value is ConfigSection {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
}
