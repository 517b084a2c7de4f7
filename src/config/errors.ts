/**
 * Errors a user can fix. A `UserError` is printed as its message alone (no
 * stack, exit code 1); a `ConfigError` reports every problem as `file:line: message`.
 */
import { formatOrigin, type Origin } from './origin.js';

export class UserError extends Error {
  constructor(message: string, readonly exitCode = 1) {
    super(message);
    this.name = 'UserError';
  }
}

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

/**
 * Settings given to a component that do not fit together or with the data (a
 * loss its head cannot use, groups that do not divide the channels). `path` is
 * the dotted config path when the thrower knows it; `placeError` (registry/build.ts)
 * turns it into a ConfigError at that path's file:line, or the built component's.
 */
export class ComponentError extends UserError {
  constructor(readonly detail: string, readonly path?: string) {
    super(path === undefined ? detail : `${path}: ${detail}`);
    this.name = 'ComponentError';
  }
}

/** Where a place in a file is, for errors raised before origins exist. */
export function fileOrigin(file: string, line: number, col = 1): Origin {
  return { kind: 'file', file, line, col };
}
