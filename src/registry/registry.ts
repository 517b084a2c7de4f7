/**
 * The store of components (by kind and `type:` name) and config sections,
 * each remembered with the file that registered it so that messages can name
 * it. A name registered twice is an error naming both files.
 */
import { UserError } from '../config/errors.js';
import { displayFile } from '../config/origin.js';
import { COMPONENT_KINDS, isComponent, type Component, type ComponentKind } from './component.js';
import { isSection, type ConfigSection } from './section.js';

export interface Registered<T> {
  readonly value: T;
  /** The file that registered it (absolute). */
  readonly file: string;
}

export type AnyComponent = Component<any, unknown>;

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const RESERVED_OPTIONS = new Set(['type', '_delete_', '_base_']);

export class Registry {
  private readonly byKind = new Map<ComponentKind, Map<string, Registered<AnyComponent>>>();
  private readonly sectionsByName = new Map<string, Registered<ConfigSection>>();

  /** Registers every component and section exported by a module. */
  registerModule(exports: Record<string, unknown>, file: string): void {
    const seen = new Set<unknown>();
    for (const value of Object.values(exports)) {
      if (seen.has(value) || !(isComponent(value) || isSection(value))) continue;
      seen.add(value);
      if (isComponent(value)) this.registerComponent(value as AnyComponent, file);
      else this.registerSection(value, file);
    }
  }

  registerComponent(component: AnyComponent, file: string): void {
    checkComponent(component, file);
    let kind = this.byKind.get(component.kind);
    if (kind === undefined) this.byKind.set(component.kind, (kind = new Map()));
    const previous = kind.get(component.name);
    if (previous !== undefined) {
      throw new UserError(
        `${component.kind} '${component.name}' is registered twice: in ${displayFile(previous.file)} and in ${displayFile(file)}`,
      );
    }
    kind.set(component.name, { value: component, file });
  }

  registerSection(section: ConfigSection, file: string): void {
    if (!NAME.test(section.name) || section.name.startsWith('_')) {
      throw new UserError(`${displayFile(file)}: '${section.name}' is not a valid config section name`);
    }
    const previous = this.sectionsByName.get(section.name);
    if (previous !== undefined) {
      throw new UserError(`config section '${section.name}' is declared twice: in ${displayFile(previous.file)} and in ${displayFile(file)}`);
    }
    this.sectionsByName.set(section.name, { value: section, file });
  }

  component(kind: ComponentKind, name: string): Registered<AnyComponent> | undefined {
    return this.byKind.get(kind)?.get(name);
  }

  names(kind: ComponentKind): string[] {
    return [...(this.byKind.get(kind)?.keys() ?? [])].sort();
  }

  /** Components of one kind, or of all kinds in the order of COMPONENT_KINDS; names sorted. */
  components(kind?: ComponentKind): Registered<AnyComponent>[] {
    const kinds = kind === undefined ? COMPONENT_KINDS : [kind];
    return kinds.flatMap((k) => this.names(k).map((name) => this.byKind.get(k)!.get(name)!));
  }

  /** Every component with this name, whatever its kind. */
  findByName(name: string): Registered<AnyComponent>[] {
    return this.components().filter((entry) => entry.value.name === name);
  }

  section(name: string): Registered<ConfigSection> | undefined {
    return this.sectionsByName.get(name);
  }

  sections(): Registered<ConfigSection>[] {
    return [...this.sectionsByName.values()];
  }
}

/** Catches contract mistakes at registration, naming the file, rather than at first use. */
function checkComponent(component: AnyComponent, file: string): void {
  // Built only for a message: file names are shown relative to the working directory, which a browser (an exported page) has none of.
  const where = (): string => `${displayFile(file)}: component '${String(component.name)}'`;
  if (!(COMPONENT_KINDS as readonly string[]).includes(component.kind)) {
    throw new UserError(`${where()} has unknown kind '${component.kind}' (kinds: ${COMPONENT_KINDS.join(', ')})`);
  }
  if (typeof component.name !== 'string' || !NAME.test(component.name)) throw new UserError(`${where()}: the name must be an identifier`);
  if (typeof component.build !== 'function') throw new UserError(`${where()} has no build function`);
  const schema = component.schema;
  if (schema?.type !== 'object' || typeof schema.properties !== 'object') {
    throw new UserError(`${where()}: the options schema must be {type: 'object', properties: {...}}`);
  }
  for (const [option, optionSchema] of Object.entries(schema.properties)) {
    if (RESERVED_OPTIONS.has(option)) throw new UserError(`${where()}: '${option}' is reserved and cannot be an option`);
    const description = optionSchema.description;
    if (typeof description !== 'string' || description.trim() === '' || description.includes('\n')) {
      throw new UserError(`${where()}: option '${option}' needs a one-line description`);
    }
  }
}
