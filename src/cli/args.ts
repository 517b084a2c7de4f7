/** Option parsing for commands: node's parseArgs, with mistakes reported as UserErrors. */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { closest } from '../config/did_you_mean.js';
import { UserError } from './command.js';

export type OptionSpecs = NonNullable<ParseArgsConfig['options']>;

export interface ParsedArgs {
  values: Record<string, string | boolean | (string | boolean)[] | undefined>;
  positionals: string[];
}

export function parseCommandArgs(args: string[], options: OptionSpecs, usage: string): ParsedArgs {
  try {
    const { values, positionals } = parseArgs({ args, options, allowPositionals: true, strict: true });
    return { values: values as ParsedArgs['values'], positionals };
  } catch (err) {
    const message = (err as Error).message;
    const unknown = /Unknown option '(-{1,2}[^']+)'/.exec(message);
    if (unknown !== null) {
      const suggestion = closest(unknown[1].replace(/^-+/, ''), Object.keys(options));
      throw new UserError(`unknown option ${unknown[1]}${suggestion === undefined ? '' : ` (did you mean --${suggestion}?)`}\n${usage}`);
    }
    throw new UserError(`${message.split('\n')[0]}\n${usage}`);
  }
}

/** The strings of a repeatable option. */
export function stringList(value: unknown): string[] {
  if (value === undefined) return [];
  return (Array.isArray(value) ? value : [value]).map(String);
}
