/**
 * Safe YAML 1.2 loading with origins. Only the core schema's tags are accepted
 * (map, seq, str, int, float, bool, null): no tag can construct an object or run
 * code, and an unknown tag is an error at its line instead of a silent string.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { isAlias, isScalar, isSeq, LineCounter, parseDocument, type Alias, type Document, type Node, type Pair } from 'yaml';
import { ConfigError, fileOrigin, type ConfigIssue } from './errors.js';
import { LIMITS, limitOf, overLimit } from './limits.js';
import { pathKey, type Origin, type OriginMap } from './origin.js';
import type { ConfigMap } from './tree.js';

const CORE_TAGS = new Set(['map', 'seq', 'str', 'int', 'float', 'bool', 'null'].map((t) => `tag:yaml.org,2002:${t}`));

/** More alias expansions than any real config needs: guards against "billion laughs" documents. */
const MAX_ALIASES = 1000;

export interface ParsedYaml {
  value: unknown;
  origins: OriginMap;
}

/** Maps a character offset of the parsed text to the origin reported for it. */
export type OriginAt = (offset: number) => Origin;

export function fileOrigins(file: string, lineCounter: LineCounter): OriginAt {
  return (offset) => {
    const { line, col } = lineCounter.linePos(offset);
    return { kind: 'file', file, line, col };
  };
}

/** Parses one YAML document; `originAt` names the place of each value. */
export function parseYaml(text: string, originAt: OriginAt, lineCounter: LineCounter): ParsedYaml {
  const doc = parseDocument(text, {
    version: '1.2',
    schema: 'core',
    customTags: [],
    merge: false,
    uniqueKeys: true,
    strict: true,
    prettyErrors: false,
    lineCounter,
  });
  const problems = [...doc.errors, ...doc.warnings];
  if (problems.length > 0) {
    throw new ConfigError(problems.map((e) => ({ origin: originAt(e.pos[0]), message: problemMessage(e.code, e.message) })));
  }
  const origins: OriginMap = new Map();
  const walker = new Walker(doc, originAt, origins);
  const value = doc.contents === null ? null : walker.toValue(doc.contents as Node, []);
  if (walker.issues.length > 0) throw new ConfigError(walker.issues);
  return { value, origins };
}

/**
 * A YAML file's text, refused at its place when it is larger than the byte
 * limit (checked before reading), binary, or not UTF-8. A file that cannot be
 * opened throws the system error (the caller names the file).
 */
export function readYamlText(file: string): string {
  const fd = openSync(file, 'r');
  let bytes: Buffer;
  try {
    const size = fstatSync(fd).size;
    if (size > limitOf(LIMITS.yamlBytes)) throw new ConfigError({ origin: fileOrigin(file, 1), message: overLimit(LIMITS.yamlBytes, size) });
    bytes = Buffer.alloc(size);
    for (let done = 0; done < size; ) {
      const n = readSync(fd, bytes, done, size - done, null);
      if (n === 0) break;
      done += n;
    }
  } finally {
    closeSync(fd);
  }
  const line = (offset: number): number => bytes.subarray(0, offset).filter((b) => b === 0x0a).length + 1;
  const nul = bytes.indexOf(0);
  if (nul >= 0) throw new ConfigError({ origin: fileOrigin(file, line(nul)), message: 'not a text file (it holds NUL bytes): a config or spec is a YAML text file' });
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new ConfigError({ origin: fileOrigin(file, line(firstInvalidUtf8(bytes))), message: 'not valid UTF-8 text (save the file as UTF-8)' });
  }
}

/** The offset of the first byte that is not part of valid UTF-8. */
function firstInvalidUtf8(bytes: Buffer): number {
  // The lenient decoder writes one U+FFFD per invalid sequence; the first one the bytes do not spell (EF BF BD) is the place.
  const text = new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes);
  let offset = 0;
  for (const char of text) {
    const code = char.codePointAt(0) as number;
    if (code === 0xfffd && !(bytes[offset] === 0xef && bytes[offset + 1] === 0xbf && bytes[offset + 2] === 0xbd)) return offset;
    offset += code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4;
  }
  return offset;
}

/** Parses a config file's text; the file name is used for origins. */
export function parseYamlFile(text: string, file: string): ParsedYaml {
  const lineCounter = new LineCounter();
  return parseYaml(text, fileOrigins(file, lineCounter), lineCounter);
}

