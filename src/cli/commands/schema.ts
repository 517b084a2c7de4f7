/** `detlab schema`: the JSON Schema of the config language, for editors. */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { discoverRegistry } from '../../registry/discover.js';
import { editorSchema } from '../../registry/editor_schema.js';
import { parseCommandArgs, stringList } from '../args.js';
import { UserError, type Command } from '../command.js';

const usage = `usage: detlab schema [--output FILE] [--plugin DIR]...
  print (or write to FILE) a JSON Schema of detlab configs: the top-level sections
  and every registered component's options, chosen by 'type'. Point your editor at
  it with a first line such as
    # yaml-language-server: $schema=../detlab.schema.json`;

const options = { output: { type: 'string', short: 'o' }, plugin: { type: 'string', multiple: true } } as const;

const command: Command = {
  name: 'schema',
  summary: 'print the JSON Schema of configs for editor completion and checks',
  usage,
  async run(args) {
    const { values, positionals } = parseCommandArgs(args, options, usage);
    if (positionals.length > 0) throw new UserError(usage);
    const registry = await discoverRegistry(stringList(values.plugin).map((p) => ({ path: resolve(p) })));
    const text = `${JSON.stringify(editorSchema(registry), null, 2)}\n`;
    if (typeof values.output === 'string') writeFileSync(values.output, text);
    else process.stdout.write(text);
    return 0;
  },
};

export default command;
