/**
 * `detlab schema`: one JSON Schema (draft-07) of the whole config language for
 * editors (yaml-language-server): the top-level sections, and for every kind a
 * definition that picks the component's options by `type` (if/then per name),
 * so unknown options are underlined and options are completed with their
 * descriptions. Config files are often partial (a base holds a few keys, a
 * leaf overrides one), so nothing is required here, and any value may be a
 * `${...}` reference; the CLI's `config validate` checks the merged result.
 * A map without its own `type` (it comes from a base) is checked against the
 * options of every component of its kind (`<kind>.any`): a key none of them
 * accepts is a typo, and a nested map that states its `type` gets that
 * component's full schema.
 */
import { COMPONENT_KINDS, type JsonSchema } from './component.js';
import type { Registry } from './registry.js';

const REFERENCE = { $ref: '#/definitions/reference' };
const DELETE = { type: 'boolean', description: 'replace the base config\'s map instead of merging into it' };

export function editorSchema(registry: Registry): Record<string, unknown> {
  const definitions: Record<string, unknown> = {
    reference: { type: 'string', pattern: '^\\$\\{[A-Za-z0-9_.-]+\\}$', description: 'a reference to another config value' },
  };
  for (const kind of COMPONENT_KINDS) {
    const entries = registry.components(kind);
    if (entries.length === 0) {
      definitions[kind] = { type: 'object', description: `a ${kind} component (none registered)`, properties: { type: { type: 'string' } } };
      continue;
    }
    definitions[kind] = {
      type: 'object',
      description: `a ${kind} component, chosen by 'type'`,
      properties: { type: { enum: entries.map((e) => e.value.name), description: `the ${kind} component` }, _delete_: DELETE },
      allOf: entries.map(({ value: c }) => ({
        if: { properties: { type: { const: c.name } }, required: ['type'] },
        then: { $ref: `#/definitions/${kind}.${c.name}` },
      })),
      if: { required: ['type'] },
      else: { $ref: `#/definitions/${kind}.any` },
    };
    definitions[`${kind}.any`] = anyComponent(kind, entries.map((e) => e.value.schema));
    for (const { value: c } of entries) {
      definitions[`${kind}.${c.name}`] = {
        type: 'object',
        description: c.description,
        properties: { type: { const: c.name, description: c.description }, _delete_: DELETE, ...convertProperties(c.schema.properties) },
        additionalProperties: c.schema.additionalProperties ?? false,
      };
    }
  }
  const sections: Record<string, unknown> = {
    _base_: {
      description: 'base config file(s), relative to this file, merged before it (a list merges left to right)',
      anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }],
    },
  };
  for (const { value: section } of registry.sections()) {
    sections[section.name] = convertProperty({ description: section.description, ...section.schema });
  }
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    title: 'detlab config',
    type: 'object',
    properties: sections,
    additionalProperties: false,
    definitions,
  };
}

/** The options some component of `kind` accepts, each with the schemas it has across them. */
function anyComponent(kind: string, schemas: readonly JsonSchema[]): Record<string, unknown> {
  const variants = new Map<string, Map<string, Record<string, unknown>>>();
  for (const schema of schemas) {
    for (const [name, option] of Object.entries(schema.properties ?? {})) {
      const converted = convertProperty(option);
      const { description: _description, default: _default, ...shape } = converted;
      const seen = variants.get(name) ?? new Map<string, Record<string, unknown>>();
      if (!seen.has(JSON.stringify(shape))) seen.set(JSON.stringify(shape), converted);
      variants.set(name, seen);
    }
  }
  const properties = Object.fromEntries([...variants].map(([name, seen]) => {
    const [first, ...others] = [...seen.values()];
    return [name, others.length === 0 ? first : { description: first.description, anyOf: [first, ...others] }];
  }));
  const open = schemas.some((s) => s.additionalProperties !== undefined && s.additionalProperties !== false);
  return {
    type: 'object',
    description: `a ${kind} whose type comes from a base config: options that some ${kind} accepts`,
    properties: { _delete_: DELETE, ...properties },
    additionalProperties: open,
  };
}

function convertProperties(properties: Record<string, JsonSchema> | undefined): Record<string, unknown> {
  return Object.fromEntries(Object.entries(properties ?? {}).map(([name, schema]) => [name, convertProperty(schema)]));
}

/** An option's schema for editors: nested components by reference, `required` dropped, `${...}` allowed. */
function convertProperty(schema: JsonSchema): Record<string, unknown> {
  const { description, default: fallback } = schema;
  const head: Record<string, unknown> = {};
  if (description !== undefined) head.description = description;
  if (fallback !== undefined) head.default = fallback;
  const kind = schema['x-component'];
  if (kind !== undefined) return { ...head, anyOf: [{ $ref: `#/definitions/${kind}` }, REFERENCE] };
  const body = convertSchema(schema);
  delete body.description;
  delete body.default;
  return schema.type === 'string' ? { ...head, ...body } : { ...head, anyOf: [body, REFERENCE] };
}

function convertSchema(schema: JsonSchema): Record<string, unknown> {
  const { required: _required, properties, items, additionalProperties, anyOf, oneOf, ...rest } = schema;
  const out: Record<string, unknown> = { ...rest };
  if (properties !== undefined) out.properties = { _delete_: DELETE, ...convertProperties(properties) };
  if (items !== undefined) out.items = Array.isArray(items) ? items.map(convertProperty) : convertProperty(items);
  if (additionalProperties !== undefined) {
    out.additionalProperties = typeof additionalProperties === 'object' ? convertProperty(additionalProperties) : additionalProperties;
  }
  if (anyOf !== undefined) out.anyOf = anyOf.map(convertProperty);
  if (oneOf !== undefined) out.anyOf = oneOf.map(convertProperty);
  return out;
}
