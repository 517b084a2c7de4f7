/** `detlab config show|validate|diff`: look at configs the way detlab reads them. */
import { loadConfig, type LoadedConfig } from '../../config/config.js';
import { diffConfigs } from '../../config/diff.js';
import { dumpYaml, formatInline } from '../../config/dump.js';
import { ConfigError, formatIssue } from '../../config/errors.js';
import { formatOrigin, pathKey, type OriginMap } from '../../config/origin.js';
import { walkTree } from '../../config/tree.js';
import { issuesError } from '../../registry/build.js';
import { registryFor } from '../../registry/load_validated.js';
import { Validator } from '../../registry/validate.js';
import { parseCommandArgs, stringList } from '../args.js';
import { UserError, type Command } from '../command.js';

const usage = `usage:
  detlab config show CONFIG [--set KEY=VALUE]... [--origin] [--defaults] [--plugin DIR]... [--trust-plugins]
      print the merged, resolved config as YAML; --origin adds where each value
      came from (file:line, --set, or default); --defaults validates it and
      fills in the defaults of every section and component
  detlab config validate CONFIG... [--set KEY=VALUE]... [--plugin DIR]... [--trust-plugins]
      check configs against the registered components; prints every problem as
      file:line: message and exits 1 if there is any
  detlab config diff A B [--set KEY=VALUE]...
      print only the values that differ between two configs (overrides apply to both)

A config's plugins: are code: show --defaults and validate import them only with
--trust-plugins (or when also named with --plugin); train, eval and sweep run do.

overrides (--set): a.b=1 changes a key, +a.b=1 adds one, ++a.b=1 adds or changes,
~a.b deletes; values are YAML (--set 'sizes=[512,640]').`;

const options = {
  set: { type: 'string', multiple: true },
  plugin: { type: 'string', multiple: true },
  origin: { type: 'boolean' },
  defaults: { type: 'boolean' },
  'trust-plugins': { type: 'boolean' },
} as const;

type Values = { plugin?: string[]; 'trust-plugins'?: boolean };

async function show(args: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, options, usage);
  if (positionals.length !== 1) throw new UserError(`config show takes one config file\n${usage}`);
  const loaded = loadConfig(positionals[0], { overrides: stringList(values.set) });
  if (values.defaults === true) {
    await validated(loaded, values, 'config show');
    markDefaults(loaded);
  }
  process.stdout.write(dumpYaml(loaded.config, values.origin === true ? loaded.origins : undefined));
  return 0;
}

/** Values without an origin after validation were filled in from schema defaults. */
function markDefaults(loaded: LoadedConfig): void {
  for (const [path] of walkTree(loaded.config)) {
    const key = pathKey(path);
    if (path.length > 0 && !loaded.origins.has(key)) loaded.origins.set(key, { kind: 'default' });
  }
}

/** Validates a loaded config in place (defaults applied) or throws a ConfigError. */
async function validated(loaded: LoadedConfig, values: Values, command: string): Promise<void> {
  const registry = await registryFor(loaded, stringList(values.plugin), { configPlugins: values['trust-plugins'] === true ? 'load' : 'refuse', command });
  const issues = new Validator(registry).validateConfig(loaded.config);
  if (issues.length > 0) throw issuesError(issues, loaded.origins);
}

async function validate(args: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, options, usage);
  if (positionals.length === 0) throw new UserError(`config validate takes one or more config files\n${usage}`);
  let failed = 0;
  for (const file of positionals) {
    try {
      await validated(loadConfig(file, { overrides: stringList(values.set) }), values, 'config validate');
      console.log(`${file}: ok`);
    } catch (err) {
      if (!(err instanceof UserError)) throw err;
      failed += 1;
      const lines = err instanceof ConfigError ? err.issues.map(formatIssue) : [`${file}: ${err.message}`];
      for (const line of lines) console.error(line);
    }
  }
  return failed > 0 ? 1 : 0;
}

async function diff(args: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, options, usage);
  if (positionals.length !== 2) throw new UserError(`config diff takes two config files\n${usage}`);
  const [a, b] = positionals.map((file) => loadConfig(file, { overrides: stringList(values.set) }));
  const differences = diffConfigs(a.config, b.config);
  if (differences.length === 0) {
    console.log('the configs are equal');
    return 0;
  }
  const side = (value: unknown, origins: OriginMap, path: string): string => {
    if (value === undefined) return '(absent)';
    const origin = origins.get(path);
    return `${formatInline(value)}${origin === undefined ? '' : `  (${formatOrigin(origin)})`}`;
  };
  console.log(`--- ${positionals[0]}\n+++ ${positionals[1]}`);
  for (const d of differences) {
    console.log(`${d.path}:\n  - ${side(d.a, a.origins, d.path)}\n  + ${side(d.b, b.origins, d.path)}`);
  }
  return 0;
}

const subcommands: Record<string, (args: string[]) => Promise<number>> = { show, validate, diff };

const command: Command = {
  name: 'config',
  summary: 'show, validate or diff configs (merged bases, overrides, references, origins)',
  usage,
  async run(args) {
    const [sub, ...rest] = args;
    const run = sub === undefined ? undefined : subcommands[sub];
    if (run === undefined) throw new UserError(`expected show, validate or diff${sub === undefined ? '' : `, got '${sub}'`}\n${usage}`);
    return run(rest);
  },
};

export default command;
