/**
 * The `detlab` dispatcher: finds every command in `commands/` (each file,
 * named after its command, default-exports a Command), prints help, runs the
 * named command. User errors (UserError, ConfigError) print as their message
 * and exit 1; so do unexpected errors, as one line. Stacks are printed only
 * with DETLAB_DEBUG=1.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { didYouMean } from '../config/did_you_mean.js';
import { UserError, type Command } from './command.js';
import { redactStream, registerEnvironmentSecrets } from '../config/secrets.js';

const here = dirname(fileURLToPath(import.meta.url));

/** A command file that failed to import: reported when it is asked for, never breaking the others. */
interface Broken {
  readonly name: string;
  readonly error: unknown;
}

async function loadCommand(file: string): Promise<Command | Broken> {
  const name = basename(file, '.js');
  try {
    const command = ((await import(pathToFileURL(file).href)) as { default?: Command }).default;
    if (command === undefined || typeof command.run !== 'function' || typeof command.name !== 'string') {
      return { name, error: new Error(`${file} does not export a default Command`) };
    }
    return command;
  } catch (error) {
    return { name, error };
  }
}

function isBroken(entry: Command | Broken): entry is Broken {
  return 'error' in entry;
}

function commandFiles(): string[] {
  const folder = join(here, 'commands');
  return readdirSync(folder).filter((f) => f.endsWith('.js')).sort().map((f) => join(folder, f));
}

function help(entries: (Command | Broken)[]): string {
  const width = Math.max(...entries.map((e) => e.name.length), 4);
  const lines = entries.map((e) =>
    `  ${e.name.padEnd(width)}  ${isBroken(e) ? `(cannot be loaded: ${(e.error as Error).message ?? String(e.error)})` : e.summary}`,
  );
  return [
    'usage: detlab <command> [options]    (detlab --version prints the version)',
    '',
    'commands:',
    ...lines,
    '',
    'Run `detlab <command> --help` for the options of a command. Set DETLAB_DEBUG=1 for stack traces.',
  ].join('\n');
}

/** The version in detlab's package.json (dist/src/cli/ is three levels below it). */
function version(): string {
  const pkg = JSON.parse(readFileSync(join(here, '../../../package.json'), 'utf8')) as { version: string };
  return pkg.version;
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === '--version' || name === '-V') {
    console.log(`detlab ${version()} (node ${process.version})`);
    return 0;
  }
  const files = commandFiles();
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    console.log(help(await Promise.all(files.map(loadCommand))));
    return name === undefined ? 1 : 0;
  }
  // A command lives in commands/<name>.js: only that file is imported, so a
  // broken or slow-to-load command never affects the others.
  const file = files.find((f) => basename(f, '.js') === name);
  if (file === undefined) {
    const names = files.map((f) => basename(f, '.js'));
    throw new UserError(`unknown command '${name}'${didYouMean(name, names)}; run \`detlab --help\` for the list`);
  }
  const command = await loadCommand(file);
  if (isBroken(command)) throw command.error;
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

registerEnvironmentSecrets(process.env);
redactStream(process.stdout);
redactStream(process.stderr);
try {
  process.exitCode = await main(process.argv.slice(2));
} catch (err) {
  process.exitCode = report(err);
}
