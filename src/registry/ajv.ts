/**
 * The ajv setup used for option validation: all errors at once, defaults
 * written into the config, strict schemas (an unknown keyword in a component
 * schema is a mistake worth reporting). `x-component` options are checked for
 * being maps here; their contents are validated with the component's own
 * schema by the validator.
 */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import type { JsonSchema } from './component.js';

const ajv = new Ajv({ allErrors: true, useDefaults: true, strict: true, allowUnionTypes: true, verbose: true });
// `x-message` explains a `pattern` in words in the error message (src/registry/validate.ts); it validates nothing.
ajv.addKeyword({ keyword: 'x-message', schemaType: 'string' });
const compiled = new WeakMap<object, ValidateFunction>();

export type AjvError = ErrorObject;

/** Compiles (once per schema object) a validator for a schema that may hold `x-component` options. */
export function compileSchema(schema: JsonSchema): ValidateFunction {
  let validate = compiled.get(schema);
  if (validate === undefined) {
    validate = ajv.compile(toAjvSchema(schema) as object);
    compiled.set(schema, validate);
  }
  return validate;
}

function toAjvSchema(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(toAjvSchema);
  if (typeof schema !== 'object' || schema === null) return schema;
  const source = schema as JsonSchema;
  if (source['x-component'] !== undefined) {
    const { 'x-component': _kind, required: _required, ...rest } = source;
    return { ...rest, type: 'object' };
  }
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(source)) {
    // `properties`, `definitions` and the like map names to schemas; `enum`, `const`, `default` hold data.
    out[key] = key === 'enum' || key === 'const' || key === 'default' || key === 'examples' ? value : mapSchemas(key, value);
  }
  return out;
}

function mapSchemas(key: string, value: unknown): unknown {
  if ((key === 'properties' || key === 'patternProperties' || key === 'definitions' || key === '$defs') && typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([name, sub]) => [name, toAjvSchema(sub)]));
  }
  return toAjvSchema(value);
}
