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

/** An error whose message is meant for the user as is: printed without a stack, exit code 1. */
export class UserError extends Error {
  constructor(message: string, readonly exitCode = 1) {
    super(message);
    this.name = 'UserError';
  }
}
