/**
 * Every relative link in README.md and docs/*.md leads somewhere: the file
 * exists, and a `#anchor` into a markdown file names one of its headings
 * (GitHub's slugs: lower case, punctuation dropped, spaces as hyphens,
 * repeats numbered).
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** The text outside fenced code blocks. */
function prose(markdown: string): string[] {
  let fenced = false;
  return markdown.split('\n').filter((line) => {
    if (/^\s*(```|~~~)/.test(line)) {
      fenced = !fenced;
      return false;
    }
    return !fenced;
  });
}

function anchors(file: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const line of prose(readFileSync(file, 'utf8'))) {
    const m = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (m === null) continue;
    const base = m[1].toLowerCase().replace(/[^\p{L}\p{N} _-]/gu, '').replace(/ /g, '-');
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n === 0 ? base : `${base}-${n}`);
  }
  return out;
}

function links(file: string): string[] {
  return prose(readFileSync(file, 'utf8')).flatMap((line) =>
    [...line.replace(/`[^`]*`/g, '').matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)].map((m) => m[1]));
}

const files = ['README.md', ...readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];

test('every relative link in README.md and docs/ resolves, anchors included', () => {
  const broken: string[] = [];
  let checked = 0;
  for (const file of files) {
    const from = join(ROOT, file);
    for (const link of links(from)) {
      if (/^[a-z]+:/i.test(link)) continue;
      checked++;
      const [path, anchor] = link.split('#');
      const target = path === '' ? from : join(dirname(from), decodeURIComponent(path));
      if (!existsSync(target)) broken.push(`${file}: ${link} (no ${relative(ROOT, target)})`);
      else if (anchor !== undefined && target.endsWith('.md') && !anchors(target).has(anchor)) broken.push(`${file}: ${link} (no heading #${anchor})`);
    }
  }
  assert.ok(checked >= 30, `only ${checked} links checked`);
  assert.deepEqual(broken, []);
});