/** The parser's message, reworded where it speaks of the parser's API rather than of the config. */
function problemMessage(code: string, message: string): string {
  if (code === 'MULTIPLE_DOCS') return "a config file holds one YAML document (found a second '---')";
  const text = message.split('\n')[0];
  const tag = /^Unresolved tag: (.*)$/.exec(text);
  if (tag !== null) return CORE_TAGS.has(tag[1]) ? `the value does not fit its tag '${shortTag(tag[1])}'` : tagMessage(tag[1]);
  return text;
}

function tagMessage(tag: string): string {
  return `tag '${shortTag(tag)}' is not allowed (configs use plain YAML 1.2 core values only)`;
}

function shortTag(tag: string): string {
  return tag.replace(/^tag:yaml\.org,2002:/, '!!');
}

class Walker {
  readonly issues: ConfigIssue[] = [];
  private aliases = 0;
  private nodes = 0;
  private readonly maxNodes = limitOf(LIMITS.yamlNodes);
  private readonly maxString = limitOf(LIMITS.stringLength);
  private readonly resolving = new Set<Node>();
  /** Where the outermost alias being expanded is written: values it brings count against the node limit there. */
  private expanding?: Origin;

  constructor(
    private readonly doc: Document,
    private readonly originAt: OriginAt,
    private readonly origins: OriginMap,
  ) {}

  toValue(node: Node, path: (string | number)[], place?: Origin): unknown {
    const origin = place ?? this.originAt(node.range?.[0] ?? 0);
    // Thrown, not collected: the walk must stop before it builds more.
    if (++this.nodes > this.maxNodes) throw new ConfigError({ origin: this.expanding ?? origin, message: overLimit(LIMITS.yamlNodes) });
    if (!this.origins.has(pathKey(path))) this.origins.set(pathKey(path), origin);
    if (isAlias(node)) return this.resolveAlias(node, path, origin);
    if (node.tag !== undefined && !CORE_TAGS.has(node.tag)) {
      this.issues.push({ origin: this.originAt(node.range?.[0] ?? 0), message: tagMessage(node.tag) });
      return null;
    }
    if (isScalar(node)) {
      if (typeof node.value === 'string' && node.value.length > this.maxString) {
        this.issues.push({ origin, message: overLimit(LIMITS.stringLength, node.value.length) });
        return null;
      }
      return node.value;
    }
    if (isSeq(node)) return node.items.map((item, i) => (item === null ? null : this.toValue(item as Node, [...path, i])));
    return this.mapValue(node.items as Pair<unknown, unknown>[], path);
  }

  private mapValue(pairs: Pair<unknown, unknown>[], path: (string | number)[]): ConfigMap {
    const map: ConfigMap = {};
    for (const pair of pairs) {
      const keyNode = pair.key as Node | null;
      const keyOrigin = this.originAt(keyNode?.range?.[0] ?? 0);
      if (!isScalar(keyNode) || (keyNode.tag !== undefined && !CORE_TAGS.has(keyNode.tag))) {
        this.issues.push({ origin: keyOrigin, message: 'map keys must be plain scalars' });
        continue;
      }
      if (keyNode.value === null) {
        this.issues.push({ origin: keyOrigin, message: 'a map key is empty or null (quote it, "null", if that is its name)' });
        continue;
      }
      const key = String(keyNode.value);
      if (key === '__proto__') {
        this.issues.push({ origin: keyOrigin, message: "'__proto__' is not allowed as a key" });
        continue;
      }
      const valueNode = pair.value as Node | null;
      const childPath = [...path, key];
      if (valueNode === null) {
        this.origins.set(pathKey(childPath), keyOrigin);
        map[key] = null;
      } else {
        // Collections are reported at their key, scalars at the value itself.
        const collection = !isScalar(valueNode) && !isAlias(valueNode);
        map[key] = this.toValue(valueNode, childPath, collection ? keyOrigin : undefined);
      }
    }
    return map;
  }

  private resolveAlias(node: Alias, path: (string | number)[], origin: Origin): unknown {
    this.aliases += 1;
    const target = node.resolve(this.doc);
    if (this.aliases > MAX_ALIASES) {
      this.issues.push({ origin, message: `more than ${MAX_ALIASES} alias expansions` });
      return null;
    }
    if (target === undefined) {
      this.issues.push({ origin, message: `unknown alias *${node.source}` });
      return null;
    }
    if (this.resolving.has(target)) {
      this.issues.push({ origin, message: `alias *${node.source} refers to itself` });
      return null;
    }
    this.resolving.add(target);
    const outermost = this.expanding === undefined;
    if (outermost) this.expanding = origin;
    const value = this.toValue(target, path, origin);
    if (outermost) this.expanding = undefined;
    this.resolving.delete(target);
    return value;
  }
}
