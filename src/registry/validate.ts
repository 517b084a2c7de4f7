/**
 * Validation of a config against the top-level sections and the registered
 * components. `type:` selects the component whose schema validates the rest of
 * its map; unknown keys, unknown types and wrong values are reported together,
 * each with a path that the origin map turns into `file:line`. Defaults are
 * written into the config as it is validated.
 */
import { didYouMean } from '../config/did_you_mean.js';
import { pathKey } from '../config/origin.js';
import { isMap, type ConfigMap } from '../config/tree.js';
import { compileSchema, type AjvError } from './ajv.js';
import { COMPONENT_KINDS, type ComponentKind, type JsonSchema } from './component.js';
import type { AnyComponent, Registry } from './registry.js';

export type ValuePath = (string | number)[];

export interface ValidationIssue {
  /** The config path the problem is about (its origin gives file:line). */
  readonly path: ValuePath;
  readonly message: string;
}

/** The schema of a whole config: one property per registered section, nothing else. */
export function topLevelSchema(registry: Registry): JsonSchema {
  const properties: Record<string, JsonSchema> = {};
  for (const { value: section } of registry.sections()) {
    properties[section.name] = { description: section.description, ...section.schema };
  }
  return { type: 'object', properties, additionalProperties: false };
}

export class Validator {
  private readonly componentSchemas = new WeakMap<AnyComponent, JsonSchema>();
  private topSchema?: JsonSchema;

  constructor(private readonly registry: Registry) {}

  /** Validates a whole config (in place: defaults are applied). */
  validateConfig(config: ConfigMap): ValidationIssue[] {
    this.topSchema ??= topLevelSchema(this.registry);
    const issues: ValidationIssue[] = [];
    this.validateValue(this.topSchema, config, [], 'the config', issues);
    return issues;
  }

  /** Validates one component map (in place) found at `path`. */
  validateComponent(kind: ComponentKind, value: unknown, path: ValuePath): ValidationIssue[] {
    const issues: ValidationIssue[] = [];
    this.component(kind, value, path, issues);
    return issues;
  }

  private component(kind: ComponentKind, value: unknown, path: ValuePath, issues: ValidationIssue[]): void {
    const where = path.length === 0 ? `the ${kind}` : pathKey(path);
    const names = this.registry.names(kind);
    if (!isMap(value)) {
      issues.push({ path, message: `${where} must be a map with a 'type' naming a ${kind} (got ${describe(value)})` });
      return;
    }
    const type = value.type;
    if (type === undefined) {
      issues.push({ path, message: `${where} needs a 'type' naming a ${kind}${names.length > 0 ? ` (one of: ${names.join(', ')})` : ''}` });
      return;
    }
    const typePath = [...path, 'type'];
    if (typeof type !== 'string') {
      issues.push({ path: typePath, message: `${pathKey(typePath)} must be a string naming a ${kind} (got ${describe(type)})` });
      return;
    }
    const entry = this.registry.component(kind, type);
    if (entry === undefined) {
      issues.push({ path: typePath, message: unknownTypeMessage(this.registry, kind, type, names) });
      return;
    }
    const label = path.length === 0 ? `${kind} '${type}'` : `${pathKey(path)} (${kind} '${type}')`;
    this.validateValue(this.componentSchema(entry.value), value, path, label, issues, true);
  }

  /** The component's options plus `type`; unknown options are rejected unless the component says otherwise. */
  private componentSchema(component: AnyComponent): JsonSchema {
    let schema = this.componentSchemas.get(component);
    if (schema === undefined) {
      const own = component.schema;
      schema = {
        ...own,
        properties: { type: { type: 'string', description: `the ${component.kind} component` }, ...own.properties },
        additionalProperties: own.additionalProperties ?? false,
      };
      this.componentSchemas.set(component, schema);
    }
    return schema;
  }

  private validateValue(schema: JsonSchema, value: unknown, path: ValuePath, label: string, issues: ValidationIssue[], component = false): void {
    const validate = compileSchema(schema);
    if (!validate(value)) issues.push(...convertErrors(validate.errors ?? [], path, label, component));
    this.nestedComponents(schema, value, path, issues);
  }

  /** Validates every `x-component` option below `schema` with its component's schema. */
  private nestedComponents(schema: JsonSchema, value: unknown, path: ValuePath, issues: ValidationIssue[]): void {
    const kind = schema['x-component'];
    if (kind !== undefined) {
      if (isMap(value)) this.component(kind, value, path, issues);
      return;
    }
    if (isMap(value)) {
      const additional = typeof schema.additionalProperties === 'object' ? schema.additionalProperties : undefined;
      for (const [key, item] of Object.entries(value)) {
        const sub = schema.properties?.[key] ?? additional;
        if (sub !== undefined) this.nestedComponents(sub, item, [...path, key], issues);
      }
    }
    if (Array.isArray(value) && schema.items !== undefined && !Array.isArray(schema.items)) {
      value.forEach((item, i) => this.nestedComponents(schema.items as JsonSchema, item, [...path, i], issues));
    }
    // A nullable or alternative component (`anyOf: [{type: 'null'}, componentOption(...)]`).
    for (const branch of [...(schema.anyOf ?? []), ...(schema.oneOf ?? [])]) {
      if (branch['x-component'] !== undefined && isMap(value)) {
        this.nestedComponents(branch, value, path, issues);
        break;
      }
    }
  }
}

