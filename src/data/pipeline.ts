/**
 * Builds a transform pipeline from its config. The same code runs on the main
 * thread and inside loader workers: a worker receives the configs and the
 * files that define the transform components, never functions. Options are
 * validated against each component's schema (defaults applied) here, so a
 * pipeline built in a worker equals one built in-process.
 */
import { Ajv, type ValidateFunction } from 'ajv';
import fg from 'fast-glob';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, resolve } from 'node:path';
import { isComponent, type BuildContext, type Component, type ComponentConfig, type ComponentKind } from '../registry/component.js';
import type { Transform } from './transform.js';

/** What a worker needs to rebuild the pipeline: plain data only. */
export interface PipelineSpec {
  transforms: ComponentConfig[];
  /** `file:` URLs of modules exporting the transform components the configs name. */
  modules: string[];
}

/** The compiled transform component files shipped with detlab (`dist/registry/transforms/*.js`). */
export function builtinTransformModules(): string[] {
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../registry/transforms');
  return fg.sync('*.js', { cwd: root, absolute: true }).sort().map((file) => pathToFileURL(file).href);
}

/** Imports `modules` and collects the exported transform components by name. */
export async function loadTransformComponents(modules: readonly string[]): Promise<Map<string, Component>> {
  const found = new Map<string, Component>();
  for (const url of modules) {
    const mod = (await import(url)) as Record<string, unknown>;
    for (const value of Object.values(mod)) {
      if (isComponent(value) && value.kind === 'transform') found.set(value.name, value as Component);
    }
  }
  return found;
}

const ajv = new Ajv({ useDefaults: true, strict: false, allErrors: true });
const validators = new WeakMap<Component, ValidateFunction>();

function validatorFor(component: Component): ValidateFunction {
  let validate = validators.get(component);
  if (validate === undefined) {
    validate = ajv.compile({ ...component.schema, additionalProperties: false });
    validators.set(component, validate);
  }
  return validate;
}

/** Builds one transform config at `path` (e.g. `data.train.dataset.pipeline[2]`). */
export function buildTransform(config: ComponentConfig, components: ReadonlyMap<string, Component>, path: string): Transform {
  if (typeof config !== 'object' || config === null || typeof config.type !== 'string') {
    throw new Error(`${path}: a transform needs a 'type:' naming it`);
  }
  const component = components.get(config.type);
  if (component === undefined) {
    const known = [...components.keys()].sort().join(', ');
    throw new Error(`${path}: unknown transform type '${config.type}' (known: ${known})`);
  }
  const { type: _type, ...options } = structuredClone(config);
  const validate = validatorFor(component);
  if (!validate(options)) {
    const detail = (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? 'is invalid'}`).join('; ');
    throw new Error(`${path} (${config.type}): ${detail}`);
  }
  const ctx: BuildContext = {
    path,
    extras: {},
    build<T>(kind: ComponentKind, nested: ComponentConfig, nestedPath: string): T {
      if (kind !== 'transform') throw new Error(`${nestedPath}: a transform can only nest transforms, not a ${kind}`);
      return buildTransform(nested, components, nestedPath) as T;
    },
  };
  return component.build(options, ctx) as Transform;
}

export function buildPipeline(configs: readonly ComponentConfig[], components: ReadonlyMap<string, Component>, path: string): Transform[] {
  return configs.map((config, i) => buildTransform(config, components, `${path}[${i}]`));
}
