/**
 * The contract every registry component meets.
 *
 * A component file under `registry/` (or a plugin folder) exports one or more
 * values made by `defineComponent`. Discovery imports the file and registers
 * every exported component under its kind, remembering the file for messages.
 * The option schema lives beside the builder, so validation, `detlab registry
 * show` and the editor schema all come from one place.
 */

export const COMPONENT_KINDS = [
  'detector',
  'backbone',
  'neck',
  'head',
  'supervisor',
  'loss',
  'dataset',
  'transform',
  'optimizer',
  'lr_schedule',
  'hook',
  'tracker',
  'executor',
] as const;

export type ComponentKind = (typeof COMPONENT_KINDS)[number];

/** A JSON Schema (draft-07 subset understood by ajv) with our `x-component` marker. */
export interface JsonSchema {
  type?: string | string[];
  description?: string;
  default?: unknown;
  enum?: readonly unknown[];
  const?: unknown;
  properties?: Record<string, JsonSchema>;
  required?: readonly string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema | JsonSchema[];
  minItems?: number;
  maxItems?: number;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  oneOf?: JsonSchema[];
  anyOf?: JsonSchema[];
  /** A nested component of this kind: a map with `type:` validated by that component's schema. */
  'x-component'?: ComponentKind;
  [keyword: string]: unknown;
}

/** The options schema of a component: an object whose every property has a one-line description. */
export interface OptionsSchema extends JsonSchema {
  type: 'object';
  properties: Record<string, JsonSchema & { description: string }>;
}

/** A component's config map as written in YAML: `type:` plus its options. */
export interface ComponentConfig {
  type: string;
  [option: string]: unknown;
}

/** What a builder receives besides its options. */
export interface BuildContext {
  /** Dotted config path of the map being built (`model.head.loss_cls`), for messages. */
  readonly path: string;
  /** Builds a nested component (already validated with the parent) at `path`. */
  build<T = unknown>(kind: ComponentKind, config: ComponentConfig, path: string): T;
  /** Values handed down by the caller (e.g. the number of classes, the engine). */
  readonly extras: Readonly<Record<string, unknown>>;
}

const BRAND = Symbol.for('detlab.component');

export interface Component<Options = Record<string, unknown>, Built = unknown> {
  readonly [BRAND]: true;
  readonly kind: ComponentKind;
  /** The `type:` name users write in YAML. */
  readonly name: string;
  /** One line, shown by `detlab registry list`. */
  readonly description: string;
  readonly schema: OptionsSchema;
  /** Receives the validated options with defaults applied and `type` removed. */
  build(options: Options, ctx: BuildContext): Built;
}

export type ComponentSpec<Options, Built> = Omit<Component<Options, Built>, typeof BRAND>;

export function defineComponent<Options = Record<string, unknown>, Built = unknown>(
  spec: ComponentSpec<Options, Built>,
): Component<Options, Built> {
  return { ...spec, [BRAND]: true };
}

export function isComponent(value: unknown): value is Component<unknown, unknown> {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
}

/** Schema of an option that holds a nested component of `kind`. */
export function componentOption(kind: ComponentKind, description: string, defaultConfig?: ComponentConfig): JsonSchema & { description: string } {
  const schema: JsonSchema & { description: string } = { type: 'object', 'x-component': kind, description, required: ['type'] };
  if (defaultConfig !== undefined) schema.default = defaultConfig;
  return schema;
}
