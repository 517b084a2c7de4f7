/**
 * Printing a config as YAML that loads back to the same values, optionally
 * with the origin of each value as an aligned comment (`# base.yaml:3`).
 * Short lists of scalars are written in flow style (`[640, 640]`).
 */
import { parse } from 'yaml';
import { formatOrigin, pathKey, type OriginMap } from './origin.js';
import { isMap } from './tree.js';

const FLOW_WIDTH = 72;
const MAX_COMMENT_COLUMN = 64;

interface Line {
  text: string;
  comment?: string;
}

export function dumpYaml(value: unknown, origins?: OriginMap): string {
  const lines: Line[] = [];
  const at = (path: (string | number)[]): string | undefined => {
    const origin = origins?.get(pathKey(path));
    return origin === undefined ? undefined : formatOrigin(origin);
  };
  if (isMap(value) && Object.keys(value).length > 0) emitMap(value, [], 0, lines, at);
  else if (Array.isArray(value) && value.length > 0) emitList(value, [], 0, lines, at);
  else lines.push({ text: formatInline(value) });
  const column = Math.min(MAX_COMMENT_COLUMN, Math.max(0, ...lines.filter((l) => l.comment !== undefined).map((l) => l.text.length)));
  return lines.map((l) => (l.comment === undefined ? l.text : `${l.text.padEnd(column)}  # ${l.comment}`)).join('\n') + '\n';
}

type At = (path: (string | number)[]) => string | undefined;

function isBlock(value: unknown): boolean {
  if (isMap(value)) return Object.keys(value).length > 0;
  if (Array.isArray(value)) return value.length > 0 && formatFlowList(value) === undefined;
  return false;
}

function emitMap(map: Record<string, unknown>, path: (string | number)[], indent: number, lines: Line[], at: At, firstPrefix?: string): void {
  let first = true;
  for (const [key, item] of Object.entries(map)) {
    const pad = first && firstPrefix !== undefined ? firstPrefix : ' '.repeat(indent);
    first = false;
    const childPath = [...path, key];
    const head = `${pad}${formatScalar(key)}:`;
    if (isBlock(item)) {
      lines.push({ text: head });
      if (isMap(item)) emitMap(item, childPath, indent + 2, lines, at);
      else emitList(item as unknown[], childPath, indent + 2, lines, at);
    } else {
      lines.push({ text: `${head} ${formatInline(item)}`, comment: at(childPath) });
    }
  }
}

function emitList(list: unknown[], path: (string | number)[], indent: number, lines: Line[], at: At): void {
  const pad = ' '.repeat(indent);
  list.forEach((item, i) => {
    const childPath = [...path, i];
    if (isMap(item) && Object.keys(item).length > 0) emitMap(item, childPath, indent + 2, lines, at, `${pad}- `);
    else if (isBlock(item)) {
      lines.push({ text: `${pad}-` });
      emitList(item as unknown[], childPath, indent + 2, lines, at);
    } else lines.push({ text: `${pad}- ${formatInline(item)}`, comment: at(childPath) });
  });
}

/** A value on one line: a scalar, `{}`, `[]` or a short flow list of scalars. */
export function formatInline(value: unknown): string {
  if (isMap(value)) {
    const entries = Object.entries(value).map(([k, v]) => `${formatScalar(k)}: ${formatInline(v)}`);
    return `{${entries.join(', ')}}`;
  }
  if (Array.isArray(value)) return `[${value.map(formatInline).join(', ')}]`;
  return formatScalar(value);
}

function formatFlowList(list: unknown[]): string | undefined {
  if (!list.every((item) => !isMap(item) && !Array.isArray(item))) return undefined;
  const text = formatInline(list);
  return text.length <= FLOW_WIDTH ? text : undefined;
}

const PLAIN_SAFE = /^[A-Za-z0-9_./$(][A-Za-z0-9_./$()+@ -]*$/;

export function formatScalar(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'boolean') return String(value);
  if (typeof value === 'number') {
    if (Number.isNaN(value)) return '.nan';
    if (!Number.isFinite(value)) return value > 0 ? '.inf' : '-.inf';
    return Object.is(value, -0) ? '-0.0' : String(value);
  }
  const text = String(value);
  // Plain only when it cannot read back as anything but this string (a trailing space or ` #` reads back shorter).
  if (PLAIN_SAFE.test(text) && parse(text) === text) return text;
  return JSON.stringify(text);
}
