/**
 * The `detlab` dispatcher: finds every command in `commands/` (each file's
 * default export is a Command), prints help, runs the named command. User
 * errors (UserError, ConfigError) print as their message and exit 1; a stack
 * is shown only for unexpected errors or with DETLAB_DEBUG=1.
 */
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { didYouMean } from '../config/did_you_mean.js';
import { UserError, type Command } from './command.js';

const here = dirname(fileURLToPath(import.meta.url));

async function loadCommands(): Promise<Map<string, Command>> {
  const folder = join(here, 'commands');
  const commands = new Map<string, Command>();
  const files = readdirSync(folder).filter((f) => f.endsWith('.js')).sort();
  for (const file of files) {
    const command = ((await import(pathToFileURL(join(folder, file)).href)) as { default?: Command }).default;
    if (command === undefined || typeof command.run !== 'function' || typeof command.name !== 'string') {
      throw new Error(`${join(folder, file)} does not export a default Command`);
    }
    commands.set(command.name, command);
  }
  return commands;
}

function help(commands: Map<string, Command>): string {
  const width = Math.max(...[...commands.keys()].map((n) => n.length), 4);
  const lines = [...commands.values()].sort((a, b) => a.name.localeCompare(b.name)).map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
  return [
    'usage: detlab <command> [options]',
    '',
    'commands:',
    ...lines,
    '',
    'Run `detlab <command> --help` for the options of a command. Set DETLAB_DEBUG=1 for stack traces.',
  ].join('\n');
}

async function main(argv: string[]): Promise<number> {
  const commands = await loadCommands();
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    console.log(help(commands));
    return name === undefined ? 1 : 0;
  }
  const command = commands.get(name);
  if (command === undefined) {
    throw new UserError(`unknown command '${name}'${didYouMean(name, commands.keys())}; run \`detlab --help\` for the list`);
  }
  if (rest.length === 1 && (rest[0] === '--help' || rest[0] === '-h')) {
    console.log(command.usage);
    return 0;
  }
  return command.run(rest);
}

function report(err: unknown): number {
  const debug = process.env.DETLAB_DEBUG === '1';
  if (err instanceof UserError) {
    console.error(err.message);
    if (debug) console.error(err.stack, err.cause ?? '');
    return err.exitCode;
  }
  if (debug) console.error(err);
  else console.error(`detlab: unexpected error: ${err instanceof Error ? err.message : String(err)} (DETLAB_DEBUG=1 shows the stack)`);
  return 1;
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (err) {
  process.exitCode = report(err);
}
