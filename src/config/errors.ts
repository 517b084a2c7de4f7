/** Config errors: every problem is reported as `file:line: message`. */
import { UserError } from '../cli/command.js';
import { formatOrigin, type Origin } from './origin.js';

export interface ConfigIssue {
  /** Where the problem is; undefined only when no place is known (a value added by a default). */
  readonly origin?: Origin;
  readonly message: string;
}

export function formatIssue(issue: ConfigIssue): string {
  return issue.origin === undefined ? issue.message : `${formatOrigin(issue.origin)}: ${issue.message}`;
}

/** One or more config problems; the message has one line per issue. */
export class ConfigError extends UserError {
  readonly issues: readonly ConfigIssue[];

  constructor(issues: ConfigIssue | readonly ConfigIssue[]) {
    const list = Array.isArray(issues) ? (issues as readonly ConfigIssue[]) : [issues as ConfigIssue];
    super(list.map(formatIssue).join('\n'));
    this.name = 'ConfigError';
    this.issues = list;
  }
}

/** Where a place in a file is, for errors raised before origins exist. */
export function fileOrigin(file: string, line: number, col = 1): Origin {
  return { kind: 'file', file, line, col };
}
