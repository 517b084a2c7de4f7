/**
 * The contract of a CLI command. Each file in `src/cli/commands/` exports a
 * default `Command`; `detlab <name> ...` dispatches to it. Commands return the
 * process exit code and print user errors as one clear line (never a stack).
 */
export interface Command {
  /** First word after `detlab` (`config`, `train`, `eval`, ...). */
  readonly name: string;
  /** One line for `detlab --help`. */
  readonly summary: string;
  /** Full usage text for `detlab <name> --help`. */
  readonly usage: string;
  run(args: string[]): Promise<number>;
}

/** What a command throws for a mistake the user can fix; it lives with the config errors so every layer can raise it. */
export { UserError } from '../config/errors.js';
