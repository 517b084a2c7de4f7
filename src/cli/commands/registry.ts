/** `detlab registry list|show`: the components detlab can build, and their options. */
import { didYouMean } from '../../config/did_you_mean.js';
import { formatInline } from '../../config/dump.js';
import { displayFile } from '../../config/origin.js';
import { COMPONENT_KINDS, type ComponentKind, type JsonSchema } from '../../registry/component.js';
import { discoverRegistry } from '../../registry/discover.js';
import type { AnyComponent, Registered, Registry } from '../../registry/registry.js';
import type { ConfigSection } from '../../registry/section.js';
import { resolve } from 'node:path';
import { parseCommandArgs, stringList } from '../args.js';
import { UserError, type Command } from '../command.js';

const usage = `usage:
  detlab registry list [KIND] [--plugin DIR]...
      components by kind (${COMPONENT_KINDS.join(', ')}) and the config sections
  detlab registry show NAME [--kind KIND] [--plugin DIR]...
      a component's (or a config section's) options: type, default, description`;

const options = { plugin: { type: 'string', multiple: true }, kind: { type: 'string' } } as const;

function asKind(name: string): ComponentKind {
  if ((COMPONENT_KINDS as readonly string[]).includes(name)) return name as ComponentKind;
  const singular = name.endsWith('s') ? name.slice(0, -1) : name;
  if ((COMPONENT_KINDS as readonly string[]).includes(singular)) return singular as ComponentKind;
  throw new UserError(`unknown kind '${name}'${didYouMean(name, COMPONENT_KINDS)}; kinds: ${COMPONENT_KINDS.join(', ')}`);
}

function list(registry: Registry, kindName: string | undefined): string {
  const kinds = kindName === undefined ? COMPONENT_KINDS : [asKind(kindName)];
  const out: string[] = [];
  for (const kind of kinds) {
    const entries = registry.components(kind);
    if (kindName === undefined && entries.length === 0) continue;
    out.push(`${kind} (${entries.length})`);
    const width = Math.max(0, ...entries.map((e) => e.value.name.length));
    for (const { value } of entries) out.push(`  ${value.name.padEnd(width)}  ${value.description}`);
    if (entries.length === 0) out.push('  (none registered)');
  }
  if (kindName === undefined) {
    if (out.length === 0) out.push('no components registered yet');
    const sections = registry.sections().map((s) => s.value);
    out.push('', `config sections (${sections.length})`);
    const width = Math.max(0, ...sections.map((s) => s.name.length));
    for (const s of sections.sort((a, b) => a.name.localeCompare(b.name))) out.push(`  ${s.name.padEnd(width)}  ${s.description}`);
  }
  return out.join('\n');
}

function typeOf(schema: JsonSchema): string {
  if (schema['x-component'] !== undefined) return `${schema['x-component']} component`;
  if (schema.enum !== undefined) return schema.enum.map((v) => JSON.stringify(v)).join(' | ');
  if (schema.anyOf !== undefined || schema.oneOf !== undefined) return (schema.anyOf ?? schema.oneOf ?? []).map(typeOf).join(' | ');
  const type = Array.isArray(schema.type) ? schema.type.join(' | ') : (schema.type ?? 'any');
  if (type === 'array' && schema.items !== undefined && !Array.isArray(schema.items)) return `list of ${typeOf(schema.items)}`;
  return type === 'object' ? 'map' : type;
}

/** A table of an object schema's properties: name, type, default, description. */
function optionsTable(schema: JsonSchema): string {
  const rows = Object.entries(schema.properties ?? {}).map(([name, option]) => {
    const required = schema.required?.includes(name) === true;
    const fallback = option.default !== undefined ? formatInline(option.default) : required ? '(required)' : '(none)';
    return [name, typeOf(option), fallback, option.description ?? ''];
  });
  if (rows.length === 0) return '(no options)';
  const header = ['option', 'type', 'default', 'description'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]): string => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]))).join('  ');
  return [line(header), ...rows.map(line)].join('\n');
}

function showComponent({ value: component, file }: Registered<AnyComponent>): string {
  return [`${component.kind} ${component.name}: ${component.description}`, `file: ${displayFile(file)}`, '', optionsTable(component.schema)].join('\n');
}

function showSection({ value: section, file }: Registered<ConfigSection>): string {
  const body = section.schema.properties !== undefined ? optionsTable(section.schema) : `type: ${typeOf(section.schema)}`;
  return [`config section ${section.name}: ${section.description}`, `file: ${displayFile(file)}`, '', body].join('\n');
}

function show(registry: Registry, name: string, kindName: string | undefined): string {
  const matches = registry.findByName(name).filter((e) => kindName === undefined || e.value.kind === asKind(kindName));
  const section = kindName === undefined ? registry.section(name) : undefined;
  if (matches.length === 0 && section === undefined) {
    const names = [...registry.components().map((e) => e.value.name), ...registry.sections().map((e) => e.value.name)];
    throw new UserError(`no component or config section named '${name}'${didYouMean(name, names)}; \`detlab registry list\` shows them all`);
  }
  return [...(section === undefined ? [] : [showSection(section)]), ...matches.map(showComponent)].join('\n\n');
}

const command: Command = {
  name: 'registry',
  summary: 'list registered components and config sections, or show the options of one',
  usage,
  async run(args) {
    const [sub, ...rest] = args;
    const { values, positionals } = parseCommandArgs(rest, options, usage);
    const registry = await discoverRegistry(stringList(values.plugin).map((p) => ({ path: resolve(p) })));
    const kind = typeof values.kind === 'string' ? values.kind : undefined;
    if (sub === 'list' && positionals.length <= 1) console.log(list(registry, positionals[0] ?? kind));
    else if (sub === 'show' && positionals.length === 1) console.log(show(registry, positionals[0], kind));
    else throw new UserError(usage);
    return 0;
  },
};

export default command;
