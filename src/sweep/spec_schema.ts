/** JSON Schema of an experiment spec (`experiments/*.yaml`), validated with ajv like configs. */
import type { JsonSchema } from '../registry/component.js';
import { RETRY_SCHEMA } from './bullmq/retry.js';

const overrideMap: JsonSchema = {
  type: 'object',
  description: 'config key paths (as --set writes them: a.b, +a.b, ++a.b, ~a.b to delete) and the values they take',
  default: {},
  propertyNames: { pattern: '^(\\+\\+|\\+|~)?[A-Za-z0-9_-]+(\\.[A-Za-z0-9_-]+)*$' },
};

const valueList: JsonSchema = {
  description: 'a list of values, or a helper: {log2: [lo, hi]} for 2^lo..2^hi, {log10: [lo, hi]}, {range: [start, stop, step]}, {linspace: [a, b, n]}',
  anyOf: [
    { type: 'array', minItems: 1 },
    { type: 'object', additionalProperties: false, minProperties: 1, maxProperties: 1, properties: {
      log2: { type: 'array', items: { type: 'integer' }, minItems: 2, maxItems: 2 },
      log10: { type: 'array', items: { type: 'integer' }, minItems: 2, maxItems: 2 },
      range: { type: 'array', items: { type: 'number' }, minItems: 2, maxItems: 3 },
      linspace: { type: 'array', items: { type: 'number' }, minItems: 3, maxItems: 3 },
    } },
  ],
};

const distribution: JsonSchema = {
  description: 'a distribution: {uniform: [a, b]}, {loguniform: [a, b]}, {randint: [a, b]} (b excluded) or {choice: [...]}',
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  maxProperties: 1,
  properties: {
    uniform: { type: 'array', items: { type: 'number' }, minItems: 2, maxItems: 2 },
    loguniform: { type: 'array', items: { type: 'number', exclusiveMinimum: 0 }, minItems: 2, maxItems: 2 },
    randint: { type: 'array', items: { type: 'integer' }, minItems: 2, maxItems: 2 },
    choice: { type: 'array', minItems: 1 },
  },
};

const stage: JsonSchema = {
  type: 'object',
  description: 'one stage of a pipeline: its own overrides; ${stages.NAME.checkpoint} names an earlier stage\'s final checkpoint',
  additionalProperties: false,
  default: {},
  properties: {
    set: overrideMap,
  },
};

export const SPEC_SCHEMA: JsonSchema = {
  type: 'object',
  description: 'an experiment spec: a base config, what varies across trials, and how trials are ranked',
  additionalProperties: false,
  required: ['base'],
  properties: {
    name: { type: 'string', pattern: '^(?!\\.\\.?$)[\\w.-]*$', description: 'the sweep name (default: the spec file name)', default: '' },
    description: { type: 'string', description: 'what the study asks, for the report', default: '' },
    base: { type: 'string', minLength: 1, description: 'the base config file, relative to the spec', default: '' },
    set: overrideMap,
    grid: { type: 'object', description: 'key path -> values; every combination is a trial', default: {}, additionalProperties: valueList },
    zip: { type: 'object', description: 'key path -> values of equal length, varied together', default: {}, additionalProperties: valueList },
    random: {
      type: 'object',
      description: 'random search: `trials` draws of `params` from a seeded generator',
      additionalProperties: false,
      required: ['trials', 'params'],
      properties: {
        trials: { type: 'integer', minimum: 1, description: 'how many draws', default: 1 },
        seed: { type: 'integer', description: 'seed of the draws', default: 0 },
        params: { type: 'object', description: 'key path -> distribution', default: {}, additionalProperties: distribution },
      },
    },
    variants: { type: 'object', description: 'named override sets (ablation rows), each combined with the grid', default: {}, additionalProperties: overrideMap },
    baseline: { type: 'string', description: 'the variant the Δ column compares to (default: a variant named baseline, if any)', default: '' },
    seeds: { type: 'array', items: { type: 'integer' }, minItems: 1, description: 'every trial is repeated per seed (the config\'s seed:)', default: [0] },
    stages: { type: 'object', description: 'an ordered pipeline; the last stage is the one varied and reported, earlier ones run once per seed', default: {}, additionalProperties: stage },
    metric: { type: 'string', description: 'the metric that ranks trials (last value in metrics.jsonl)', default: 'bbox_mAP' },
    mode: { enum: ['max', 'min'], description: 'whether a higher or a lower metric is better', default: 'max' },
    parallel: { type: 'integer', minimum: 1, description: 'how many trials run at once (bounded by the CPU cores)', default: 1 },
    retry: RETRY_SCHEMA,
  },
};