function unknownTypeMessage(registry: Registry, kind: ComponentKind, type: string, names: string[]): string {
  const base = `unknown ${kind} type '${type}'`;
  if (names.length === 0) {
    const elsewhere = registry.findByName(type).map((e) => e.value.kind);
    return `${base}: no ${kind} components are registered${elsewhere.length > 0 ? ` ('${type}' is a ${elsewhere.join(', ')})` : ''}`;
  }
  const hint = didYouMean(type, names);
  if (hint !== '') return base + hint;
  const other = COMPONENT_KINDS.filter((k) => k !== kind && registry.component(k, type) !== undefined);
  return other.length > 0 ? `${base}: '${type}' is a ${other.join(', ')}, not a ${kind}` : `${base} (known: ${names.join(', ')})`;
}

function pointerSegments(pointer: string): string[] {
  return pointer === '' ? [] : pointer.slice(1).split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** Turns ajv errors into issues with clear messages; branches of a failed anyOf/oneOf are summarised by it. */
export function convertErrors(errors: readonly AjvError[], base: ValuePath, label: string, component = false): ValidationIssue[] {
  const alternatives = errors.filter((e) => e.keyword === 'anyOf' || e.keyword === 'oneOf').map((e) => `${e.schemaPath}/`);
  const issues: ValidationIssue[] = [];
  const seen = new Set<string>();
  for (const error of errors) {
    if (alternatives.some((prefix) => error.schemaPath.startsWith(prefix))) continue;
    const issue = convertError(error, base, label, component);
    const key = `${pathKey(issue.path)}\u0000${issue.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    issues.push(issue);
  }
  return issues;
}

function convertError(error: AjvError, base: ValuePath, label: string, component: boolean): ValidationIssue {
  const relative = pointerSegments(error.instancePath);
  const path = [...base, ...relative];
  const where = relative.length === 0 ? label : pathKey(path);
  const got = ` (got ${describe(error.data)})`;
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'additionalProperties': {
      const key = String(params.additionalProperty);
      const known = Object.keys((error.parentSchema as JsonSchema | undefined)?.properties ?? {}).filter((k) => k !== 'type');
      const noun = relative.length === 0 && component ? 'option' : 'key';
      return { path: [...path, key], message: `unknown ${noun} '${key}' in ${where}${didYouMean(key, known)}` };
    }
    case 'required':
      return { path, message: `${where} is missing the required option '${String(params.missingProperty)}'` };
    case 'type':
      // ajv's number type excludes .inf and .nan, which YAML reads as numbers.
      if (typeof error.data === 'number' && !Number.isFinite(error.data) && /number|integer/.test(String(params.type))) return { path, message: `${where} must be a finite number${got}` };
      if (typeof error.data === 'number' && params.type === 'integer') return { path, message: `${where} must be a whole number${got}` };
      return { path, message: `${where} must be ${article(String(params.type))}${got}` };
    case 'enum': {
      const allowed = (params.allowedValues as unknown[]).map((v) => JSON.stringify(v));
      const hint = typeof error.data === 'string' ? didYouMean(error.data, (params.allowedValues as unknown[]).map(String)) : '';
      return { path, message: `${where} must be one of ${allowed.join(', ')}${got}${hint}` };
    }
    case 'minLength':
      if (params.limit === 1) return { path, message: `${where} must not be empty` };
      return { path, message: `${where} ${error.message ?? 'is too short'}${got}` };
    case 'pattern': {
      const explained = (error.parentSchema as JsonSchema | undefined)?.['x-message'];
      return { path, message: `${where} ${typeof explained === 'string' ? explained : `must match ${String(params.pattern)}`}${got}` };
    }
    case 'anyOf':
    case 'oneOf':
      return { path, message: `${where} does not match any allowed form${describeAlternatives(error.schema)}${got}` };
    default:
      return { path, message: `${where} ${error.message ?? 'is invalid'}${got}` };
  }
}

function describeAlternatives(branches: unknown): string {
  if (!Array.isArray(branches)) return '';
  const kinds = branches.map((b: JsonSchema) => (b.type !== undefined ? String(b.type) : b.const !== undefined ? JSON.stringify(b.const) : undefined));
  return kinds.every((k) => k !== undefined) ? ` (expected ${kinds.join(' or ')})` : '';
}

function article(type: string): string {
  const names = type.split(',').map((t) => (t === 'integer' ? 'an integer' : t === 'object' ? 'a map' : t === 'array' ? 'a list' : t === 'null' ? 'null' : `a ${t}`));
  return names.join(' or ');
}

/** A short description of a value for messages: its type and, for scalars, the value. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return `a list of ${value.length}`;
  if (typeof value === 'object') return 'a map';
  if (typeof value === 'number' && !Number.isFinite(value)) return `number ${Number.isNaN(value) ? '.nan' : value > 0 ? '.inf' : '-.inf'}`;
  const text = JSON.stringify(value);
  const shown = text.length > 40 ? `${text.slice(0, 37)}...` : text;
  return `${typeof value === 'number' && Number.isInteger(value) ? 'integer' : typeof value} ${shown}`;
}
